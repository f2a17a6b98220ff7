"""Layer activations by name, taken from autonode's op table.

``sigmoid``, ``tanh``, ``relu`` and ``identity`` are the table's ops
(:data:`autonode.ops.ACTIVATIONS`): the forward rule gives h = f(z), the
derivative rule f'(z). ``softmax`` is allowed on the last layer only: that
layer computes identity logits z (what the loss sees; train it with
``softmax_cross_entropy``) and the network's output is softmax(z), computed
stably as exp(z - logsumexp(z)) with the table's ``logsumexp``.
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


def softmax(Z: Any) -> Any:
    """Row-wise softmax(z)ₖ = exp(zₖ - logsumexp(z)); the table's ∂logsumexp/∂z."""
    Z = np.asarray(Z)
    lse = _LOGSUMEXP_ROWS(Z)  # the table's forward over the K columns (last axis, kept)
    return ops.LOGSUMEXP.derivatives(lse, Z)[0]  # its rule, all columns at once


def output_from_last(name: str, H: Any) -> Any:
    """The network's output from the last layer's h: softmax(h) for ``softmax``, else h itself."""
    return softmax(H) if name == SOFTMAX else H
