"""Plots with matplotlib (the optional ``plot`` extra): loss curves and the tutorial's sigmoid figures.

matplotlib is imported only when a plot is made; without it the error says
``pip install -e '.[plot]'``. Figures are built with ``matplotlib.figure.Figure``
(no pyplot, no global state) and saved as SVG atomically, text kept as text.

The activation figures are the seed's: h_w(x) = σ(w·x) for w = 0.5, 1, 2 and
h_wb(x) = σ(w·x + b) with w = 5 for b = −8, 0, 8, over x ∈ [−8, 8). σ comes from
the op table (``autonode.ops.SIGMOID``), not re-derived here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autonode.ops import SIGMOID
from nets.train import History as TrainingHistory
from viz.extras import extra_command
from viz.render import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOT_HINT = extra_command("plot")
History = Mapping[str, Sequence[float]] | Sequence[float] | Sequence[Mapping[str, float]]
_COUNTERS = ("epoch", "iteration", "iter", "step")
SEED_WEIGHTS = (0.5, 1.0, 2.0)
SEED_BIASES = (-8.0, 0.0, 8.0)
SEED_BIAS_WEIGHT = 5.0


class PlotDependencyError(ImportError):
    """matplotlib is not installed."""


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure  # the optional plot extra, loaded only when a plot is made
    except ImportError:
        raise PlotDependencyError(f"plots need matplotlib: {PLOT_HINT}") from None
    return Figure


def seed_x() -> np.ndarray:
    """The seed's grid: ``np.arange(-8, 8, 0.1)``."""
    return np.arange(-8.0, 8.0, 0.1)


def history_series(history: History | TrainingHistory) -> dict[str, list[float]]:
    """Named loss series from a :class:`nets.train.History` (``train``'s return: its ``loss``), a list of losses,
    a dict of lists, or a list of per-epoch dicts."""
    if isinstance(history, TrainingHistory):
        return {"loss": [float(v) for v in history.loss]}
    if isinstance(history, Mapping):
        return {str(k): [float(v) for v in vs] for k, vs in history.items() if k not in _COUNTERS}
    rows = list(history)
    if rows and all(isinstance(row, Mapping) for row in rows):
        series: dict[str, list[float]] = {}
        for row in rows:
            for key, value in row.items():  # type: ignore[attr-defined]
                if key not in _COUNTERS and isinstance(value, (int, float)):
                    series.setdefault(str(key), []).append(float(value))
        return series
    try:
        return {"loss": [float(v) for v in rows]}  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError("loss history must be a list of numbers, a dict of lists, or a list of dicts") from None


def loss_figure(history: History | TrainingHistory, title: str = "Training loss", log_scale: bool = False) -> Figure:
    """Loss curves: a ``History`` from ``nets.train.train``, a list of losses, ``{"train": [...], "test": [...]}``,
    or per-epoch dicts (one line each)."""
    series = history_series(history)
    if not series or not any(series.values()):
        raise ValueError("loss history is empty: nothing to plot")
    for name, values in series.items():
        if not all(np.isfinite(values)):
            raise ValueError(f"loss history {name!r} contains NaN or infinite values")
    fig: Figure = _figure_class()(figsize=(6, 4))
    ax = fig.add_subplot()
    for name, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set_xlabel("Iteration number")
    ax.set_ylabel("Average J")
    ax.set_title(title)
    if log_scale:
        ax.set_yscale("log")
    ax.legend(loc="upper right")
    return fig


def gradient_norms_figure(
    runs: Mapping[str, Sequence[Sequence[float]]], title: str = "Gradient norm per layer"
) -> Figure:
    """One panel per run (e.g. ``{"sigmoid": norms, "relu": norms}``): ‖∂J/∂W[l]‖ per epoch, one line per layer.

    ``norms[e][l]`` is the mean norm in epoch e for layer l (``History.gradient_norms`` from
    ``nets.train.train(..., track_gradients=True)``); the y axis is logarithmic and shared, so
    vanishing gradients show as the first layers' lines lying decades below the last one's.
    """
    if not runs:
        raise ValueError("gradient norms: no runs to plot")
    for name, norms in runs.items():
        if not norms or not all(len(row) == len(norms[0]) for row in norms):
            raise ValueError(f"gradient norms {name!r}: expected one row per epoch, the same layers in each")
        if not np.all(np.isfinite(norms)) or np.any(np.asarray(norms) <= 0):
            raise ValueError(f"gradient norms {name!r}: every norm must be a positive finite number")
    fig: Figure = _figure_class()(figsize=(4.2 * len(runs), 3.6))
    axes = fig.subplots(1, len(runs), sharey=True, squeeze=False)[0]
    for ax, (name, norms) in zip(axes, runs.items()):
        values = np.asarray(norms, dtype=float)
        epochs = np.arange(1, values.shape[0] + 1)
        for layer in range(values.shape[1]):
            ax.plot(epochs, values[:, layer], marker="o", markersize=3, label=f"W[{layer}]")
        ax.set_yscale("log")
        ax.set_xlabel("Epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(name)
    axes[0].set_ylabel("mean ‖∂J/∂W[l]‖")
    axes[-1].legend(loc="best", fontsize="small")
    fig.suptitle(title)
    return fig


def sigmoid_weights_figure(weights: Sequence[float] = SEED_WEIGHTS) -> Figure:
    """σ(w·x) for each w: the weight changes the slope."""
    x = seed_x()
    fig: Figure = _figure_class()(figsize=(6, 4))
    ax = fig.add_subplot()
    for w in weights:
        ax.plot(x, SIGMOID.forward(x * w), label=f"w = {w}")
    ax.set_xlabel("x")
    ax.set_ylabel("h_w(x)")
    ax.legend(loc=2)
    return fig


def sigmoid_biases_figure(biases: Sequence[float] = SEED_BIASES, weight: float = SEED_BIAS_WEIGHT) -> Figure:
    """σ(w·x + b) for each b: the bias moves where the node switches on."""
    x = seed_x()
    fig: Figure = _figure_class()(figsize=(6, 4))
    ax = fig.add_subplot()
    for b in biases:
        ax.plot(x, SIGMOID.forward(x * weight + b), label=f"b = {b}")
    ax.set_xlabel("x")
    ax.set_ylabel("h_wb(x)")
    ax.legend(loc=2)
    return fig


def save_svg(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as SVG (text as <text> elements), atomically."""
    from matplotlib import rc_context  # the optional plot extra (a figure exists, so it is installed)

    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "autonode"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return write_atomic(path, buffer.getvalue())


def plot_loss(history: History | TrainingHistory, path: str | os.PathLike[str], title: str = "Training loss") -> Path:
    """Loss curve(s) from ``history`` saved as SVG at ``path``."""
    return save_svg(loss_figure(history, title), path)


def plot_activations(directory: str | os.PathLike[str]) -> list[Path]:
    """The tutorial's two sigmoid figures as ``sigmoid_weights.svg`` and ``sigmoid_biases.svg``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return [
        save_svg(sigmoid_weights_figure(), out / "sigmoid_weights.svg"),
        save_svg(sigmoid_biases_figure(), out / "sigmoid_biases.svg"),
    ]
