"""Section 3: the trained digits network drawn as in the seed figures — weights, then one sample's gradients.

The model is the tutorial recipe's 64-30-10 sigmoid network from the digits section (trained
once per report). Drawing all 2,260 connections gives a solid mass of lines, so each
diagram keeps the ``EDGES_SHOWN`` largest in magnitude; the table gives every layer's
figures in full. Without a renderer the section keeps its text, the sample's loss and
the table, and is reported as degraded.
"""

from __future__ import annotations

from html import escape

import numpy as np

from nets.experiments.digits import network_sample
from viz.network import draw_network
from viz.report.context import Context
from viz.report.digits import digits_data, trained
from viz.report.page import DegradedSection, figure, missing_figure, table
from viz.report.words import loss_html

EDGES_SHOWN = 300
SAMPLE = 0  # the first test image


def keep_largest(layers: list[tuple[np.ndarray, np.ndarray]], count: int) -> float:
    """The threshold t such that about ``count`` of all |W| and |b| entries exceed it."""
    values = np.sort(np.concatenate([np.abs(np.concatenate([W.ravel(), b.ravel()])) for W, b in layers]))[::-1]
    if values.size <= count:
        return 0.0
    return float(values[count])


def _layer_table(weights: list[tuple[np.ndarray, np.ndarray]], grads: list[tuple[np.ndarray, np.ndarray]]) -> str:
    rows = []
    for layer, ((W, b), (gW, gb)) in enumerate(zip(weights, grads)):
        figures = [np.mean(np.abs(W)), np.max(np.abs(W)), np.max(np.abs(gW)), np.max(np.abs(gb))]
        rows.append([f"W[{layer}], b[{layer}]", f"{W.shape[0]}×{W.shape[1]} + {b.shape[0]}",
                     *(f"{float(x):.4g}" for x in figures)])
    return table(["layer", "shape", "mean |W|", "max |W|", "max |∂J/∂W| (one sample)", "max |∂J/∂b|"], rows,
                 numeric=[False, False, True, True, True, True], element_id="network-layers")


def build(ctx: Context) -> str:
    """Two diagrams of the trained tutorial-recipe model and a per-layer table.

    Without a renderer: the text, the sample's loss and the table, with the renderer's install
    hint in place of the diagrams (reported as degraded).
    """
    run = trained(ctx, "tutorial")
    data = digits_data(ctx)
    net, recipe = run.net, run.recipe
    sample = network_sample(run, data, SAMPLE)
    loss, grads, activations = sample["loss"], sample["grads"], sample["activations"]
    weights, predicted = sample["weights"], sample["predicted"]
    w_threshold = keep_largest(weights, EDGES_SHOWN)
    g_threshold = keep_largest(grads, EDGES_SHOWN)
    sizes = "-".join(str(n) for n in net.sizes)
    digit = sample["digit"]
    weights_title = f"{sizes} trained weights (the {EDGES_SHOWN} largest |W|); neuron values for a test {digit}"
    drawings = [ctx.draw(draw_network(weights, activations, activation_names=net.activations,
                                      edge_threshold=w_threshold, title=weights_title), "network-weights.svg")]
    grads_title = f"∂J/∂W for that one digit (the {EDGES_SHOWN} largest |∂J/∂W|)"
    drawings.append(ctx.draw(draw_network(weights, activations, grads, activation_names=net.activations,
                                          edge_threshold=g_threshold, title=grads_title), "network-gradients.svg"))
    missing = [d for d in drawings if not d.svg]
    ctx.facts["network"] = f"{sizes} {'diagram' if not missing else 'network (not drawn)'}, sample loss {loss:.3g}"
    shown_loss = f'<span id="network-sample-loss" data-value="{float(loss)!r}">{loss:.4g}</span>'
    if not missing:
        parts = [
            "<p class=\"intro\">The digits network trained with the tutorial's recipe in "
            "<a href=\"#digits\">Digits</a> "
            f"({escape(sizes)}, {escape(', '.join(net.activations))}), drawn like the tutorial's figures: inputs on "
            "the left, one column per layer (a layer of more than 16 neurons folded into columns of at most 16), "
            "a +1 bias node feeding each layer. Edge colour shows the sign of the "
            "weight (blue +, red −), its width the size. Each neuron shows its value for one test image "
            f"(a {digit}, predicted {predicted}). Only the {EDGES_SHOWN} strongest connections of "
            f"each diagram are drawn (|W| &gt; {w_threshold:.3g}; |∂J/∂W| &gt; {g_threshold:.3g}).</p>",
            f"<p>First: the trained weights. Second: the same network after one backward pass on that single image "
            f"(loss {shown_loss}, {loss_html(recipe.loss)}): edges show ∂J/∂W (green +, purple −), the direction "
            "gradient descent pushes each weight against. Zoom into a drawing to read its labels; hover an edge for "
            "its exact value.</p>",
        ]
    else:
        parts = [
            "<p class=\"intro\">The digits network trained with the tutorial's recipe in "
            "<a href=\"#digits\">Digits</a> "
            f"({escape(sizes)}, {escape(', '.join(net.activations))}). One test image (a {digit}) goes forward "
            f"through it (predicted <span id=\"network-predicted\">{predicted}</span>) and back: its loss is "
            f"{shown_loss}, {loss_html(recipe.loss)}. The table gives each layer's weights and the gradients of "
            "that one backward pass.</p>",
        ]
    drawn = [figure(d.svg, d.name, element_id=d.name[:-4]) for d in drawings if d.svg]
    if drawn:
        parts += ['<div class="row">', *drawn, "</div>"]
    problem = "\n".join(dict.fromkeys(d.problem for d in missing))
    if missing:
        parts.append(missing_figure([d.name for d in missing], problem, element_id="network-missing"))
    parts.append(_layer_table(weights, grads))
    body = "\n".join(parts)
    if missing:
        raise DegradedSection(body, problem)
    return body
