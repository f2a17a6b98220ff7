"""Small hand-made SVG figures for the report: line charts, a confusion matrix, 8×8 digit images.

Plain SVG text (no matplotlib, no fonts, no external references), so the page
stays self-contained and the numbers in it can be read back by a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

SVG_NS = "http://www.w3.org/2000/svg"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
MAX_POINTS = 400


@dataclass(frozen=True)
class Series:
    """One line of a chart: its name, y values, and x values (default 1, 2, ...: epochs or iterations)."""

    name: str
    y: Sequence[float]
    x: Sequence[float] | None = None

    def points(self) -> list[tuple[float, float]]:
        """(x, y) pairs, thinned to at most MAX_POINTS evenly spaced points (first and last kept)."""
        xs = list(self.x) if self.x is not None else list(range(1, len(self.y) + 1))
        if len(xs) != len(self.y):
            raise ValueError(f"series {self.name!r}: {len(xs)} x values for {len(self.y)} y values")
        n = len(xs)
        last = MAX_POINTS - 1
        picks = range(n) if n <= MAX_POINTS else sorted({round(k * (n - 1) / last) for k in range(MAX_POINTS)})
        return [(float(xs[i]), float(self.y[i])) for i in picks]


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _tick_text(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        return f"{x:.0e}"
    if abs(x) >= 100:
        return str(int(round(x)))
    return f"{x:.3g}"


def nice_ticks(lo: float, hi: float, most: int = 6, integers: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 × 10ᵏ apart) inside [lo, hi], at most ``most`` of them.

    ``integers``: whole-number steps only (an axis of epochs has no epoch 1.5).
    """
    span = hi - lo
    if not span > 0:
        return [lo]
    for step in (m * 10.0**e for e in range(math.floor(math.log10(span / most)) - 1, 400) for m in (1, 2, 5)):
        if integers and step < 1:
            continue
        first = math.ceil(lo / step - 1e-9)
        last = math.floor(hi / step + 1e-9)
        if last - first + 1 <= most:
            return [k * step for k in range(first, last + 1)]
    return [lo, hi]


def log_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Tick positions (log10 units) in [lo, hi]: powers of ten, with 2× and 5× added when few decades show."""
    decades = range(math.floor(lo), math.ceil(hi) + 1)
    for multipliers in ((1, 2, 5), (1, 3), (1,)):
        ticks = [e + math.log10(m) for e in decades for m in multipliers]
        ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
        if len(ticks) <= most:
            break
    if len(ticks) > most:  # very many decades: every k-th power of ten
        stride = math.ceil(len(ticks) / most)
        ticks = ticks[::stride]
    return ticks if len(ticks) >= 2 else [lo, hi]


def line_chart(
    series: Sequence[Series],
    title: str,
    x_label: str,
    y_label: str,
    *,
    log_y: bool = False,
    legend_at_bottom: bool = False,
    width: int = 440,
    height: int = 260,
) -> str:
    """An SVG line chart of ``series``; ``log_y`` plots log10 of the positive values."""
    drawn = [(s, [(x, v) for x, v in s.points() if math.isfinite(v) and (v > 0 or not log_y)]) for s in series]
    drawn = [(s, pts) for s, pts in drawn if pts]
    if not drawn:
        raise ValueError(f"line_chart {title!r}: no finite values to plot")
    f = (lambda v: math.log10(v)) if log_y else (lambda v: v)
    xs = [x for _, pts in drawn for x, _ in pts]
    ys = [f(v) for _, pts in drawn for _, v in pts]
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 1, x1 + 1
    y0, y1 = min(ys), max(ys)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    left, right, top, bottom = 58, 12, 28, 40
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    parts = [
        f'<svg xmlns="{SVG_NS}" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2:.0f}" y="16" text-anchor="middle" class="chart-title">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>',
    ]
    for yv in log_ticks(y0, y1) if log_y else nice_ticks(y0, y1):
        label = _tick_text(10**yv if log_y else yv)
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{_num(py(yv))}" y2="{_num(py(yv))}" stroke="#eee"/>')
        parts.append(f'<text x="{left - 4}" y="{_num(py(yv) + 4)}" text-anchor="end" class="tick">{label}</text>')
    for xv in nice_ticks(x0, x1, integers=all(float(x).is_integer() for x in xs)):
        parts.append(f'<text x="{_num(px(xv))}" y="{top + ph + 14}" text-anchor="middle" class="tick">'
                     f"{_tick_text(xv)}</text>")
    parts.append(f'<text x="{left + pw / 2:.0f}" y="{height - 6}" text-anchor="middle" class="axis">'
                 f"{escape(x_label)}</text>")
    parts.append(f'<text transform="translate(12 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" '
                 f'class="axis">{escape(y_label)}{" (log scale)" if log_y else ""}</text>')
    for k, (s, pts) in enumerate(drawn):
        color = PALETTE[k % len(PALETTE)]
        coords = " ".join(f"{_num(px(x))},{_num(py(f(v)))}" for x, v in pts)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{coords}">'
                     f"<title>{escape(s.name)}: last {pts[-1][1]:.4g}</title></polyline>")
        ly = (top + ph - 8 - 14 * (len(drawn) - 1 - k)) if legend_at_bottom else (top + 14 + 14 * k)
        parts.append(f'<line x1="{left + pw - 150}" x2="{left + pw - 132}" y1="{ly - 4}" y2="{ly - 4}" '
                     f'stroke="{color}" stroke-width="2"/>')
        parts.append(f'<text x="{left + pw - 128}" y="{ly}" class="legend">{escape(s.name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def confusion_matrix_svg(matrix: np.ndarray, title: str, cell: int = 26) -> str:
    """Counts[true, predicted] as a grid of shaded cells with the count written in each."""
    counts = np.asarray(matrix, dtype=np.int64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"confusion_matrix_svg: expected a square matrix, got shape {counts.shape}")
    k = counts.shape[0]
    left, top = 40, 50
    size = left + k * cell + 10
    height = top + k * cell + 10
    largest = max(int(counts.max(initial=0)), 1)
    parts = [
        f'<svg xmlns="{SVG_NS}" class="confusion" width="{size}" height="{height}" viewBox="0 0 {size} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{left + k * cell / 2:.0f}" y="12" text-anchor="middle" class="chart-title">{escape(title)}</text>',
        f'<text x="{left + k * cell / 2:.0f}" y="30" text-anchor="middle" class="axis">predicted</text>',
        f'<text transform="translate(10 {top + k * cell / 2:.0f}) rotate(-90)" text-anchor="middle" '
        f'class="axis">true</text>',
    ]
    for j in range(k):
        parts.append(f'<text x="{left + j * cell + cell / 2:.0f}" y="{top - 3}" text-anchor="middle" '
                     f'class="tick">{j}</text>')
        parts.append(f'<text x="{left - 4}" y="{top + j * cell + cell / 2 + 4:.0f}" text-anchor="end" '
                     f'class="tick">{j}</text>')
    for i in range(k):
        for j in range(k):
            n = int(counts[i, j])
            share = math.sqrt(n / largest)
            if i == j:
                fill = f"rgb({int(255 - 180 * share)},{int(255 - 90 * share)},{int(255 - 180 * share)})"
            else:
                fill = f"rgb(255,{int(255 - 170 * share)},{int(255 - 170 * share)})" if n else "#fff"
            x, y = left + j * cell, top + i * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#ccc">'
                         f"<title>true {i}, predicted {j}: {n}</title></rect>")
            if n:
                parts.append(f'<text x="{x + cell / 2:.0f}" y="{y + cell / 2 + 4:.0f}" text-anchor="middle" '
                             f'class="cell" data-true="{i}" data-pred="{j}">{n}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def digit_svg(pixels: Sequence[float], caption: str, scale: int = 10, maximum: float = 16.0) -> str:
    """An 8×8 image (64 intensities, 0 = white, ``maximum`` = black) as SVG rects, with a caption below."""
    values = np.asarray(pixels, dtype=np.float64).reshape(-1)
    if values.size != 64:
        raise ValueError(f"digit_svg: expected 64 pixel values (8×8), got {values.size}")
    side = 8 * scale
    parts = [
        f'<svg xmlns="{SVG_NS}" class="digit" width="{side}" height="{side + 16}" '
        f'viewBox="0 0 {side} {side + 16}" role="img" aria-label="{escape(caption)}">',
        f'<rect width="{side}" height="{side}" fill="#fff" stroke="#999"/>',
    ]
    for index, value in enumerate(values):
        level = min(max(float(value) / maximum, 0.0), 1.0)
        if level <= 0:
            continue
        grey = int(round(255 * (1 - level)))
        r, c = divmod(index, 8)
        parts.append(f'<rect x="{c * scale}" y="{r * scale}" width="{scale}" height="{scale}" '
                     f'fill="rgb({grey},{grey},{grey})"/>')
    parts.append(f'<text x="{side / 2:.0f}" y="{side + 12}" text-anchor="middle" class="tick">'
                 f"{escape(caption)}</text>")
    parts.append("</svg>")
    return "\n".join(parts)
