"""The report in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright's Python package.

Opens ``autonode demo --quick``'s page from disk and checks what a person would see: the
backward pass stepped with next/previous and the slider (at the start only the output's
gradient is set, after the last step every gradient is final, each step's product against
hand maths), every drawing whole inside its box at 1400 px, no sideways scrolling at 390 px,
the zoom buttons changing a drawing's scale; the console must stay free of errors and the
page must request nothing from the network. Screenshots of every section at both widths go
to ``tests/artifacts/report/`` (or ``$AUTONODE_ARTIFACTS``) for a reviewer. No browser is
downloaded: Playwright is pointed at ``/usr/bin/chromium``. Without it the test fails when
AUTONODE_CI is set (CI installs it) and is skipped otherwise.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("AUTONODE_ARTIFACTS", Path(__file__).parents[1] / "artifacts")) / "report"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("AUTONODE_CI"):
        pytest.fail(f"{reason} (AUTONODE_CI is set, so CI must provide it)")
    pytest.skip(reason)


def _hand_steps() -> list[tuple[str, str, float, float]]:
    """(node, input, upstream, local) of the 14 chain-rule steps of L = (y - σ(Σ xᵢwᵢ))², worked by hand."""
    x, w, y = (1.0, 3.0, 5.0), (0.5, 1.2, -0.3), 1.0
    h = 1 / (1 + math.exp(-sum(a * b for a, b in zip(x, w))))
    dL_dd = 2 * (y - h)  # d = y - h
    dL_dh = -dL_dd
    dL_dz = dL_dh * h * (1 - h)
    return [
        ("L", "y − h", 1.0, 2 * (y - h)),
        ("y − h", "y", dL_dd, 1.0),
        ("y − h", "h", dL_dd, -1.0),
        ("h", "z", dL_dh, h * (1 - h)),
        ("z", "x1·w1 + x2·w2", dL_dz, 1.0),
        ("z", "x3·w3", dL_dz, 1.0),
        ("x3·w3", "x3", dL_dz, w[2]),
        ("x3·w3", "w3", dL_dz, x[2]),
        ("x1·w1 + x2·w2", "x1·w1", dL_dz, 1.0),
        ("x1·w1 + x2·w2", "x2·w2", dL_dz, 1.0),
        ("x2·w2", "x2", dL_dz, w[1]),
        ("x2·w2", "w2", dL_dz, x[1]),
        ("x1·w1", "x1", dL_dz, w[0]),
        ("x1·w1", "w1", dL_dz, x[0]),
    ]


def _hand_final() -> dict[str, float]:
    """Every node's final ∂L/∂node, by hand, keyed by its label."""
    final = {"L": 1.0}
    for _node, parent, upstream, local in _hand_steps():
        final[parent] = final.get(parent, 0.0) + upstream * local
    return final


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need(CHROMIUM.exists(), f"{CHROMIUM} not found: install Debian's browser with `apt-get install chromium`")
    out = tmp_path_factory.mktemp("demo-browser") / "report"
    done = subprocess.run([sys.executable, "-m", "viz.cli.main", "demo", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out / "index.html"


@pytest.fixture(scope="module")
def browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "Playwright's Python package is not installed: pip install playwright")
    _need(CHROMIUM.exists(), f"{CHROMIUM} not found: install Debian's browser with `apt-get install chromium`")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield launched
        launched.close()


def _state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate("""() => {
        const titles = (cls) => Array.from(document.querySelectorAll('#expr-graph g.' + cls + ' title'))
            .map(t => t.textContent.trim()).sort();
        const texts = (cls) => Array.from(document.querySelectorAll('#expr-graph g.node.' + cls))
            .map(g => Array.from(g.querySelectorAll('text')).map(t => t.textContent.trim()).join(' '));
        const grads = {};
        for (const g of document.querySelectorAll('#expr-graph g.node')) {
            const parts = Array.from(g.querySelectorAll('text')).map(t => t.textContent.trim());
            const grad = parts.find(p => p.startsWith('grad '));
            if (grad) { grads[parts[0]] = parseFloat(grad.slice(5)); }
        }
        return {
            step: document.getElementById('stepper').getAttribute('data-step'),
            slider: document.getElementById('step-slider').value,
            product: document.getElementById('step-product').textContent,
            explain: document.getElementById('step-explain').textContent,
            node: titles('hl-node'), parent: titles('hl-parent'), edge: titles('hl-edge'),
            nodeText: texts('hl-node'), parentText: texts('hl-parent'),
            prevDisabled: document.getElementById('step-prev').disabled,
            nextDisabled: document.getElementById('step-next').disabled,
            current: Array.from(document.querySelectorAll('#step-list tbody tr.current')).map(r => r.rowIndex),
            grads: grads,
        };
    }""")
    return state


def _check_step(state: dict[str, Any], number: int) -> None:
    node, parent, upstream, local = _hand_steps()[number - 1]
    assert state["step"] == str(number) and state["slider"] == str(number)
    shown = [float(v) for v in re.findall(NUMBER, state["product"].split("=", 1)[1].replace("\u2212", "-"))]
    assert len(shown) == 3, state["product"]
    assert shown[0] == pytest.approx(upstream, rel=1e-5)
    assert shown[1] == pytest.approx(local, rel=1e-5)
    assert shown[2] == pytest.approx(upstream * local, rel=1e-5)
    def name(label: str) -> str:  # one notation: compound names in parentheses
        return label if label.isalnum() else f"({label})"

    assert state["product"].startswith(f"∂L/∂{name(node)} · ∂{name(node)}/∂{name(parent)} = "), state["product"]
    assert state["explain"].startswith("[") and f"] {node} → {parent}" in state["explain"]
    # the highlighted boxes are the node processed (with its op ellipse) and the input receiving the gradient
    assert len(state["node"]) == 2 and any(t.endswith("_op") for t in state["node"])
    assert len(state["parent"]) == 1 and len(state["edge"]) == 1
    assert any(text.startswith(node + " ") for text in state["nodeText"]), state["nodeText"]
    assert state["parentText"][0].startswith(parent + " "), state["parentText"]
    assert state["current"] == [number]
    # the input receiving the contribution shows its gradient as it stands after this step
    received = sum(u * v for n, p, u, v in _hand_steps()[:number] if p == parent)
    assert state["grads"][parent] == pytest.approx(received, rel=1e-3, abs=1e-6)


def test_stepping_through_the_backward_pass(browser: Any, page_file: Path) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:"))
            else problems.append(f"network request: {r.url}"))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")

    total = len(_hand_steps())
    state = _state(page)
    # the start: no chain-rule step yet, only the output's gradient set
    assert state["step"] == "0" and state["prevDisabled"] and not state["nextDisabled"]
    assert state["product"] == "∂L/∂L = 1" and state["current"] == []
    assert len(state["grads"]) == 15
    assert {k: v for k, v in state["grads"].items() if v != 0} == {"L": 1.0}

    seen_nodes, seen_products = set(), set()
    for number in range(1, total + 1):
        page.click("#step-next")
        state = _state(page)
        _check_step(state, number)
        seen_nodes.add(tuple(state["node"]))
        seen_products.add(state["product"])
    assert state["nextDisabled"] and not state["prevDisabled"]
    final = _hand_final()
    assert set(state["grads"]) == set(final)
    for name, grad in final.items():  # after the last step every gradient is final (4 digits shown)
        assert state["grads"][name] == pytest.approx(grad, rel=1e-3), name
    assert len(seen_nodes) == 8  # L, y − h, h, z, x1·w1 + x2·w2 and the three products
    assert len(seen_products) >= 10

    page.click("#step-prev")
    _check_step(_state(page), total - 1)
    page.click("#step-prev")
    _check_step(_state(page), total - 2)

    page.eval_on_selector("#step-slider", "s => { s.value = '4'; s.dispatchEvent(new Event('input')); }")
    _check_step(_state(page), 4)
    page.focus("#step-slider")
    page.keyboard.press("ArrowRight")  # the slider's own key handling: one step, not two
    _check_step(_state(page), 5)
    page.focus("#stepper")
    page.keyboard.press("ArrowRight")
    _check_step(_state(page), 6)
    page.click("#step-list tbody tr:nth-child(9)")
    _check_step(_state(page), 9)

    sections = page.eval_on_selector_all("section", "els => els.map(e => [e.id, e.dataset.status])")
    assert [s[0] for s in sections] == ["walkthrough", "expression", "functional", "network", "engines", "digits",
                                        "training", "environment"]
    assert all(status == "ok" for _, status in sections)
    assert problems == []
    page.close()


def _figures(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("""() => Array.from(document.querySelectorAll('.figure.zoomable'))
        .map(box => {
            const r = box.getBoundingClientRect(), svg = box.querySelector('svg'), s = svg.getBoundingClientRect();
            const graph = svg.querySelector('g.graph') || svg;
            const g = graph.getBoundingClientRect();
            const title = svg.querySelector('g.graph > text');
            const t = title ? title.getBoundingClientRect() : null;
            return {id: box.id, box: [r.left, r.top, r.right, r.bottom], svg: [s.left, s.top, s.right, s.bottom],
                    drawing: [g.left, g.top, g.right, g.bottom], title: t ? [t.left, t.top, t.right, t.bottom] : null,
                    titleText: title ? title.textContent : null,
                    scrollable: box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1};
        })""")
    return found


def _inside(inner: list[float], outer: list[float], slack: float = 1.5) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and inner[2] <= outer[2] + slack
            and inner[3] <= outer[3] + slack)


def _screenshots(page: Any, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{width}px-top.png"))
    boxes = page.eval_on_selector_all("section", """els => els.map(e => {
        const r = e.getBoundingClientRect();
        return [e.id, r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];
    })""")
    for key, x, y, w, h in boxes:  # clipped from the whole page: no waiting for the element to settle
        page.screenshot(path=str(ARTIFACTS / f"{width}px-{key}.png"), full_page=True,
                        clip={"x": x, "y": y, "width": w, "height": h})


def test_every_drawing_fits_its_box_at_first_sight(browser: Any, page_file: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    figures = _figures(page)
    assert {f["id"] for f in figures} >= {"expr-graph", "network-weights", "network-gradients", "double-backward"}
    for f in figures:
        width = f["box"][2] - f["box"][0]
        assert width > 300, f  # a real box, not a sliver
        assert _inside(f["drawing"], f["box"]), f"{f['id']}: the drawing spills out of its box: {f}"
        assert not f["scrollable"], f"{f['id']}: the box scrolls"
        assert f["title"] is not None and _inside(f["title"], f["box"]), f"{f['id']}: title not in view"
    # the drawing is scaled to the box: it fills the width or the height it is allowed
    expr = next(f for f in figures if f["id"] == "expr-graph")
    assert expr["svg"][2] - expr["svg"][0] >= 0.95 * (expr["box"][2] - expr["box"][0])
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    _screenshots(page, 1400)
    page.close()


def test_no_sideways_scrolling_on_a_phone(browser: Any, page_file: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("document.body.scrollWidth") <= 390
    for f in _figures(page):
        assert f["box"][2] <= 390 + 0.5, f
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('.table-wrap'))
        .filter(w => w.scrollWidth > w.clientWidth).length""")
    assert wide >= 1  # the wide tables scroll inside their card instead
    _screenshots(page, 390)
    page.close()


def test_zoom_buttons_change_the_scale_and_fit_restores_it(browser: Any, page_file: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")

    def node_width() -> float:
        width: float = page.evaluate(
            "document.querySelector('#expr-graph g.node').getBoundingClientRect().width")
        return width

    before = node_width()
    tools = "[data-for='expr-graph']"
    page.click(f"{tools} button[data-zoom='in']")
    assert node_width() == pytest.approx(1.5 * before, rel=0.02)
    assert page.text_content(f"{tools} .zoom-level") == "150%"
    page.click(f"{tools} button[data-zoom='in']")
    assert node_width() == pytest.approx(2.25 * before, rel=0.02)
    page.click(f"{tools} button[data-zoom='out']")
    assert node_width() == pytest.approx(1.5 * before, rel=0.02)
    page.click(f"{tools} button[data-zoom='fit']")
    assert node_width() == pytest.approx(before, rel=0.02)
    href = page.get_attribute(f"{tools} a.full-size", "href")
    assert href is not None and href.startswith("blob:")  # the drawing alone, made in the page: no other file
    page.close()


def test_open_full_size_shows_the_drawing_alone(browser: Any, page_file: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    with page.expect_popup() as opened:
        page.click("[data-for='network-weights'] a.full-size")
    alone = opened.value
    alone.wait_for_load_state("load")
    title = alone.evaluate("document.querySelector('svg g.graph > text').textContent")
    assert title.startswith("64-30-10 trained weights"), title
    # at its own size: wider than the box it had on the page
    assert alone.evaluate("document.querySelector('svg').getBoundingClientRect().width") > 605
    alone.close()
    page.close()


def test_stepper_controls_stay_in_view_while_the_drawing_is_read(browser: Any, page_file: Path) -> None:
    """Scrolled down to the drawing on a laptop screen, the buttons, the step's arithmetic, the whole drawing
    and its two highlighted boxes are all on screen together."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    for _ in range(4):
        page.click("#step-next")
    page.evaluate("document.getElementById('expr-graph').scrollIntoView({block: 'end'})")
    seen = page.evaluate("""() => {
        const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return {next: box(document.getElementById('step-next')), product: box(document.getElementById('step-product')),
                figure: box(document.getElementById('expr-graph')),
                node: box(document.querySelector('#expr-graph g.node.hl-node')),
                parent: box(document.querySelector('#expr-graph g.node.hl-parent'))};
    }""")
    screen = [0.0, 0.0, 1280.0, 720.0]
    for key in ("next", "product", "figure", "node", "parent"):
        assert _inside(seen[key], screen), f"{key} is off screen: {seen}"
    assert seen["product"][3] <= seen["figure"][1], f"the controls cover the drawing: {seen}"
    assert page.text_content("#step-product").startswith("∂L/∂h · ∂h/∂z = ")  # step 4, by hand: h → z
    page.close()


def test_grad_steps_page_counts_steps_as_the_report_does(browser: Any, tmp_path: Path) -> None:
    """``autonode grad … --steps``'s page: start, then step k of n, each frame titled in the caption's notation."""
    import viz
    from autonode import Value

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    product = a * b
    product.label = "a*b"  # as the grad command's parser labels it
    page_path = viz.write_backward_steps(product + b, tmp_path / "steps")[-1]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_path.as_uri())
    page.wait_for_load_state("load")
    assert page.text_content("#counter") == "start (step 0 of 4)"
    first = page.get_attribute("#image", "src")
    page.click("#next")
    assert page.text_content("#counter") == "step 1 of 4"
    assert page.get_attribute("#image", "src") != first
    # out = a·b + b: step 1 hands ∂out/∂out = 1 to a·b through the local derivative 1
    assert page.text_content("#caption").startswith("∂out/∂out · ∂out/∂(a*b) = 1 · 1 = 1")
    page.close()


def test_chart_labels_stay_inside_their_charts(browser: Any, page_file: Path) -> None:
    """Every title, tick, axis label and legend of the page's charts is drawn inside its chart, wide and narrow."""
    for width in (1400, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        outside = page.evaluate("""() => {
            const bad = [];
            for (const svg of document.querySelectorAll('svg')) {
                if (svg.closest('.figure.zoomable')) { continue; }  // drawings: checked by the fit test
                const r = svg.getBoundingClientRect();
                for (const t of svg.querySelectorAll('text')) {
                    const q = t.getBoundingClientRect();
                    if (q.width && (q.left < r.left - 1 || q.right > r.right + 1 || q.top < r.top - 1
                                    || q.bottom > r.bottom + 1)) { bad.push(t.textContent); }
                }
            }
            return bad;
        }""")
        assert outside == [], f"at {width} px: {outside}"
        page.close()
