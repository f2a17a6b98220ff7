"""The vectorised engine: a whole batch X of shape (m, n) through the network with numpy.

Forward, for every layer l (rows are samples, so Wx becomes h Wᵀ)::

    z[l+1] = h[l] W[l]ᵀ + b[l];   h[l+1] = f(z[l+1])

Backward, the seed tutorial's equations, batched::

    δ[L]   = ∂J/∂h[L] ⊙ f'(z[L])
    δ[l]   = (δ[l+1] W[l]) ⊙ f'(z[l])          ((W[l])ᵀ δ[l+1] per sample)
    ∂J/∂W[l] = δ[l+1]ᵀ h[l]  (summed over the batch),  ∂J/∂b[l] = Σ_rows δ[l+1]

f is the op table's forward rule; f' is taken from the stored output h (tanh: 1 - h²,
sigmoid: h(1 - h), relu: h > 0), in place, in the same step as the bias gradient's row sum
(:func:`nets.activations.delta_step`; compiled with ``kernels="numba"``, :mod:`nets.compiled`; with
``kernels="numba+mkl"`` the products h Wᵀ (with + b in the same call), δᵀh and δW also go to MKL,
:mod:`nets.mkl_products`);
∂J/∂h is the loss's gradient (the 1/m of the batch mean included). float64 by default,
float32 on request.

Speed, all in this one layout decision: every parameter lives in one flat array (``W[l]``
and ``b[l]`` are views into it) and every backward pass writes into one flat gradient work
array (``dW[l]``, ``db[l]`` views), so the trainer hands the optimizer one array pair and Adam
updates all parameters in ten numpy passes (:func:`nets.optim.adam_kernel`); the trainer's
entry :meth:`VectorMLP.train_gradients` skips the checks and copies the public methods make.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autonode.ops import Op
from nets import compiled, mkl_products
from nets.activations import check_activations, delta_step, layer_op, output_from_last
from nets.compiled import check_kernels
from nets.init import check_sizes, initialise
from nets.losses import Loss, get_loss
from nets.network_checks import check_batch, check_targets, check_weights
from nets.types import Array, Weights

DEFAULT_INIT = "he"


Layout = list[tuple[int, int, int, tuple[int, int]]]


def _layout(sizes: list[int]) -> Layout:
    """Where W[l] and b[l] sit in the flat parameter array: (W start, b start, b end, W shape) per layer."""
    layout, start = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layout.append((start, start + n_out * n_in, start + n_out * (n_in + 1), (n_out, n_in)))
        start += n_out * (n_in + 1)
    return layout


def _views(flat: Array, layout: Layout) -> tuple[list[Array], list[Array]]:
    """W[l] (sizes[l+1], sizes[l]) and b[l] (sizes[l+1],) as consecutive views of ``flat``."""
    return [flat[w:b].reshape(shape) for w, b, _, shape in layout], [flat[b:end] for _, b, end, _ in layout]


def _affine(h: Array, Wt: Array, b: Array) -> Array:
    """z = h Wᵀ + b: numpy's product, then the row b added in place."""
    z: Array = np.matmul(h, Wt)
    z += b
    return z


class VectorMLP:
    """A multilayer perceptron on numpy arrays: ``VectorMLP([64, 30, 10], ["sigmoid", "sigmoid"])``."""

    def __init__(
        self,
        sizes: Sequence[int],
        activations: str | Sequence[str] = "sigmoid",
        *,
        weights: Weights | None = None,
        init: str = DEFAULT_INIT,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
        kernels: str = "numpy",
    ) -> None:
        self.sizes: list[int] = check_sizes(sizes)
        self.activations: list[str] = check_activations(activations, len(self.sizes) - 1)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError(f"VectorMLP: dtype must be float64 or float32, got {self.dtype}")
        self._ops: list[Op] = [layer_op(a) for a in self.activations]
        self.kernels = kernels
        if weights is None:
            generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
            weights = initialise(init, self.sizes, generator)
        n_params = sum(n_out * (n_in + 1) for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True))
        self._flat: Array = np.zeros(n_params, dtype=self.dtype)
        self._bind_views()
        self.set_weights(weights)
        self.h: list[Array] = []  # h[0] = X, h[l] of the last forward pass

    def _bind_views(self) -> None:
        """W[l], b[l] as views of the flat parameters; the gradient work array and its views likewise."""
        self._layout = _layout(self.sizes)
        self.W, self.b = _views(self._flat, self._layout)
        self._grad: Array = np.empty_like(self._flat)
        self._dW, self._db = _views(self._grad, self._layout)

    @property
    def kernels(self) -> str:
        """The kernel set: "numpy" (the reference), "numba" (the backward δ steps compiled, :mod:`nets.compiled`)
        or "numba+mkl" (and the large matrix products by MKL, :mod:`nets.mkl_products`)."""
        return self._kernels

    @kernels.setter
    def kernels(self, name: str) -> None:
        compiled.require_kernels(check_kernels(name, "VectorMLP", "kernels"))
        if name == "numpy":
            self._delta_steps = [delta_step(a) for a in self.activations]
        else:
            self._delta_steps = [compiled.delta_step(a) for a in self.activations]
        mkl = name == "numba+mkl"
        self._matmul: Callable[..., Array] = mkl_products.matmul if mkl else np.matmul
        self._affine: Callable[[Array, Array, Array], Array] = mkl_products.affine if mkl else _affine
        self._kernels = name

    # --------------------------------------------------------- weights --
    def get_weights(self) -> Weights:
        """A copy of ``[(W[0], b[0]), ...]`` as float64."""
        return [(W.astype(np.float64), b.astype(np.float64)) for W, b in zip(self.W, self.b, strict=True)]

    def set_weights(self, weights: Weights) -> None:
        """Replace every W[l], b[l] (shapes and finiteness checked, values copied)."""
        check_weights(weights, self.sizes, "VectorMLP.set_weights")
        for k, (W, b) in enumerate(weights):
            self.W[k][...] = W
            self.b[k][...] = b

    def parameter_arrays(self) -> list[Array]:
        """The live arrays ``[W[0], b[0], W[1], b[1], ...]`` (views of the flat parameters)."""
        return [a for pair in zip(self.W, self.b, strict=True) for a in pair]

    def flat_parameters(self) -> Array:
        """Every parameter in one live array, in the order W[0], b[0], W[1], b[1], ..."""
        return self._flat

    # ------------------------------------------------------- forward --
    def forward(self, X: Any) -> Array:
        """The last layer's h for batch X (checked: shape, finiteness, dtype); keeps h[l] (h[0] = X) for backward."""
        return self._forward(check_batch(X, self.sizes[0], "VectorMLP.forward", self.dtype))

    def _forward(self, h: Array) -> Array:
        """z[l+1] = h[l] W[l]ᵀ + b[l];  h[l+1] = f(z[l+1]) — on a batch already checked."""
        self.h = [h]
        for W, b, op in zip(self.W, self.b, self._ops, strict=True):
            z = self._affine(h, W.T, b)
            h = op.forward(z)
            self.h.append(h)
        return h

    def predict_output(self, X: Array) -> Array:
        """The network's output for X: the last h, or softmax of the logits for a ``softmax`` output."""
        out: Array = output_from_last(self.activations[-1], self.forward(X))
        return out

    # ------------------------------------------------------ backward --
    def _backward(self, delta: Array) -> Array:
        """The seed's backward pass into the flat gradient work array; ``delta`` = ∂J/∂h[L] (overwritten).

        δ[L] = ∂J/∂h[L] ⊙ f'(z[L]);  ∂J/∂W[l] = δ[l+1]ᵀ h[l];  ∂J/∂b[l] = Σ_rows δ[l+1];
        δ[l] = (δ[l+1] W[l]) ⊙ f'(z[l]), each f' from the stored output h (see nets.activations).
        The δ step ``step[l](δ, h, db)`` scales δ by f' and sums its rows into ∂J/∂b.
        """
        if len(self.h) != len(self.W) + 1:
            raise RuntimeError("VectorMLP.backward: call forward first")
        dW, db, h, step, matmul = self._dW, self._db, self.h, self._delta_steps, self._matmul
        L = len(self.W)
        step[L - 1](delta, h[L], db[L - 1])  # δ[L], ∂J/∂b[L-1]
        for k in range(L - 1, -1, -1):  # k is the seed's l
            matmul(delta.T, h[k], out=dW[k])  # ∂J/∂W[k] = δ[k+1]ᵀ h[k]
            if k > 0:
                delta = matmul(delta, self.W[k])
                step[k - 1](delta, h[k], db[k - 1])  # δ[k] = (δ[k+1] W[k]) ⊙ f'(z[k]), ∂J/∂b[k-1]
        return self._grad

    def backward_flat(self, dJ_dh: Array) -> Array:
        """The gradient of every parameter as one fresh flat array (layout of :meth:`flat_parameters`)."""
        delta = np.array(dJ_dh, dtype=self.dtype)  # a copy: the caller's array is left alone
        if self.h and delta.shape != self.h[-1].shape:
            raise ValueError(f"VectorMLP.backward: ∂J/∂h must have shape {self.h[-1].shape}, got {delta.shape}")
        grad: Array = self._backward(delta).copy()
        return grad

    def backward(self, dJ_dh: Array) -> Weights:
        """Gradients ``[(∂J/∂W[l], ∂J/∂b[l]), ...]`` from ∂J/∂h[L] of the last forward pass."""
        dW, db = _views(self.backward_flat(dJ_dh), self._layout)
        return list(zip(dW, db, strict=True))

    def loss_and_flat_gradient(self, X: Array, Y: Array, loss: str | Loss) -> tuple[float, Array]:
        """Mean loss over the batch and its gradient as one fresh flat array (inputs checked)."""
        criterion = get_loss(loss)
        H = self.forward(X)
        T = check_targets(Y, H.shape[0], self.sizes[-1], "VectorMLP.loss_and_gradients", self.dtype)
        value, dJ_dh = criterion.batch_mean(H, T)
        return value, self._backward(dJ_dh).copy()

    def loss_and_gradients(self, X: Array, Y: Array, loss: str | Loss) -> tuple[float, Weights]:
        """Mean loss over the batch and its gradient in the weights format."""
        value, grad = self.loss_and_flat_gradient(X, Y, loss)
        dW, db = _views(grad, self._layout)
        return value, list(zip(dW, db, strict=True))

    # ------------------------------------ the trainer's contract (nets.engines.Trainable) --
    def train_arrays(self) -> list[Array]:
        """The one flat parameter array: the optimizer updates everything with a handful of numpy calls."""
        return [self._flat]

    def train_gradients(self, X: Array, Y: Array, loss: Loss) -> tuple[float, list[Array]]:
        """Mean loss and the flat gradient of a batch the trainer has checked and typed.

        No checks and no copies: the gradient is the engine's work array, overwritten by the next call.
        """
        value, dJ_dh = loss.batch_mean(self._forward(X), Y)
        return value, [self._backward(dJ_dh)]

    def train_arrays_changed(self) -> None:
        """Nothing to do: the arrays updated are the live parameters."""

    def train_outputs(self) -> Array:
        """The last layer's h of the last batch (kept from its forward pass, nothing recomputed)."""
        return self.h[-1]

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: the views into the flat arrays are rebuilt on loading (pickled, they would be copies)."""
        state = self.__dict__.copy()
        for key in ("_layout", "W", "b", "_grad", "_dW", "_db", "_delta_steps", "_matmul", "_affine"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._bind_views()
        # the same kernels where their libraries are installed, else the nearest set that is: the weights need none
        self.kernels = compiled.kernels_here(state.get("_kernels", "numpy"))

    def __repr__(self) -> str:
        return f"VectorMLP(sizes={self.sizes}, activations={self.activations}, dtype={self.dtype.name})"
