"""How the report writes numbers: at most 7 significant digits (full precision in a tooltip), ratios with
thousands separators (``14,400×``), durations with a unit.
"""

from __future__ import annotations

import math
import re
from html import escape

SIGNIFICANT = 7
_LONG_NUMBER = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


def short(x: float, digits: int = SIGNIFICANT) -> str:
    """``x`` with at most ``digits`` significant digits (``-0.001429217``, ``1.2e-05``, ``nan``)."""
    if not math.isfinite(x):
        return repr(float(x))
    return f"{x:.{digits}g}"


def sig(x: float, digits: int = SIGNIFICANT) -> str:
    """A table cell: ``x`` to ``digits`` significant digits, the full value in its tooltip and ``data-value``."""
    full = repr(float(x))
    return f'<span title="{full}" data-value="{full}">{short(x, digits)}</span>'


def shorten_text(text: str, digits: int = SIGNIFICANT) -> str:
    """Text with every decimal number longer than ``digits`` significant digits cut to ``digits``, as HTML;
    the text as it was goes in a tooltip when anything was cut."""
    def cut(match: re.Match[str]) -> str:
        number = match.group(0)
        mantissa = number.split("e")[0].split("E")[0].lstrip("-").replace(".", "").lstrip("0")
        return short(float(number), digits) if len(mantissa) > digits else number

    shortened = _LONG_NUMBER.sub(cut, text)
    if shortened == text:
        return escape(text)
    return f'<span title="{escape(text)}">{escape(shortened)}</span>'


def ratio(x: float) -> str:
    """A speed-up: 3 significant digits, thousands separated (``14,400×``, ``110×``, ``2.84×``)."""
    if not math.isfinite(x) or x <= 0:
        return "–"
    exponent = math.floor(math.log10(x))
    rounded = round(x, 2 - exponent)
    if rounded >= 100:
        return f"{rounded:,.0f}×"
    return f"{rounded:.3g}×"


def percent(x: float) -> str:
    """A fraction as a percentage with one decimal (``0.8868`` → ``88.7%``)."""
    return f"{100 * x:.1f}%"


def seconds(x: float | None) -> str:
    """A duration with a readable unit: ``0.0021`` → ``2.1 ms``."""
    if x is None:
        return "–"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if x >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x * 1e9:.3g} ns"
