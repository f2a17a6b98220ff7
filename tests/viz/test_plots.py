"""Plots (matplotlib extra): the seed's sigmoid figures and loss curves, saved as SVG."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from viz import plots  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_sigmoid_weight_figure_matches_the_seed() -> None:
    fig = plots.sigmoid_weights_figure()
    lines = fig.axes[0].get_lines()
    x = np.arange(-8, 8, 0.1)
    assert [line.get_label() for line in lines] == ["w = 0.5", "w = 1.0", "w = 2.0"]
    for line, w in zip(lines, (0.5, 1.0, 2.0)):
        assert np.array_equal(line.get_xdata(), x)
        assert np.allclose(line.get_ydata(), 1 / (1 + np.exp(-x * w)), rtol=1e-12, atol=0)


def test_sigmoid_bias_figure_matches_the_seed() -> None:
    fig = plots.sigmoid_biases_figure()
    lines = fig.axes[0].get_lines()
    x = np.arange(-8, 8, 0.1)
    assert [line.get_label() for line in lines] == ["b = -8.0", "b = 0.0", "b = 8.0"]
    for line, b in zip(lines, (-8.0, 0.0, 8.0)):
        assert np.allclose(line.get_ydata(), 1 / (1 + np.exp(-(x * 5.0 + b))), rtol=1e-12, atol=0)
    # the bias moves the switch-on point to x = −b/w
    half = [x[np.argmin(np.abs(line.get_ydata() - 0.5))] for line in lines]
    assert half == pytest.approx([1.6, 0.0, -1.6], abs=0.051)


def test_activation_figures_written_as_svg(tmp_path: Path) -> None:
    paths = plots.plot_activations(tmp_path / "figs")
    assert [p.name for p in paths] == ["sigmoid_weights.svg", "sigmoid_biases.svg"]
    assert {"w = 0.5", "w = 1.0", "w = 2.0", "h_w(x)"} <= set(svg_texts(paths[0]))
    assert {"b = -8.0", "b = 0.0", "b = 8.0", "h_wb(x)"} <= set(svg_texts(paths[1]))
    assert paths[0].read_bytes() == plots.save_svg(plots.sigmoid_weights_figure(), tmp_path / "again.svg").read_bytes()


@pytest.mark.parametrize(
    "history, names",
    [
        ([3.0, 2.0, 1.5], ["loss"]),
        ({"train": [3.0, 2.0, 1.5], "test": [3.2, 2.4, 2.0]}, ["train", "test"]),
        ([{"epoch": 1, "loss": 3.0, "accuracy": 0.5}, {"epoch": 2, "loss": 2.0, "accuracy": 0.7}],
         ["loss", "accuracy"]),
    ],
)
def test_loss_curves_from_history(tmp_path: Path, history: object, names: list[str]) -> None:
    fig = plots.loss_figure(history)  # type: ignore[arg-type]
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == names
    assert list(lines[0].get_xdata()) == list(range(1, len(lines[0].get_ydata()) + 1))
    path = plots.plot_loss(history, tmp_path / "loss.svg")  # type: ignore[arg-type]
    assert set(names) <= set(svg_texts(path))


def test_bad_histories_are_named() -> None:
    with pytest.raises(ValueError, match="empty"):
        plots.loss_figure([])
    with pytest.raises(ValueError, match="'loss' contains NaN"):
        plots.loss_figure([1.0, float("nan")])
    with pytest.raises(TypeError, match="list of numbers"):
        plots.loss_figure(["a", "b"])  # type: ignore[list-item]


def test_missing_matplotlib_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(plots.PlotDependencyError, match=r"pip install -e '\.\[plot\]'"):
        plots.sigmoid_weights_figure()


def test_the_history_train_returns_plots_its_losses(tmp_path: Path) -> None:
    """``nets.train.train``'s History goes straight in: its per-epoch losses, in order, are the line drawn."""
    from nets.engines import make_engine
    from nets.train import train

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    Y = (X[:, :1] > 0).astype(float)
    net = make_engine("vector", [3, 4, 1], ["tanh", "sigmoid"], rng=0)
    history = train(net, X, Y, loss="half_sse", optimizer="sgd", lr=0.5, epochs=5, progress=False)
    line = plots.loss_figure(history).axes[0].get_lines()[0]
    assert line.get_label() == "loss"
    assert list(line.get_ydata()) == history.loss and len(history.loss) == 5
    assert plots.plot_loss(history, tmp_path / "h.svg").exists()
