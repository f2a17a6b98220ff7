"""Section 1: the seeds' worked numbers, each beside the engine's value, with agreement marks.

Rows and notes come from :mod:`nets.walkthrough` (one section per seed tutorial).
"""

from __future__ import annotations

from html import escape
from typing import Any

from nets.walkthrough import run
from viz.report.context import Context
from viz.report.numbers import shorten_text, sig
from viz.report.page import PartialSection, table

SOURCE_NOTES = {
    "seed": "printed in the seed; agreement at its printed precision",
    "formula": "the seed's formula evaluated in floats; agreement to 1e-9 relative",
    "check": "a yes/no fact shown by the engine",
    "variant": "the seed's recipe worked with the weight before its update (a variant the seed does not print)",
}

INTRO = (
    "<p class=\"intro\">Three tutorials (the seeds, named at the top of the page) work through backpropagation by "
    "hand. Here every number they print is recomputed by the engine: the seed's value on the left, the engine's on "
    "the right, and a mark saying whether they agree at the precision the seed printed. Where a tutorial takes a "
    "shortcut that true backpropagation does not, the notes under the table say so and show both numbers.</p>"
)


def _cells(row: Any) -> tuple[str, str]:
    """The source's and the engine's value as shown in the table (HTML: at most 7 significant digits, the full
    value in a tooltip)."""
    if row.source == "formula":
        return sig(row.expected_value), sig(row.engine)
    return shorten_text(row.expected_text()), shorten_text(row.engine_text())


def section_table(section: Any) -> str:
    """One seed's rows: mark, description, seed value, engine value, kind of source."""
    rows, classes = [], []
    for row in section.rows:
        expected, engine = _cells(row)
        mark = '<span class="ok" title="agrees">✓</span>' if row.agrees else '<span class="no" title="differs">✗</span>'
        rows.append([mark, escape(row.description), expected, engine, escape(row.source)])
        classes.append("" if row.agrees else "bad")
    return table(["", "worked number", "seed / formula", "engine", "source"], rows,
                 numeric=[False, False, True, True, False], row_classes=classes,
                 element_id=f"walkthrough-{section.key}")


def _notes(section: Any) -> str:
    items = []
    for note in section.notes:
        important = "updated weight" in note or "update" in note
        cls = ' class="note"' if important else ""
        items.append(f"<li{cls}>{escape(note)}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else ""


def build(ctx: Context) -> str:
    """The walkthrough tables for every seed tutorial; raises if any row disagrees (after drawing them)."""
    sections = run(None, seed=ctx.options.seed)
    parts = [INTRO]
    total = agree = 0
    for section in sections:
        ok = sum(1 for r in section.rows if r.agrees)
        total += len(section.rows)
        agree += ok
        parts.append(f'<h3 id="walkthrough-{escape(section.key)}-title">{escape(section.title)}</h3>')
        parts.append(f"<p>{ok} of {len(section.rows)} numbers agree.</p>")
        parts.append(section_table(section))
        parts.append(_notes(section))
    used = sorted({r.source for s in sections for r in s.rows})
    parts.append("<p><small>Sources: " + "; ".join(
        f"<b>{escape(k)}</b>: {escape(SOURCE_NOTES.get(k, k))}" for k in used) + ".</small></p>")
    ctx.facts["walkthrough"] = f"{agree}/{total} seed numbers agree"
    parts.insert(1, f'<p id="walkthrough-summary"><b>{agree} of {total}</b> worked numbers agree.</p>')
    if agree != total:
        raise PartialSection("\n".join(parts), f"{total - agree} of {total} worked numbers disagree with the seeds")
    return "\n".join(parts)
