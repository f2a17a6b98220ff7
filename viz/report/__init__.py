"""The ``autonode demo`` report: one self-contained HTML page (inline SVG, CSS, plain JavaScript).

:func:`write_report` builds every section (each failure shown in its own section) and
writes ``<out>/index.html`` plus the SVG files it embeds, atomically.

One small module per section (``walkthrough``, ``expression``, ``functional``, ``netdiagram``,
``engines``, ``digits``, ``training``, ``environment``), each a ``build(ctx) -> HTML`` that
calls :mod:`nets` for its figures and computes nothing itself; a new section is one module
plus one :class:`~viz.report.sections.SectionSpec` line. The page's CSS and script are the
package files ``static/report.css`` and ``static/report.js``, inlined by :mod:`viz.report.page`.
"""

from viz.report.build import ReportPathError, ReportResult, write_report
from viz.report.context import ReportOptions

__all__ = ["ReportOptions", "ReportPathError", "ReportResult", "write_report"]
