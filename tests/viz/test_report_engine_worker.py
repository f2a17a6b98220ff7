"""The engines section's worker process: its figures reach the report, its failures are shown, it never lingers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nets.datasets import load
from nets.engines import make_engine
from nets.init import initialise
from viz.report import engines
from viz.report.context import Context, ReportOptions


def test_the_worker_sends_rows_that_match_a_numpy_forward_pass() -> None:
    """The outputs behind the worker's rows agree with the 64-30-10 relu/identity net written out in numpy:
    every engine's max |Δ| against the vectorised one is rounding error, and the vectorised one is checked here."""
    worker = engines.EngineWorker(0, quick=True, engines=["scalar", "looped", "vector"])
    ticks: list[tuple[int, int, str]] = []
    figures = worker.result(lambda done, total, what: ticks.append((done, total, what)))
    assert figures.in_worker == ["scalar", "looped", "vector"] and not worker._process.is_alive()
    assert [r.engine for r in figures.rows] == ["scalar", "looped", "vector"]
    assert any(what == "timing scalar" for _, _, what in ticks)
    for row in figures.rows:
        if row.max_output_diff is not None:
            assert row.max_output_diff <= 1e-9 and row.max_gradient_diff is not None and row.max_gradient_diff <= 1e-9
    data = load("digits", seed=0)
    (W0, b0), (W1, b1) = initialise("he", figures.sizes, np.random.default_rng(0))
    X = data.X_train[:figures.batch]
    by_hand = np.maximum(X @ W0.T + b0, 0.0) @ W1.T + b1
    net = make_engine("vector", figures.sizes, list(engines.ACTIVATIONS), [(W0, b0), (W1, b1)])
    assert np.max(np.abs(net.predict_output(X) - by_hand)) < 1e-12
    assert figures.forward is None and figures.training is None  # the experiments run in the report's process


def test_merged_rows_take_the_engine_order_and_speed_ups_over_the_slowest_of_all() -> None:
    from nets.experiments.comparison import EngineRow

    rows = [EngineRow("scalar", seconds_per_epoch=2.0), EngineRow("vector", seconds_per_epoch=0.5)]
    here = engines.EngineFigures(rows, [64, 30, 10], 8, 1078, None, None, (1.0, 2))
    there = engines.EngineFigures([EngineRow("jax", seconds_per_epoch=0.25), EngineRow("pytorch")],
                                  [64, 30, 10], 8, 1078, None, None, (3.0, 2), in_worker=["pytorch", "jax"])
    merged = here.merge(there)
    assert [r.engine for r in merged.rows] == ["scalar", "vector", "pytorch", "jax"]
    assert [r.speedup for r in merged.rows] == [1.0, 4.0, None, 8.0]
    assert merged.in_worker == ["pytorch", "jax"] and merged.worker_load == (3.0, 2) and merged.load == (1.0, 2)


def test_a_failure_in_the_worker_is_raised_in_the_report_with_its_cause() -> None:
    worker = engines.EngineWorker(0, quick=True, engines=["no-such-engine"])
    with pytest.raises(RuntimeError, match=r"worker process: ValueError: unknown engine 'no-such-engine'.*raised at "):
        worker.result()
    assert not worker._process.is_alive()


def test_closing_stops_a_worker_still_running(tmp_path: Path) -> None:
    ctx = Context(ReportOptions(), tmp_path)
    engines.start(ctx)
    worker = ctx.background["engines"]
    ctx.close_background()
    assert worker._process.exitcode is not None and not worker._process.is_alive()

