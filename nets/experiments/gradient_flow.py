"""Vanishing gradients, measured: a deep sigmoid net and a deep ReLU net trained side by side on digits.

The seed tutorial warns that with sigmoid units the gradient shrinks on its way
back through the layers (σ'(z) ≤ ¼ at every layer) and recommends ReLU.
:func:`gradient_flow` trains both nets with the same sizes, data, optimizer
and seed, with ``track_gradients=True``, and returns per layer and per epoch
the mean ‖∂J/∂W[l]‖ and the update/weight ratio ‖ΔW[l]‖/‖W[l]‖: in the
sigmoid net the first layers' norms are orders of magnitude below the last
one's; in the ReLU net they stay within a small factor. A few seconds.
"""

from __future__ import annotations

from typing import Any

from nets.datasets import load
from nets.engines import make_engine
from nets.optim import get_optimizer
from nets.train import accuracy, train

HIDDEN = (32, 32, 32, 32, 32)
"""Five hidden layers: deep enough for the sigmoid net's gradients to fade layer by layer."""


def gradient_flow(
    hidden: tuple[int, ...] = HIDDEN, epochs: int = 8, lr: float = 0.1, batch_size: int = 32, seed: int = 0
) -> dict[str, Any]:
    """Per-layer gradient norms of a sigmoid net and a ReLU net on digits (same sizes, SGD, data and seed).

    Returns ``{"sizes", "epochs", "lr", "runs": {"sigmoid": run, "relu": run}}``, each run with
    ``gradient_norms`` and ``update_ratios`` (one row per epoch, one column per layer l = 0 … L-1,
    layer 0 nearest the input), ``first_to_last`` (the last epoch's ‖∂J/∂W[0]‖ / ‖∂J/∂W[L-1]‖),
    ``loss`` per epoch and ``test_accuracy``.
    """
    data = load("digits", seed=seed)
    sizes = [data.n_features, *hidden, data.n_classes]
    runs = {}
    for activation, init in (("sigmoid", "xavier"), ("relu", "he")):
        activations = [activation] * len(hidden) + ["softmax"]
        net = make_engine("vector", sizes, activations, init=init, rng=seed)
        history = train(
            net, data.X_train, data.Y_train, loss="softmax_cross_entropy", optimizer=get_optimizer("sgd", lr=lr),
            epochs=epochs, batch_size=batch_size, rng=seed, track_gradients=True, track_accuracy=False,
            progress=False,
        )
        last = history.gradient_norms[-1]
        runs[activation] = {
            "init": init,
            "gradient_norms": history.gradient_norms,
            "update_ratios": history.update_ratios,
            "first_to_last": last[0] / last[-1],
            "loss": history.loss,
            "test_accuracy": accuracy(net.predict_output(data.X_test), data.Y_test),
            "seconds": history.seconds,
        }
    return {"sizes": sizes, "epochs": epochs, "lr": lr, "batch_size": batch_size, "runs": runs}
