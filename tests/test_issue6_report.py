"""`autonode demo` without any SVG renderer, and the charts' axis ticks.

The no-renderer run uses every real section (not stubs): the sections that lay out
Graphviz drawings must say why they failed, the others must still be built from
real numbers, and the exit code must report the failure.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from test_demo import SECTION_IDS, TreeBuilder, table_rows

from viz.report.svgplot import Series, line_chart, log_ticks, nice_ticks


def test_demo_without_any_renderer_fails_only_the_drawing_sections(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import viz.render
    from autonode_cli.main import main

    monkeypatch.setattr(viz.render, "find_system_dot", lambda: None)
    monkeypatch.setattr(viz.render, "find_graphviz_pure", lambda: None)
    out = tmp_path / "report"
    code = main(["demo", "--quick", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "section(s) failed" in captured.err and str(out / "index.html") in captured.out

    builder = TreeBuilder()
    builder.feed((out / "index.html").read_text(encoding="utf-8"))
    dom = builder.root
    status = {s.attrs["id"]: s.attrs["data-status"] for s in dom.find_all("section")}
    assert list(status) == SECTION_IDS
    failed = [key for key, value in status.items() if value == "failed"]
    assert failed and set(failed) <= {"expression", "network"}
    for key in failed:
        text = dom.by_id(key).text
        assert "no Graphviz renderer found" in text and "autonode[render]" in text
    assert {"walkthrough", "engines", "digits", "environment"} <= {k for k, v in status.items() if v == "ok"}
    # the surviving sections still carry real results
    accuracies = [float(b.attrs["data-accuracy"]) for b in dom.by_id("digits-results").find_all("b")]
    assert len(accuracies) == 2 and all(0.0 < a <= 1.0 for a in accuracies)
    assert table_rows(dom.by_id("env-versions"))
    assert dom.by_id("env-renderer").text.startswith("none available")


@pytest.mark.parametrize(
    ("lo", "hi", "integers"),
    [(1, 3000, True), (1, 30, True), (1, 3, True), (3.33, 100, False), (9.87, 97.6, False), (-3.2, 7.1, False),
     (0.5, 0.51, False), (1e-7, 3e-7, False), (-1e6, 2.5e6, False)],
)
def test_linear_ticks_are_round_and_inside_the_range(lo: float, hi: float, integers: bool) -> None:
    ticks = nice_ticks(lo, hi, integers=integers)
    assert 2 <= len(ticks) <= 6
    assert all(lo - 1e-9 * abs(hi - lo) <= t <= hi + 1e-9 * abs(hi - lo) for t in ticks)
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    assert all(abs(t / step - round(t / step)) < 1e-6 for t in ticks)  # multiples of the step
    if integers:
        assert all(float(t).is_integer() for t in ticks)


def test_log_ticks_are_round_numbers() -> None:
    lo, hi = math.log10(4e-4), math.log10(0.771)
    ticks = [10**t for t in log_ticks(lo, hi)]
    assert 2 <= len(ticks) <= 6
    for t in ticks:
        mantissa = t / 10 ** math.floor(math.log10(t) + 1e-12)
        assert min(abs(mantissa - m) for m in (1, 2, 3, 5)) < 1e-9
        assert 4e-4 <= t <= 0.771


def test_an_epoch_axis_has_no_fractional_epochs() -> None:
    svg = line_chart([Series("loss", [0.5, 0.2, 0.1])], "three epochs", "epoch", "loss")
    below_plot = [line for line in svg.splitlines() if 'class="tick"' in line and 'text-anchor="middle"' in line]
    labels = [line.split(">")[1].split("<")[0] for line in below_plot]
    assert labels == ["1", "2", "3"]
