"""Assemble the report page: one HTML file with inline CSS, SVG and plain JavaScript (no network).

:func:`render_page` takes the finished sections (each an HTML fragment or an
error message) and returns the whole document, with ``static/report.css`` and
``static/report.js`` (package data) inlined. :func:`inline_svg` turns a
Graphviz SVG file into markup that can sit inside HTML (no XML prolog or
DOCTYPE, element ids prefixed so several drawings can share one page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from itertools import count

_FIGURES = count(1)
STATIC = resources.files("viz.report") / "static"


def static_text(name: str) -> str:
    """A file of ``viz/report/static`` (package data), to be inlined into the page."""
    return (STATIC / name).read_text(encoding="utf-8")


_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", re.IGNORECASE)
_ID = re.compile(r'(\s)id="([^"]*)"')
_URL_REF = re.compile(r"url\(#([^)]*)\)")


@dataclass
class SectionOutput:
    """One finished section: its anchor, heading, HTML body (or the error that replaced it), time taken.

    ``degraded``: the body is complete except for what ``error`` names (a drawing without a
    renderer), and already says so in place of the missing part.
    """

    key: str
    title: str
    body: str
    error: str | None = None
    seconds: float = 0.0
    degraded: bool = False

    @property
    def status(self) -> str:
        """``"ok"``, ``"degraded"`` (shown without some part) or ``"failed"``."""
        if not self.error:
            return "ok"
        return "degraded" if self.degraded else "failed"


class PartialSection(RuntimeError):
    """A section drew something but failed a check: ``body`` is shown above the error message."""

    def __init__(self, body: str, message: str) -> None:
        super().__init__(message)
        self.body = body


class DegradedSection(PartialSection):
    """A section built everything but its drawings; ``body`` already shows ``message`` where they would be."""


def inline_svg(svg: str | bytes, prefix: str) -> str:
    """SVG file text as inline markup: prolog/DOCTYPE removed, every id prefixed with ``prefix-``."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = _PROLOG.sub("", text).strip()
    start = text.find("<svg")
    if start < 0:
        raise ValueError(f"inline_svg ({prefix}): the text contains no <svg> element")
    text = text[start:]
    text = _ID.sub(lambda m: f'{m.group(1)}id="{prefix}-{m.group(2)}"', text)
    return _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", text)


def figure(svg_markup: str, caption: str = "", element_id: str = "", hint: str = "") -> str:
    """A drawing scaled to fit its box, with zoom buttons (+, −, fit), pinch / ctrl+wheel zoom, drag to pan and an
    "open full size" link (the page's script); the caption under it."""
    box_id = escape(element_id or f"figure-{next(_FIGURES)}")
    tools = (f'<div class="zoom-tools" data-for="{box_id}">'
             '<button type="button" data-zoom="out" aria-label="zoom out">−</button>'
             '<span class="zoom-level">100%</span>'
             '<button type="button" data-zoom="in" aria-label="zoom in">+</button>'
             '<button type="button" data-zoom="fit">fit</button>'
             f'<a class="full-size" href="#{box_id}" target="_blank" rel="noopener">open full size</a>'
             f'<span class="hint">{escape(hint or "pinch or ctrl + wheel to zoom, drag to pan")}</span></div>')
    box = f'<div class="figure zoomable" id="{box_id}">\n{svg_markup}\n</div>'
    text = f"<p><small>{escape(caption)}</small></p>" if caption else ""
    return f'<div class="figure-block">{tools}{box}{text}</div>'


def chart(svg_markup: str) -> str:
    """A small hand-made chart: shown at its size, shrunk to the box on a narrow screen (no zoom tools)."""
    return f'<div class="figure-block"><div class="plain-figure">{svg_markup}</div></div>'


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] | None = None,
          row_classes: Sequence[str] | None = None, element_id: str = "") -> str:
    """An HTML table in a box that scrolls sideways on a narrow screen; cells are given as ready HTML (escape text
    first), numeric columns right-aligned."""
    numeric = numeric or [False] * len(headers)
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        cells = "".join(f'<td class="num">{c}</td>' if numeric[i] else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    attrs = f' id="{escape(element_id)}"' if element_id else ""
    return (f'<div class="table-wrap"><table{attrs}><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body)
            + "\n</tbody></table></div>")


def missing_figure(names: Sequence[str], reason: str, element_id: str = "") -> str:
    """The note that stands in place of drawings that could not be made: which files, and ``reason``."""
    attrs = f' id="{escape(element_id)}"' if element_id else ""
    files = " and ".join(names)
    return (f'<div class="note figure-missing"{attrs}><p><b>Not drawn: {escape(files)}</b> — '
            f"{escape(reason)}</p></div>")


def error_box(message: str) -> str:
    return f'<div class="error">{escape(message)}</div>'


_MARK = {"ok": "", "degraded": " ⚠", "failed": " ✗"}


def _section_html(section: SectionOutput, number: int) -> str:
    status = section.status
    cls = f"section-{status}"
    body = section.body
    if status == "failed":
        body = (body + "\n" if body else "") + (
            "<p>This section could not be built; the rest of the report is unaffected.</p>"
            + error_box(section.error or "")
        )
    return (
        f'<section id="{section.key}" class="{cls}" data-status="{status}">\n'
        f"<h2>{number}. {escape(section.title)}</h2>\n{body}\n</section>"
    )


def render_page(sections: Sequence[SectionOutput], summary: str, generated: str) -> str:
    """The whole report document."""
    nav = "".join(f'<a href="#{s.key}">{i}. {escape(s.title)}{_MARK[s.status]}</a>'
                  for i, s in enumerate(sections, 1))
    body = "\n".join(_section_html(s, i) for i, s in enumerate(sections, 1))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>autonode report</title>
<style>{static_text("report.css")}</style>
</head>
<body>
<header>
<h1>autonode report</h1>
<p>autonode is a scalar autograd engine you can read node by node: every number is a <code>Value</code> that remembers
how it was made, and <code>backward()</code> applies the chain rule one node at a time. On top of it sit neural networks
built neuron by neuron, a vectorised numpy engine that computes the same numbers much faster, and drawings of both.</p>
<p>This page was written by <code>autonode demo</code> ({escape(generated)}). It reproduces the worked numbers of
three tutorials, draws a backward pass step by step, sets forward mode beside reverse mode, compares the engines,
trains a network on handwritten digits and measures how the gradient fades through deep sigmoid layers.
Everything is inline: it opens from disk with no network.</p>
<p id="seeds">The three tutorials are the project's <b>seeds</b> (its starting texts), numbered as it keeps them:
seed 000, a neural networks tutorial that builds a digits classifier in numpy (its text calls itself “this neural
networks tutorial”); seed 001, “Neural Networks - step by step”; seed 002, “Rohan &amp; Lenny #1: Neural Networks
&amp; The Backpropagation Algorithm, Explained”. A <b>random seed</b> is something else: the number that fixes a
run's random choices (data split, initial weights, batch order), so the same seed gives the same numbers.</p>
<p id="summary">{escape(summary)}</p>
</header>
<nav>{nav}</nav>
<main>
{body}
</main>
<footer>Generated by autonode demo. Numbers are recomputed every run; timings depend on the machine.</footer>
<script>
{static_text("report.js")}
</script>
</body>
</html>
"""
