"""`autonode demo` without any SVG renderer, and the charts' axis ticks.

The no-renderer run uses every real section (not stubs). The two sections that lay out
Graphviz drawings are shown without them: everything else they hold (formula, tables,
the stepper's text, the network's sample loss) is checked against hand maths or PyTorch,
and the renderer's install hint stands once in place of the drawings. They are reported
as degraded, the exit code says so, and the other sections are built from real numbers.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from tests.viz.test_report import (
    SECTION_IDS,
    Element,
    TreeBuilder,
    _hand_gradients,
    check_gradcheck_table,
    check_values_table,
    table_rows,
)
from tests.viz.test_report_browser import ARGS, CHROMIUM, NUMBER, _hand_steps, _need
from viz.report.svgplot import Series, line_chart, log_ticks, nice_ticks

FORMULA = "L = (y − sigmoid(x1·w1 + x2·w2 + x3·w3))²"


@pytest.fixture(scope="module")
def no_renderer(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``autonode demo --quick`` run in this process with both renderer look-ups answering "none"."""
    import viz.render
    from viz.cli.main import main

    out = tmp_path_factory.mktemp("no-renderer") / "report"
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(viz.render, "find_system_dot", lambda: None)
        patch.setattr(viz.render, "find_graphviz_pure", lambda: None)
        with pytest.raises(viz.render.RendererNotFoundError) as raised:
            viz.render.find_renderer()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["demo", "--quick", "--out", str(out)])
    builder = TreeBuilder()
    builder.feed((out / "index.html").read_text(encoding="utf-8"))
    return {"code": code, "out": out, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "dom": builder.root, "message": str(raised.value)}


def test_without_a_renderer_the_drawing_sections_are_degraded_and_the_exit_code_says_so(
        no_renderer: dict[str, Any]) -> None:
    assert no_renderer["code"] == 1
    assert "autonode demo: 3 section(s) shown without their drawings; the page shows why" in no_renderer["stderr"]
    assert str(no_renderer["out"] / "index.html") in no_renderer["stdout"]
    first_line = no_renderer["message"].splitlines()[0]
    for title in ("An expression graph and its backward pass, step by step", "The trained digits network",
                  "Forward and reverse mode, and derivatives of derivatives"):
        line = next(line for line in no_renderer["stdout"].splitlines() if title in line)
        assert line.endswith("NO DRAWINGS: " + first_line)
    dom = no_renderer["dom"]
    status = {s.attrs["id"]: s.attrs["data-status"] for s in dom.find_all("section")}
    assert status == {k: "degraded" if k in ("expression", "network", "functional") else "ok" for k in SECTION_IDS}
    assert "2. An expression graph" in dom.by_id("summary").text and "without their drawings" in dom.by_id(
        "summary").text
    # no SVG file was written, and the surviving sections still carry real results
    assert not {"expression.svg", "network-weights.svg", "network-gradients.svg", "double-backward.svg"} & {
        p.name for p in no_renderer["out"].iterdir()}
    accuracies = [float(b.attrs["data-accuracy"]) for b in dom.by_id("digits-results").find_all("b")]
    assert len(accuracies) == 2 and all(0.0 < a <= 1.0 for a in accuracies)
    assert table_rows(dom.by_id("env-versions"))
    assert dom.by_id("env-renderer").text.startswith("none available")


def _notes(section: Element) -> list[Element]:
    return [d for d in section.find_all("div") if "figure-missing" in d.attrs.get("class", "").split()]


@pytest.mark.parametrize(("key", "note_id", "files"), [
    ("expression", "expr-graph-missing", "expression.svg"),
    ("network", "network-missing", "network-weights.svg and network-gradients.svg"),
    ("functional", "double-backward-missing", "double-backward.svg"),
])
def test_one_note_names_what_to_install_in_place_of_the_drawings(
        no_renderer: dict[str, Any], key: str, note_id: str, files: str) -> None:
    section = no_renderer["dom"].by_id(key)
    message = no_renderer["message"]
    assert "pip install -e '.[render]'" in message  # viz.render's own wording, shown unchanged
    notes = _notes(section)
    assert [n.attrs["id"] for n in notes] == [note_id]
    heading = notes[0].find_all("b")
    assert [b.text for b in heading] == [f"Not drawn: {files}"]
    assert notes[0].text.replace(heading[0].text, "").strip() == f"— {message}"
    assert section.text.count("pip install -e '.[render]'") == 1  # one message, not repeated in an error box below
    assert not section.find_all("svg")
    assert not [d for d in section.find_all("div") if d.attrs.get("class") == "error"]
    assert "could not be built" not in section.text


def test_expression_section_keeps_formula_tables_and_stepper_without_the_drawing(no_renderer: dict[str, Any]) -> None:
    dom = no_renderer["dom"]
    section = dom.by_id("expression")
    assert FORMULA in [c.text for c in section.find_all("code")]
    expected = _hand_gradients()
    shown_w = dict(re.findall(r"∂L/∂(w\d) = (" + NUMBER + ")", section.text.replace("\u2212", "-")))
    assert {k: float(v) for k, v in shown_w.items()} == pytest.approx(
        {k: expected[k] for k in ("w1", "w2", "w3")}, rel=1e-5)
    check_values_table(dom)
    check_gradcheck_table(dom)

    # the step table, row by row, against the chain rule worked by hand
    rows = table_rows(dom.by_id("step-list"))
    hand = _hand_steps()
    assert len(rows) == len(hand) == 14
    received: dict[str, float] = {}
    for number, (row, (node, parent, upstream, local)) in enumerate(zip(rows, hand), 1):
        assert int(row[0].text) == number
        assert row[1].text.endswith(f"] {node} → {parent}")
        received[parent] = received.get(parent, 0.0) + upstream * local
        shown = [float(cell.find_all("span")[0].attrs["data-value"]) for cell in row[2:]]
        assert shown == pytest.approx([upstream, local, upstream * local, received[parent]], rel=1e-12, abs=1e-15)
        assert [float(cell.text) for cell in row[2:]] == pytest.approx(shown, rel=1e-5)  # 6 digits shown
    for name in ("w1", "w2", "w3", "x1", "x2", "x3", "y", "h", "z"):
        assert received[name] == pytest.approx(expected[name], rel=1e-12)

    # the stepper is there for its text parts; its data names no drawing to highlight
    payload = json.loads(dom.by_id("steps-data").text)
    assert payload["graph"] is None and len(payload["steps"]) == 14
    assert dom.by_id("step-slider").attrs["max"] == "14"
    assert {"step-prev", "step-next", "step-product", "step-explain"} <= {
        e.attrs.get("id") for e in dom.by_id("stepper").iter()}
    assert "highlighted in the table of steps" in section.text and "the drawing scrolls" not in section.text


def test_network_section_keeps_the_sample_loss_and_layer_table_without_the_diagrams(
        no_renderer: dict[str, Any], tmp_path: Path) -> None:
    """The sample's loss ½‖y − h‖² and the per-layer figures, recomputed with PyTorch from the trained weights.

    The weights come from training the tutorial recipe again with the same seed (the run is
    deterministic); only the numbers the section shows are computed here, independently.
    """
    torch = pytest.importorskip("torch")
    from nets.datasets import load
    from viz.report.context import Context, ReportOptions
    from viz.report.digits import trained

    net = trained(Context(ReportOptions(quick=True), tmp_path), "tutorial").net
    data = load("digits", seed=0)
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in net.get_weights()]
    h = torch.tensor(data.X_test[0])
    for W, b in params:
        h = torch.sigmoid(W @ h + b)
    loss = 0.5 * ((torch.tensor(data.Y_test[0]) - h) ** 2).sum()
    loss.backward()

    dom = no_renderer["dom"]
    shown_loss = float(dom.by_id("network-sample-loss").attrs["data-value"])
    assert shown_loss == pytest.approx(loss.item(), rel=1e-9)
    assert int(dom.by_id("network-predicted").text) == int(torch.argmax(h))
    assert f"(a {int(data.y_test[0])})" in dom.by_id("network").text
    rows = table_rows(dom.by_id("network-layers"))
    assert len(rows) == 2
    for row, (W, b) in zip(rows, params):
        assert row[1].text == f"{W.shape[0]}×{W.shape[1]} + {b.shape[0]}"
        figures = [W.detach().abs().mean(), W.detach().abs().max(), W.grad.abs().max(), b.grad.abs().max()]
        assert [float(c.text) for c in row[2:]] == pytest.approx([float(f) for f in figures], rel=1e-3)
    assert [r[1].text for r in rows] == ["30×64 + 30", "10×30 + 10"]


def test_stepping_through_the_backward_pass_without_the_drawing(no_renderer: dict[str, Any]) -> None:
    """In a real browser: the buttons and the slider step the text and the step list; no console errors."""
    _need(CHROMIUM.exists(), f"{CHROMIUM} not found: install Debian's browser with `apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "Playwright's Python package is not installed: pip install playwright")
    hand = _hand_steps()
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto((no_renderer["out"] / "index.html").as_uri())
        page.wait_for_load_state("load")

        def state() -> dict[str, Any]:
            result: dict[str, Any] = page.evaluate("""() => ({
                step: document.getElementById('stepper').getAttribute('data-step'),
                counter: document.getElementById('step-counter').textContent,
                product: document.getElementById('step-product').textContent,
                explain: document.getElementById('step-explain').textContent,
                current: Array.from(document.querySelectorAll('#step-list tbody tr.current')).map(r => r.rowIndex),
                highlighted: document.querySelectorAll('.hl-node, .hl-parent, .hl-edge').length,
                prevDisabled: document.getElementById('step-prev').disabled,
                nextDisabled: document.getElementById('step-next').disabled,
            })""")
            return result

        def check(number: int) -> None:
            node, parent, upstream, local = hand[number - 1]
            now = state()
            assert now["step"] == str(number) and now["counter"] == f"step {number} of 14"
            shown = [float(v) for v in re.findall(NUMBER, now["product"].split("=", 1)[1])]
            assert shown == pytest.approx([upstream, local, upstream * local], rel=1e-5)
            assert f"] {node} → {parent}" in now["explain"]
            assert now["current"] == [number] and now["highlighted"] == 0

        start = state()  # before any step: only ∂L/∂L = 1
        assert start["step"] == "0" and start["counter"] == "start (step 0 of 14)" and start["prevDisabled"]
        assert start["product"] == "∂L/∂L = 1" and start["current"] == []
        for number in range(1, 15):
            page.click("#step-next")
            check(number)
        assert state()["nextDisabled"]
        page.click("#step-prev")
        check(13)
        page.eval_on_selector("#step-slider", "s => { s.value = '4'; s.dispatchEvent(new Event('input')); }")
        check(4)
        page.click("#step-list tbody tr:nth-child(9)")
        check(9)
        browser.close()
    assert problems == []


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
