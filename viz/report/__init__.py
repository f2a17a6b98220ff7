"""The ``autonode demo`` report: one self-contained HTML page (inline SVG, CSS, plain JavaScript).

:func:`write_report` builds every section (each failure shown in its own section) and
writes ``<out>/index.html`` plus the SVG files it embeds, atomically.
"""

from viz.report.build import ReportPathError, ReportResult, write_report
from viz.report.context import ReportOptions

__all__ = ["ReportOptions", "ReportPathError", "ReportResult", "write_report"]
