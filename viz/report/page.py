"""Assemble the report page: one HTML file with inline CSS, SVG and plain JavaScript (no network).

:func:`render_page` takes the finished sections (each an HTML fragment or an
error message) and returns the whole document. :func:`inline_svg` turns a
Graphviz SVG file into markup that can sit inside HTML (no XML prolog or
DOCTYPE, element ids prefixed so several drawings can share one page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from viz.report.stepper import STEPPER_JS

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222;
       background: #fafafa; line-height: 1.45; }
header { background: #1f4e9c; color: #fff; padding: 1.2em 2em; }
header h1 { margin: 0 0 0.2em 0; font-size: 1.7em; }
header p { margin: 0.2em 0; max-width: 60em; }
nav { padding: 0.5em 2em; background: #e8eef8; font-size: 0.95em; }
nav a { margin-right: 1.2em; color: #1f4e9c; }
main { padding: 0 2em 2em 2em; max-width: 80em; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 1.2em 0; padding: 0.6em 1.4em 1.2em; }
section.section-failed { border-color: #c0392b; border-width: 2px; }
section.section-degraded { border-color: #f0b400; border-width: 2px; }
h2 { color: #1f4e9c; margin-bottom: 0.3em; }
h3 { margin: 1em 0 0.3em 0; }
p.intro { max-width: 60em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f3f8; }
td.num { text-align: right; font-family: ui-monospace, Menlo, Consolas, monospace; }
tr.bad td { background: #fdecea; }
.ok { color: #1e7b34; font-weight: bold; }
.no { color: #c0392b; font-weight: bold; }
.error { background: #fdecea; border-left: 4px solid #c0392b; padding: 0.5em 1em; white-space: pre-wrap;
         font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.4em 1em; max-width: 60em; }
.figure-missing { margin: 0.5em 0; }
.figure { overflow: auto; max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; background: #fff; }
.figure svg { max-width: 100%; height: auto; }
.figure.wide svg, .figure.tall svg { max-width: none; }
.figure.tall { max-height: 760px; }
.row > .figure-block { flex: 1 1 26em; min-width: 0; }
.row { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
.digits { display: flex; flex-wrap: wrap; gap: 0.8em; }
svg text.chart-title { font-size: 13px; font-weight: bold; }
svg text.tick, svg text.legend { font-size: 10px; }
svg text.axis { font-size: 11px; }
svg text.cell { font-size: 10px; }
.stepper-controls { display: flex; gap: 0.6em; align-items: center; margin: 0.6em 0; flex-wrap: wrap; }
.stepper-controls button { font-size: 1em; padding: 0.2em 0.9em; }
.stepper-controls input[type=range] { width: 20em; }
#step-product { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.15em; background: #eef3fb;
                padding: 0.4em 0.8em; border-radius: 4px; display: inline-block; }
#step-list tr.current td { background: #fff3c4; }
#step-list tr { cursor: pointer; }
g.node.hl-node polygon, g.node.hl-node ellipse, g.node.hl-node path { stroke: #1f4e9c; stroke-width: 4px; }
g.node.hl-parent polygon, g.node.hl-parent ellipse, g.node.hl-parent path { stroke: #c0392b; stroke-width: 4px; }
g.edge.hl-edge path { stroke: #c0392b; stroke-width: 3px; }
g.edge.hl-edge polygon { stroke: #c0392b; fill: #c0392b; }
.legend-box { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: middle; border: 3px solid; }
footer { color: #666; font-size: 0.85em; padding: 1em 2em; }
"""

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


def figure(svg_markup: str, caption: str = "", wide: bool = False, tall: bool = False, element_id: str = "") -> str:
    """A box around an inline SVG (caption under it); ``wide``/``tall``: natural size, scrolling inside the box."""
    attrs = f' id="{escape(element_id)}"' if element_id else ""
    cls = "figure" + (" wide" if wide else "") + (" tall" if tall else "")
    box = f'<div class="{cls}"{attrs}>\n{svg_markup}\n</div>'
    if not caption:
        return box
    return f'<div class="figure-block">{box}<p><small>{escape(caption)}</small></p></div>'


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] | None = None,
          row_classes: Sequence[str] | None = None, element_id: str = "") -> str:
    """An HTML table; cells are given as ready HTML (escape text first), numeric columns right-aligned."""
    numeric = numeric or [False] * len(headers)
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        cells = "".join(f'<td class="num">{c}</td>' if numeric[i] else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    attrs = f' id="{escape(element_id)}"' if element_id else ""
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"


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
<style>{CSS}</style>
</head>
<body>
<header>
<h1>autonode report</h1>
<p>autonode is a scalar autograd engine you can read node by node: every number is a <code>Value</code> that remembers
how it was made, and <code>backward()</code> applies the chain rule one node at a time. On top of it sit neural networks
built neuron by neuron, a vectorised numpy engine that computes the same numbers much faster, and drawings of both.</p>
<p>This page was written by <code>autonode demo</code> ({escape(generated)}). It reproduces three tutorials' worked
numbers, draws a backward pass step by step, compares the engines and trains a network on handwritten digits.
Everything is inline: it opens from disk with no network.</p>
<p id="summary">{escape(summary)}</p>
</header>
<nav>{nav}</nav>
<main>
{body}
</main>
<footer>Generated by autonode demo. Numbers are recomputed every run; timings depend on the machine.</footer>
<script>
{STEPPER_JS}
</script>
</body>
</html>
"""
