"""``--full`` only: both digits recipes trained with the per-node engine beside the vectorised one.

From the same initial weights and the same minibatch order, the per-node engine (every
neuron a fused ``dot`` Value, backpropagated node by node) and the vectorised engine
should end with the same weights up to rounding; the table shows that, the test
accuracy each reaches and what each costs per epoch.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from viz.report.context import Context
from viz.report.page import table

SCALAR_EPOCHS = {"tutorial": 10, "modern": 2}
ENGINES = ("scalar-fused", "vector")


def _max_gap(a: Any, b: Any) -> float:
    return max(float(np.max(np.abs(x - y))) for (Wa, ba), (Wb, bb) in zip(a, b) for x, y in ((Wa, Wb), (ba, bb)))


def scalar_training(ctx: Context, data: Any) -> str:
    """A table: recipe × engine → epochs, final loss, test accuracy, seconds per epoch; max |Δ| of the weights."""
    from nets.engines import make_engine
    from nets.optim import get_optimizer
    from nets.recipes import get_recipe
    from nets.train import accuracy, train

    rows = []
    gaps = []
    for name, epochs in SCALAR_EPOCHS.items():
        recipe = get_recipe(name)
        sizes = recipe.sizes(data.n_features, data.n_classes)
        start = make_engine("vector", sizes, recipe.activations, init=recipe.init, rng=ctx.options.seed).get_weights()
        final = {}
        for engine in ENGINES:
            net = make_engine(engine, sizes, recipe.activations, weights=start)
            history = train(net, data.X_train, data.Y_train, loss=recipe.loss,
                            optimizer=get_optimizer(recipe.optimizer, **recipe.optimizer_options), epochs=epochs,
                            batch_size=recipe.batch_size, rng=ctx.options.seed, track_accuracy=False,
                            progress=None, desc=f"digits {name} {engine}")
            final[engine] = net.get_weights()
            test = accuracy(net.predict_output(data.X_test), data.Y_test)
            rows.append([escape(name), escape(engine), str(epochs), f"{history.loss[-1]:.10g}",
                         f"{100 * test:.2f}%", f"{history.seconds / epochs:.4g}"])
        gap = _max_gap(final[ENGINES[0]], final[ENGINES[1]])
        gaps.append(gap)
        rows.append([escape(name), "max |Δ| of the weights", "", f'<span data-value="{gap!r}">{gap:.2e}</span>', "",
                     ""])
    ctx.facts["per-node training"] = f"weights match the vectorised engine's to {max(gaps):.1e}"
    return ("<h3>Training with the per-node engine (--full)</h3>"
            "<p class=\"intro\">Both recipes again, for a few epochs, with the per-node engine (each neuron's Σwx one "
            "dot node, the whole network a Value graph per sample) and with the vectorised engine, from the same "
            "weights and the same minibatch order. The weights they end with agree to rounding error.</p>"
            + table(["recipe", "engine", "epochs", "final training loss", "test accuracy", "seconds per epoch"], rows,
                    numeric=[False, False, True, True, True, True], element_id="scalar-training"))
