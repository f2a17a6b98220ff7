"""The per-node network: ``Neuron``, ``Layer`` and ``MLP`` built from :class:`autonode.Value`.

Every weight is a leaf ``Value`` and every forward pass records a graph, so a
reader can follow (and draw) each product, sum and activation. The classes use
micrograd's names (``MLP(nin, nouts)``, ``model(x)``, ``.parameters()``,
``.zero_grad()``, ``.layers``, ``.neurons``, ``.w``, ``.b``) and fix its
one-neuron-layer bug (``MLP(2, [16, 1, 1])`` works). The seed's notation::

    z[l+1]_i = Σ_j W[l]_ij · h[l]_j + b[l]_i ;   h[l+1]_i = f(z[l+1]_i)   (h[0] = x)

and the nodes carry those labels: ``W[0][i,j]``, ``b[0][i]``, ``z[1][i]``, ``h[1][i]``, ...

A neuron's weighted input is either one fused ``dot`` node (fast) or built node
by node, one ``*`` per weight and a chain of ``+`` (every product visible); both
give identical numbers. :class:`MLP` also implements :class:`nets.types.Network`
(weights exchanged as ``[(W[0], b[0]), ...]`` with ``W[l].shape == (sizes[l+1], sizes[l])``);
``model.W[l]`` and ``model.b[l]`` read and write one layer in that format.
:func:`step_values` lets a :mod:`nets.optim` optimizer (SGD, momentum, Adam) update Value parameters.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autonode import Value, dot, gc_paused, logsumexp, no_grad, vsum
from autonode.ops import Op
from nets.activations import SOFTMAX, check_activations, layer_op
from nets.init import check_sizes, initialise
from nets.losses import Loss, get_loss
from nets.network_checks import check_batch, check_targets, check_weights
from nets.optim import Optimizer
from nets.types import Array, Weights

DEFAULT_INIT = "he"


def _as_inputs(x: Any, expected: int, who: str) -> list[Value]:
    """``x`` as a list of ``expected`` Values (numbers are wrapped), or ValueError naming lengths."""
    if isinstance(x, (Value, int, float, np.floating)):
        items: list[Any] = [x]
    else:
        try:
            items = list(x)
        except TypeError:
            raise TypeError(f"{who}: input must be a sequence of numbers or Values, got {type(x).__name__}") from None
    if len(items) != expected:
        raise ValueError(f"{who}: expected an input of length {expected}, got {len(items)}")
    return [v if isinstance(v, Value) else Value(float(v)) for v in items]


class Module:
    """micrograd's base: ``parameters()`` and ``zero_grad()``."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (gradients accumulate in leaves until zeroed)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One unit: h = f(Σᵢ wᵢxᵢ + b). ``nonlin`` is micrograd's switch (relu or identity)."""

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        w: Sequence[float] | None = None,
        b: float = 0.0,
        fused: bool = True,
        rng: np.random.Generator | None = None,
        name: str = "",
    ) -> None:
        if int(nin) != nin or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive integer, got {nin!r}")
        self.activation = activation if activation is not None else ("relu" if nonlin else "identity")
        self._op: Op = layer_op(self.activation)
        if w is None:
            w = list(_generator(None, rng).uniform(-1.0, 1.0, size=int(nin)))  # micrograd's default
        if len(w) != nin:
            raise ValueError(f"Neuron: expected {nin} weights, got {len(w)}")
        self.name = name
        self.w = [Value(float(wi), label=f"w{i}") for i, wi in enumerate(w)]
        self.b = Value(float(b), label="b")
        self.fused = fused
        self.z_label = ""  # labels given to this neuron's z and h nodes (the MLP sets "z[l+1][i]", "h[l+1][i]")
        self.h_label = ""

    @property
    def nonlin(self) -> bool:
        return self.activation != "identity"

    def weighted_input(self, x: Any) -> Value:
        """z = Σᵢ wᵢxᵢ + b: one ``dot`` node (fused) or one ``*`` per weight then ``+`` (node by node)."""
        return self._weighted_input(_as_inputs(x, len(self.w), f"Neuron ({self.name})" if self.name else "Neuron"))

    def _weighted_input(self, xs: list[Value]) -> Value:
        if self.fused:
            z = dot(self.w, xs) + self.b
        else:
            total = self.w[0] * xs[0]
            for wi, xi in zip(self.w[1:], xs[1:], strict=True):
                total = total + wi * xi
            z = total + self.b
        z.label = self.z_label
        return z

    def __call__(self, x: Any) -> Value:
        return self._activate(self.weighted_input(x))

    def _activate(self, z: Value) -> Value:
        """h = f(z) with the table's op (no extra node for identity: h is z)."""
        if self._op.name == "identity":
            return z
        h = Value.apply(self._op, z)
        h.label = self.h_label
        return h

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "identity": "Linear"}.get(self.activation, self.activation.capitalize())
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """A row of neurons reading the same inputs. ``layer(x)`` returns one Value if it has one neuron (micrograd)."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        if int(nout) != nout or nout < 1:
            raise ValueError(f"Layer: nout must be a positive integer, got {nout!r}")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    @classmethod
    def of(cls, neurons: list[Neuron]) -> Layer:
        """A layer made of ready neurons (all reading the same number of inputs)."""
        layer = cls.__new__(cls)
        layer.neurons = neurons
        return layer

    def forward(self, x: Any) -> list[Value]:
        """The layer's outputs h as a list, always (even for one neuron)."""
        return self._forward(_as_inputs(x, len(self.neurons[0].w), "Layer"))

    def _forward(self, xs: list[Value]) -> list[Value]:
        return [n._activate(n._weighted_input(xs)) for n in self.neurons]

    def __call__(self, x: Any) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class LayerArrays:
    """``model.W`` or ``model.b``: one numpy array per layer, read from and written to the parameter Values.

    ``model.W[l]`` is a fresh, read-only array of shape (sizes[l+1], sizes[l]) (``b[l]``: (sizes[l+1],));
    ``model.W[l] = array`` copies ``array`` into the existing Values (shape and finiteness checked).
    Arrays are read-only so that ``model.W[0][i, j] = v`` fails loudly instead of changing a copy.
    """

    def __init__(self, model: MLP, part: str) -> None:
        self._model = model
        self._part = part  # "W" or "b"

    def _rows(self, layer: int) -> list[list[Value]]:
        """Layer ``layer``'s parameter Values as rows: W[l]'s rows, or b[l] as one row."""
        neurons = self._model.layers[self._check_layer(layer)].neurons
        return [n.w for n in neurons] if self._part == "W" else [[n.b for n in neurons]]

    def _check_layer(self, layer: Any) -> int:
        n_layers = len(self._model.layers)
        if not isinstance(layer, (int, np.integer)) or isinstance(layer, bool):
            raise TypeError(f"{self._part}[l]: the layer index l must be an integer, got {layer!r}")
        if not -n_layers <= layer < n_layers:
            raise IndexError(f"{self._part}[{layer}]: the network has {n_layers} weight layers (0..{n_layers - 1})")
        return int(layer) % n_layers

    def shape(self, layer: int) -> tuple[int, ...]:
        """The shape of ``W[layer]`` or ``b[layer]`` in the seed's orientation."""
        k = self._check_layer(layer)
        sizes = self._model.sizes
        return (sizes[k + 1], sizes[k]) if self._part == "W" else (sizes[k + 1],)

    def __getitem__(self, layer: int) -> Array:
        array = np.array([[v.data for v in row] for row in self._rows(layer)], dtype=np.float64)
        array = array.reshape(self.shape(layer))
        array.flags.writeable = False
        return array

    def __setitem__(self, layer: int, values: Any) -> None:
        k = self._check_layer(layer)
        who = f"MLP{self._model.sizes}.{self._part}[{k}]"
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{who}: expected an array of numbers, got {type(values).__name__}") from None
        if array.shape != self.shape(k):
            raise ValueError(f"{who}: expected shape {self.shape(k)}, got {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{who}: contains NaN or infinity")
        rows = array if self._part == "W" else array[None, :]
        for nodes, row in zip(self._rows(k), rows.tolist(), strict=True):
            for node, value in zip(nodes, row, strict=True):
                node.data = value

    def __len__(self) -> int:
        return len(self._model.layers)

    def __iter__(self) -> Iterator[Array]:
        return (self[k] for k in range(len(self)))

    def __repr__(self) -> str:
        return f"<{self._part}[0..{len(self) - 1}] of MLP{self._model.sizes}>"


def step_values(optimizer: Optimizer, params: Sequence[Value]) -> None:
    """One update of Value parameters from their ``.grad`` by a :mod:`nets.optim` optimizer.

    The parameters' data and grads are gathered into one array each, the
    optimizer updates the data (SGD W ← W - α·∂J/∂W; momentum V ← μV - α·∂J/∂W,
    W ← W + V; Adam) and the results are written back. Pass the same list
    (e.g. ``model.parameters()``) every step: momentum and Adam keep their state by position.
    """
    values = list(params)
    if not values:
        raise ValueError("step_values: params is empty; expected the Values to update (e.g. model.parameters())")
    for i, p in enumerate(values):
        if not isinstance(p, Value):
            raise TypeError(f"step_values: params[{i}] must be a Value, got {type(p).__name__}")
        if not math.isfinite(p.grad):
            raise ValueError(f"step_values: params[{i}] ({p.label or 'unlabelled'}) has gradient {p.grad}")
    data = np.array([p.data for p in values], dtype=np.float64)
    grad = np.array([p.grad for p in values], dtype=np.float64)
    optimizer.step([data], [grad])
    for p, new in zip(values, data.tolist(), strict=True):
        p.data = new


def _checked_weights(weights: Weights, sizes: list[int], who: str) -> Weights:
    """``weights`` as float64 arrays after :func:`nets.network_checks.check_weights` (shapes, finiteness)."""
    check_weights(weights, sizes, who)
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in weights]


def _generator(seed: int | None, rng: np.random.Generator | None) -> np.random.Generator:
    """``rng``, else a generator from ``seed``, else one seeded from Python's ``random`` (so ``random.seed`` works)."""
    if rng is not None:
        return rng
    if seed is not None:
        return np.random.default_rng(seed)
    return np.random.default_rng(random.getrandbits(64))


def softmax_values(z: Sequence[Value]) -> list[Value]:
    """pₖ = exp(zₖ - logsumexp(z)) as Values: the stable softmax of logits."""
    lse = logsumexp(z)
    return [(zk - lse).exp() for zk in z]


class MLP(Module):
    """A multilayer perceptron of per-node neurons: ``MLP(nin, nouts)``.

    ``activations``: one name per layer (or one for all) from sigmoid, tanh, relu,
    identity, and ``softmax`` on the last layer only (identity logits; the
    output ``predict_output``/``probabilities`` is their stable softmax).
    Default: relu hidden layers, identity output (micrograd).
    ``init``: an initialiser name from :mod:`nets.init` (default ``he``), or
    explicit ``weights`` in the shared format. ``seed``/``rng``: the random state (neither: drawn
    from Python's ``random``, so ``random.seed(1337)`` makes a micrograd script repeatable).
    ``fused``: each neuron's Σwx as one ``dot`` node (True) or node by node (False).
    ``W[l]``, ``b[l]``: layer l's weights (sizes[l+1] × sizes[l]) and biases as numpy arrays,
    read with ``model.W[l]`` and written with ``model.W[l] = array`` (see :class:`LayerArrays`).
    """

    dtype = np.dtype(np.float64)

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activations: str | Sequence[str] | None = None,
        init: str = DEFAULT_INIT,
        weights: Weights | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        fused: bool = True,
    ) -> None:
        self.sizes: list[int] = check_sizes([nin, *nouts])
        n_layers = len(self.sizes) - 1
        if activations is None:
            activations = ["relu"] * (n_layers - 1) + ["identity"]
        self.activations: list[str] = check_activations(activations, n_layers)
        if weights is None:
            weights = initialise(init, self.sizes, _generator(seed, rng))
        checked = _checked_weights(weights, self.sizes, f"MLP{self.sizes}")
        self.fused = fused
        self.layers: list[Layer] = []
        for k, (W, b) in enumerate(checked):
            layer = Layer.of([
                Neuron(
                    self.sizes[k], activation=self.activations[k], w=list(W[i]), b=float(b[i]),
                    fused=fused, name=f"layer {k} neuron {i}",
                )
                for i in range(self.sizes[k + 1])
            ])
            for i, neuron in enumerate(layer.neurons):
                for j, wij in enumerate(neuron.w):
                    wij.label = f"W[{k}][{i},{j}]"
                neuron.b.label = f"b[{k}][{i}]"
                neuron.z_label, neuron.h_label = f"z[{k + 1}][{i}]", f"h[{k + 1}][{i}]"
            self.layers.append(layer)
        self.W = LayerArrays(self, "W")
        self.b = LayerArrays(self, "b")

    # ---------------------------------------------------------- micrograd API --
    def forward(self, x: Any) -> list[Value]:
        """The last layer's h as a list (logits when the output is softmax)."""
        h = _as_inputs(x, self.sizes[0], f"MLP{self.sizes}")
        with gc_paused():  # the graph is acyclic: collection passes while building it are pure overhead
            for layer in self.layers:
                h = layer._forward(h)
        return h

    def __call__(self, x: Any) -> Value | list[Value]:
        """micrograd's call: a list of Values, or one Value when the last layer has one neuron."""
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def probabilities(self, x: Any) -> list[Value]:
        """The network's output as Values: softmax of the logits for a softmax output, else h itself."""
        h = self.forward(x)
        return softmax_values(h) if self.activations[-1] == SOFTMAX else h

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP{self.sizes}({', '.join(self.activations)}, {'fused' if self.fused else 'node by node'})"

    # ------------------------------------------------------ Network protocol --
    def _pairs(self) -> Iterator[tuple[list[list[Value]], list[Value]]]:
        for layer in self.layers:
            yield [n.w for n in layer.neurons], [n.b for n in layer.neurons]

    def get_weights(self) -> Weights:
        """A copy of the parameters as ``[(W[0], b[0]), ...]``."""
        return [
            (np.array([[v.data for v in row] for row in W]), np.array([v.data for v in b]))
            for W, b in self._pairs()
        ]

    def set_weights(self, weights: Weights) -> None:
        """Copy ``weights`` into the existing parameter Values (shapes checked; Value objects kept)."""
        checked = _checked_weights(weights, self.sizes, f"MLP{self.sizes}.set_weights")
        for (W, b), (W_nodes, b_nodes) in zip(checked, self._pairs(), strict=True):
            for i, row in enumerate(W_nodes):
                for j, node in enumerate(row):
                    node.data = float(W[i, j])
                b_nodes[i].data = float(b[i])

    def gradients(self) -> Weights:
        """The parameters' current ``.grad`` in the weights format."""
        return [
            (np.array([[v.grad for v in row] for row in W]), np.array([v.grad for v in b]))
            for W, b in self._pairs()
        ]

    def predict_output(self, X: Array) -> Array:
        """Output for every row of X, shape (m, sizes[-1]); probabilities for a softmax output. No graph kept."""
        rows = check_batch(X, self.sizes[0], f"MLP{self.sizes}.predict_output")
        with no_grad():
            out = [[v.data for v in self.probabilities(list(row))] for row in rows]
        return np.array(out, dtype=np.float64).reshape(len(rows), self.sizes[-1])

    def loss_graph(self, X: Array, Y: Array, loss: str | Loss) -> Value:
        """J = (1/m) Σᵣ ℓ(h(xᵣ), yᵣ) as one Value graph; the loss sees the last layer's h (logits for softmax)."""
        rule = get_loss(loss)
        who = f"MLP{self.sizes}.loss_and_gradients"
        rows = check_batch(X, self.sizes[0], who)
        targets = check_targets(Y, len(rows), self.sizes[-1], who)
        with gc_paused():
            outputs = [self.forward(list(x)) for x in rows]
            terms = [rule.on_values(h, list(y)) for h, y in zip(outputs, targets, strict=True)]
        self._last_outputs = [[v.data for v in h] for h in outputs]  # the numbers only (see train_outputs)
        return vsum(terms) * (1.0 / len(terms)) if len(terms) > 1 else terms[0]

    def loss_and_gradients(self, X: Array, Y: Array, loss: str | Loss) -> tuple[float, Weights]:
        """Mean loss over the rows and ∂J/∂W[l], ∂J/∂b[l] read from the parameters' grads after backward()."""
        J = self.loss_graph(X, Y, loss)
        self.zero_grad()
        J.backward()
        return J.data, self.gradients()

    # ------------------------------------ the trainer's contract (nets.engines.Trainable) --
    def _in_weights_order(self) -> list[Value]:
        """Every parameter Value in the order W[0] (row by row), b[0], W[1], b[1], ..."""
        return [v for W, b in self._pairs() for v in [*(w for row in W for w in row), *b]]

    def train_arrays(self) -> list[Array]:
        """One flat array holding a copy of every parameter's data (W[0], b[0], ... order).

        The optimizer updates this array; :meth:`train_arrays_changed` writes it back into the Values.
        """
        self._train_values = self._in_weights_order()
        self._train_flat: Array = np.array([v.data for v in self._train_values], dtype=np.float64)
        return [self._train_flat]

    def train_gradients(self, X: Array, Y: Array, loss: Loss) -> tuple[float, list[Array]]:
        """Mean loss and every parameter's grad after backward(), flat in the order of :meth:`train_arrays`."""
        J = self.loss_graph(X, Y, loss)
        self.zero_grad()
        J.backward()
        return J.data, [np.array([v.grad for v in self._train_values], dtype=np.float64)]

    def train_outputs(self) -> Array:
        """The last layer's h for each row of the last batch (kept by :meth:`loss_graph`)."""
        return np.array(self._last_outputs, dtype=np.float64)

    def train_arrays_changed(self) -> None:
        """Copy the updated flat array back into the parameter Values."""
        for v, new in zip(self._train_values, self._train_flat.tolist(), strict=True):
            v.data = new
