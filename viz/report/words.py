"""How the report names a loss or an initialiser for a reader: the formula or the person first, the code name after.

The code names (``half_sse``, ``he``) are what a reader types; alone they mean little on a page
that teaches, so the page writes the loss's formula (from :data:`nets.losses.LOSSES`, its one
definition) and the initialiser's usual name beside them.
"""

from __future__ import annotations

from html import escape

from nets.losses import LOSSES

INITIALISERS = {"uniform": "uniform U[0, 1)", "he": "He (normal, √(2/n_in))",
                "xavier": "Xavier/Glorot (uniform)", "zeros": "zeros"}


def loss_html(name: str) -> str:
    """``½ Σₖ (yₖ - hₖ)² (<code>half_sse</code>)``: the formula, then the code name; unknown names as they are."""
    loss = LOSSES.get(name)
    return f"{escape(loss.formula)} (<code>{escape(name)}</code>)" if loss is not None else escape(name)


def init_html(name: str) -> str:
    """An initialiser's usual name, the code name in ``<code>``: ``He (normal, √(2/n_in)) (he)``."""
    words = INITIALISERS.get(name)
    return f"{escape(words)} (<code>{escape(name)}</code>)" if words and words != name else escape(name)


def recipe_html(description: str, loss: str, init: str) -> str:
    """A recipe's one-line description (``tutorial: hidden [30] sigmoid, …, half_sse, uniform init, …``) with its
    name prefix dropped (the table's first column says it) and the loss and initialiser written out."""
    text = description.split(": ", 1)[1] if ": " in description else description
    parts = [escape(part) for part in text.split(", ")]
    for i, part in enumerate(text.split(", ")):
        if part == loss:
            parts[i] = "loss " + loss_html(loss)
        elif part == f"{init} init":
            parts[i] = init_html(init) + " init"
    return ", ".join(parts)
