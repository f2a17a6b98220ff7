"""Export to and import from torch.nn.Sequential: same outputs to 1e-12 in float64."""

from __future__ import annotations

import numpy as np
import pytest

from nets.torch_bridge import from_torch, network_from_torch, to_torch
from nets.vector import VectorMLP

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("activations", [["sigmoid", "sigmoid"], ["relu", "softmax"], ["tanh", "identity"]])
def test_export_and_import_agree(activations: list[str]) -> None:
    net = VectorMLP([6, 5, 4], activations, init="xavier", rng=1)
    X = np.random.default_rng(2).normal(size=(7, 6))
    model = to_torch(net)
    out = model(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(out, net.predict_output(X), rtol=1e-12, atol=1e-12)
    back = network_from_torch(model)
    assert back.activations == activations and back.sizes == [6, 5, 4]
    np.testing.assert_array_equal(back.predict_output(X), net.predict_output(X))


def test_import_a_model_built_in_torch() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    sizes, activations, _ = from_torch(model)
    assert sizes == [3, 4, 2] and activations == ["tanh", "identity"]
    X = np.random.default_rng(0).normal(size=(5, 3))
    net = network_from_torch(model)
    np.testing.assert_allclose(net.predict_output(X), model(torch.tensor(X)).detach().numpy(), rtol=1e-12)


def test_unsupported_modules_are_named() -> None:
    with pytest.raises(ValueError, match="unsupported module Dropout at position 1"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()))
    with pytest.raises(ValueError, match="Softmax at position 1 must be last"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(dim=-1), torch.nn.Linear(2, 2)))
    with pytest.raises(TypeError, match="Sequential"):
        from_torch(torch.nn.Linear(2, 2))
