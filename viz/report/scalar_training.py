"""``--full`` only: both digits recipes trained with the per-node engine beside the vectorised one.

From the same initial weights and the same minibatch order, the per-node engine (every
neuron a fused ``dot`` Value, backpropagated node by node) and the vectorised engine
should end with the same weights up to rounding; the table shows that, the test
accuracy each reaches and what each costs per epoch. The runs are
:func:`nets.experiments.digits.per_node_vs_vector`.
"""

from __future__ import annotations

from html import escape

from nets.datasets import Dataset
from nets.experiments.digits import PER_NODE_EPOCHS, per_node_vs_vector
from viz.report.context import Context
from viz.report.numbers import sig
from viz.report.page import table

SCALAR_EPOCHS = dict(PER_NODE_EPOCHS)


def scalar_training(ctx: Context, data: Dataset) -> str:
    """A table: recipe × engine → epochs, final loss, test accuracy, seconds per epoch; max |Δ| of the weights."""
    runs, gaps = per_node_vs_vector(data, seed=ctx.options.seed, epochs=SCALAR_EPOCHS)
    rows = []
    for name in SCALAR_EPOCHS:
        for run in (r for r in runs if r.recipe == name):
            rows.append([escape(name), escape(run.engine), str(run.epochs), sig(run.final_loss),
                         f"{100 * run.test_accuracy:.2f}%", f"{run.seconds_per_epoch:.4g}"])
        gap = gaps[name]
        rows.append([escape(name), "max |Δ| of the weights", "", f'<span data-value="{gap!r}">{gap:.2e}</span>', "",
                     ""])
    ctx.facts["per-node training"] = f"weights match the vectorised engine's to {max(gaps.values()):.1e}"
    return ("<h3>Training with the per-node engine (--full)</h3>"
            "<p class=\"intro\">Both recipes again, for a few epochs, with the per-node engine (each neuron's Σwx one "
            "dot node, the whole network a Value graph per sample) and with the vectorised engine, from the same "
            "weights and the same minibatch order. The weights they end with agree to rounding error.</p>"
            + table(["recipe", "engine", "epochs", "final training loss", "test accuracy", "seconds per epoch"], rows,
                    numeric=[False, False, True, True, True, True], element_id="scalar-training"))
