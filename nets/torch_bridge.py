"""The way out to PyTorch: export a network as ``torch.nn.Sequential`` and import one back.

A network becomes ``Linear, activation, Linear, activation, ...`` in float64
(``Linear.weight`` has the seed's W[l] orientation (out, in), so weights copy
straight across); a ``softmax`` output becomes ``Linear`` followed by
``Softmax(dim=-1)``, an ``identity`` activation adds no module. Importing reads
the same pattern back. torch is imported only when these functions run
(install the ``torch`` extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nets.engines import make_engine
from nets.types import Network, Weights

_MODULES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


def to_torch(net: Network, dtype: Any = None) -> Any:
    """An equivalent ``torch.nn.Sequential`` (float64 unless ``dtype`` says otherwise)."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    modules: list[Any] = []
    for (W, b), name in zip(net.get_weights(), net.activations, strict=True):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.as_tensor(W, dtype=dtype))
            linear.bias.copy_(torch.as_tensor(b, dtype=dtype))
        modules.append(linear)
        if name == "softmax":
            modules.append(torch.nn.Softmax(dim=-1))
        elif name != "identity":
            modules.append(getattr(torch.nn, _MODULES[name])())
    return torch.nn.Sequential(*modules)


def from_torch(model: Any) -> tuple[list[int], list[str], Weights]:
    """(sizes, activations, weights) read from a Sequential of Linear layers and supported activations."""
    import torch

    if not isinstance(model, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected torch.nn.Sequential, got {type(model).__name__}")
    names = {getattr(torch.nn, cls): act for act, cls in _MODULES.items()}
    weights: Weights = []
    activations: list[str] = []
    for index, module in enumerate(model):
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"from_torch: Linear at position {index} has no bias; autonode layers always have b")
            W = module.weight.detach().to(torch.float64).cpu().numpy().copy()
            b = module.bias.detach().to(torch.float64).cpu().numpy().copy()
            weights.append((W, b))
            activations.append("identity")
        elif type(module) in names or isinstance(module, (torch.nn.Softmax, torch.nn.Identity)):
            if not weights or activations[-1] != "identity":
                raise ValueError(f"from_torch: {type(module).__name__} at position {index} must follow a Linear layer")
            if isinstance(module, torch.nn.Softmax):
                if index != len(model) - 1 or module.dim not in (-1, 1):
                    raise ValueError(f"from_torch: Softmax at position {index} must be last, over dim -1")
                activations[-1] = "softmax"
            elif not isinstance(module, torch.nn.Identity):
                activations[-1] = names[type(module)]
        else:
            raise ValueError(
                f"from_torch: unsupported module {type(module).__name__} at position {index}; "
                "supported: Linear, Sigmoid, Tanh, ReLU, Identity, Softmax (last)"
            )
    if not weights:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    sizes = [int(weights[0][0].shape[1])] + [int(W.shape[0]) for W, _ in weights]
    for k in range(1, len(weights)):
        if weights[k][0].shape[1] != sizes[k]:
            n_in = weights[k][0].shape[1]
            raise ValueError(f"from_torch: Linear {k} takes {n_in} inputs, the layer before gives {sizes[k]}")
    return sizes, activations, weights


def network_from_torch(model: Any, engine: str = "vector") -> Network:
    """A network of engine ``engine`` with the Sequential's weights."""
    sizes, activations, weights = from_torch(model)
    return make_engine(engine, sizes, activations, [(np.asarray(W), np.asarray(b)) for W, b in weights])


def torch_loss(name: str, H: Any, Y: Any) -> Any:
    """The loss called ``name`` written with torch's own functions (an independent check of nets.losses)."""
    import torch
    import torch.nn.functional as F

    m = H.shape[0]
    if name == "half_sse":
        return 0.5 * ((H - Y) ** 2).sum() / m
    if name == "sse":
        return ((H - Y) ** 2).sum() / m
    if name == "mse":
        return F.mse_loss(H, Y)
    if name == "softmax_cross_entropy":
        return F.cross_entropy(H, Y)
    if name == "binary_cross_entropy":
        return F.binary_cross_entropy(H, Y, reduction="sum") / m
    if name == "hinge":
        return torch.relu(1.0 - Y * H).sum() / m
    raise ValueError(f"torch_loss: unknown loss {name!r}")
