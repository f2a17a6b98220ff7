"""The gradient-norm figure: one panel per run, one line per layer, the numbers given."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from viz.plots import gradient_norms_figure  # noqa: E402 - after the skip: needs the plot extra


def test_one_panel_per_run_one_line_per_layer_with_the_given_numbers() -> None:
    runs = {"sigmoid": [[1e-3, 1e-2, 1e-1], [2e-3, 2e-2, 2e-1]], "relu": [[0.5, 0.4, 0.3], [0.6, 0.5, 0.4]]}
    fig = gradient_norms_figure(runs)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["sigmoid", "relu"]
    for ax, norms in zip(axes, runs.values()):
        assert ax.get_yscale() == "log"
        lines = ax.get_lines()
        assert len(lines) == 3
        for layer, line in enumerate(lines):
            np.testing.assert_array_equal(line.get_ydata(), [row[layer] for row in norms])
            np.testing.assert_array_equal(line.get_xdata(), [1, 2])


def test_bad_norms_are_refused_with_the_run_named() -> None:
    with pytest.raises(ValueError, match="'relu'.*positive finite"):
        gradient_norms_figure({"relu": [[0.0, 1.0]]})
    with pytest.raises(ValueError, match="'deep'.*same layers"):
        gradient_norms_figure({"deep": [[1.0, 2.0], [1.0]]})
    with pytest.raises(ValueError, match="no runs"):
        gradient_norms_figure({})
