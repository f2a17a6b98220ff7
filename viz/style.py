"""Shared drawing helpers: number formatting, record-label escaping, colour scales.

Everything here is a pure function of its arguments, so drawings are deterministic.
"""

from __future__ import annotations

import math

GRAD_LOW = (255, 255, 255)  # |grad| = 0: white
GRAD_HIGH = (244, 162, 97)  # |grad| = max: orange
POSITIVE = (33, 102, 172)  # blue: positive weight
NEGATIVE = (178, 24, 43)  # red: negative weight
GRAD_POSITIVE = (27, 120, 55)  # green: positive gradient
GRAD_NEGATIVE = (118, 42, 131)  # purple: negative gradient


def fmt(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits (``0.9309``, ``-3``, ``1.2e-05``, ``nan``)."""
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    return f"{x:.{digits}g}"


def escape_record(text: str) -> str:
    """Escape the characters that have a meaning inside a Graphviz record label."""
    out = []
    for ch in text:
        if ch in '\\{}|<>"':
            out.append("\\")
        out.append(ch)
    return "".join(out)


def hex_color(rgb: tuple[float, float, float]) -> str:
    """``(r, g, b)`` in 0..255 → ``#rrggbb``."""
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(low: tuple[int, int, int], high: tuple[int, int, int], t: float) -> str:
    """The colour a fraction ``t`` (clamped to 0..1) of the way from ``low`` to ``high``."""
    t = 0.0 if not math.isfinite(t) else max(0.0, min(1.0, t))
    return hex_color(tuple(a + (b - a) * t for a, b in zip(low, high)))  # type: ignore[arg-type]


def magnitude_fraction(value: float, largest: float) -> float:
    """√(|value| / largest) in 0..1: a square-root scale so small gradients stay visible."""
    if not largest or not math.isfinite(value) or not math.isfinite(largest):
        return 0.0
    return math.sqrt(min(1.0, abs(value) / largest))


def grad_fill(grad: float, largest: float) -> str:
    """Fill colour of a value node: white → orange as |grad| grows towards ``largest``."""
    return mix(GRAD_LOW, GRAD_HIGH, magnitude_fraction(grad, largest))


def signed_color(value: float, largest: float, positive: tuple[int, int, int], negative: tuple[int, int, int]) -> str:
    """Edge colour: hue by sign, pale → saturated as |value| grows towards ``largest``."""
    base = positive if value >= 0 else negative
    return mix((220, 220, 220), base, 0.25 + 0.75 * magnitude_fraction(value, largest))


def pen_width(value: float, largest: float, thinnest: float = 0.4, thickest: float = 4.0) -> str:
    """Edge width in points, ``thinnest`` → ``thickest`` with |value| / ``largest``."""
    return f"{thinnest + (thickest - thinnest) * magnitude_fraction(value, largest):.2f}"
