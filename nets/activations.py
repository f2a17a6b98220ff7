"""Layer activations by name, taken from autonode's op table.

``sigmoid``, ``tanh``, ``relu`` and ``identity`` are the table's ops
(:data:`autonode.ops.ACTIVATIONS`): the forward rule gives h = f(z), the
derivative rule f'(z). ``softmax`` is allowed on the last layer only: that
layer computes identity logits z (what the loss sees; train it with
``softmax_cross_entropy``) and the network's output is softmax(z), computed
stably as exp(z - logsumexp(z)) with the table's ``logsumexp``.

:func:`scale_by_derivative` is the one speed kernel here: δ ← δ ⊙ f'(z) in place, with f'
computed from the stored output h (tanh: 1 - h², sigmoid: h(1 - h), relu: h > 0, identity: 1),
the same arithmetic as the table's derivative rules, without their temporaries;
:func:`delta_step` adds the bias gradient's row sum (the vectorised engine's backward step,
compiled in :mod:`nets.compiled` for ``kernels="numba"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autonode import ops
from autonode.ops import Op

SOFTMAX = "softmax"
_LOGSUMEXP_ROWS = ops.reduce_rule(ops.LOGSUMEXP)
LAYER_ACTIVATIONS: tuple[str, ...] = tuple(ops.ACTIVATIONS)
OUTPUT_ACTIVATIONS: tuple[str, ...] = (*LAYER_ACTIVATIONS, SOFTMAX)


def layer_op(name: str) -> Op:
    """The op a layer applies to z: the table's activation; identity for ``softmax`` (logits)."""
    if name == SOFTMAX:
        return ops.IDENTITY
    op = ops.ACTIVATIONS.get(name)
    if op is None:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(OUTPUT_ACTIVATIONS)}")
    return op


def check_activations(activations: str | Sequence[str], n_layers: int) -> list[str]:
    """One activation name per weight layer (a single name is repeated), validated.

    ``softmax`` only on the last layer; unknown names raise ValueError listing the known ones.
    """
    names = [activations] * n_layers if isinstance(activations, str) else list(activations)
    if len(names) != n_layers:
        raise ValueError(f"activations: need one per weight layer ({n_layers}), got {len(names)}: {names!r}")
    for i, name in enumerate(names):
        if name not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"activations[{i}]: unknown activation {name!r}; known: {', '.join(OUTPUT_ACTIVATIONS)}")
        if name == SOFTMAX and i != n_layers - 1:
            raise ValueError(f"activations[{i}]: softmax is allowed on the output layer only")
    return names


# ---- speed: δ ⊙ f'(z) in place from the stored output ---------------------------------------------------
# The table's rules compute f'(z) in two temporaries, then δ·f'(z) allocates a third array. Here
# f'(z) takes one work array and δ is scaled in place: tanh at 128×256 float64 23.5 → 19.1 µs, at
# 1024×1024 1.57 → 1.23 ms (CPU time, one core); tests/nets/test_activations.py checks every kernel
# against the table's rule.
def _tanh_scale(delta: Any, h: Any) -> None:
    d = h * h
    np.subtract(1.0, d, out=d)  # 1 - h²
    delta *= d


def _sigmoid_scale(delta: Any, h: Any) -> None:
    d = 1.0 - h
    d *= h  # h(1 - h)
    delta *= d


def _relu_scale(delta: Any, h: Any) -> None:
    on = np.less_equal(h, 0.0)
    np.logical_not(on, out=on)  # relu'(z) = 0 where h ≤ 0, else 1 (nan included: the table's step)
    delta *= on  # the chain rule's product, as the table's (0·∞ is nan); 128×256 float64: 148 → 19 µs (masked copy)


def _identity_scale(delta: Any, h: Any) -> None:
    return None


_SCALE_BY_DERIVATIVE = {"tanh": _tanh_scale, "sigmoid": _sigmoid_scale, "relu": _relu_scale,
                        "identity": _identity_scale, SOFTMAX: _identity_scale}


def scale_by_derivative(name: str) -> Any:
    """``kernel(delta, h)``: δ ← δ ⊙ f'(z) in place, f' from h = f(z) (activation ``name``)."""
    return _SCALE_BY_DERIVATIVE[name]


def delta_step(name: str) -> Any:
    """``step(delta, h, db)``: δ ← δ ⊙ f'(z) in place, then ∂J/∂b = Σ_rows δ into ``db`` (activation ``name``)."""
    scale = _SCALE_BY_DERIVATIVE[name]

    def step(delta: Any, h: Any, db: Any) -> None:
        scale(delta, h)
        np.add.reduce(delta, axis=0, out=db)

    return step
# ---- end of speed section --------------------------------------------------------------------------------


def softmax(Z: Any) -> Any:
    """Row-wise softmax(z)ₖ = exp(zₖ - logsumexp(z)); the table's ∂logsumexp/∂z."""
    Z = np.asarray(Z)
    lse = _LOGSUMEXP_ROWS(Z)  # the table's forward over the K columns (last axis, kept)
    return ops.LOGSUMEXP.derivatives(lse, Z)[0]  # its rule, all columns at once


def output_from_last(name: str, H: Any) -> Any:
    """The network's output from the last layer's h: softmax(h) for ``softmax``, else h itself."""
    return softmax(H) if name == SOFTMAX else H
