"""Adam in one compiled pass: the optional accelerator behind ``Adam(kernel="numba")``.

numpy cannot fuse elementwise work, so :func:`nets.optim.adam_kernel` reads and writes the
flat arrays ten times per step; a compiler does the whole update in one loop, each entry
loaded once. The same update as the numpy kernel (same scaled moments M = m/(1-β₁),
V = v/(1-β₂), same formula), compiled by numba (an optional extra: ``pip install
'autonode[numba]'``) on first use, about a second. The numpy kernel stays the default and the
reference; tests/nets/test_losses_optim.py checks this one against it and against PyTorch.
"""

from __future__ import annotations

from typing import Any

from nets.types import Array

_COMPILED: dict[str, Any] = {}


def _compile() -> Any:
    import numba  # optional extra: an LLVM compiler (≈200 MB), loaded only when asked for

    @numba.njit(nogil=True, cache=False)
    def adam_pass(p: Array, g: Array, M: Array, V: Array, beta1: float, beta2: float, c: float,
                  eps_hat: float) -> None:
        for i in range(p.size):
            gi = g[i]
            m = beta1 * M[i] + gi
            v = beta2 * V[i] + gi * gi
            M[i] = m
            V[i] = v
            p[i] -= c * (m / (v**0.5 + eps_hat))

    return adam_pass


def fused_adam_pass(p: Array, g: Array, M: Array, V: Array, beta1: float, beta2: float, c: float,
                    eps_hat: float) -> None:
    """M ← β₁M + g;  V ← β₂V + g²;  p ← p - c·M/(√V + ε̂), entry by entry in one compiled loop (1-d arrays)."""
    kernel = _COMPILED.get("adam")
    if kernel is None:
        kernel = _COMPILED["adam"] = _compile()
    kernel(p, g, M, V, beta1, beta2, c, eps_hat)
