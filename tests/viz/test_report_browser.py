"""The report in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright's Python package.

Opens ``autonode demo --quick``'s page from disk, steps through the backward pass
with next/previous and the slider, and checks the highlighted node and the shown
chain-rule product against hand maths; the console must stay free of errors and
the page must request nothing from the network. No browser is downloaded: Playwright
is pointed at ``/usr/bin/chromium``. Without it the test fails when AUTONODE_CI is set
(CI installs it) and is skipped otherwise.
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
        };
    }""")
    return state


def _check_step(state: dict[str, Any], number: int) -> None:
    node, parent, upstream, local = _hand_steps()[number - 1]
    assert state["step"] == str(number) and state["slider"] == str(number)
    shown = [float(v) for v in re.findall(NUMBER, state["product"].replace("\u2212", "-"))]
    assert len(shown) == 3, state["product"]
    assert shown[0] == pytest.approx(upstream, rel=1e-5)
    assert shown[1] == pytest.approx(local, rel=1e-5)
    assert shown[2] == pytest.approx(upstream * local, rel=1e-5)
    assert "×" in state["product"] and "=" in state["product"]
    assert state["explain"].startswith("[") and f"] {node} → {parent}" in state["explain"]
    # the highlighted boxes are the node processed (with its op ellipse) and the input receiving the gradient
    assert len(state["node"]) == 2 and any(t.endswith("_op") for t in state["node"])
    assert len(state["parent"]) == 1 and len(state["edge"]) == 1
    assert any(text.startswith(node + " ") for text in state["nodeText"]), state["nodeText"]
    assert state["parentText"][0].startswith(parent + " "), state["parentText"]
    assert state["current"] == [number]


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
    _check_step(state, 1)
    assert state["prevDisabled"] and not state["nextDisabled"]

    seen_nodes, seen_products = {tuple(state["node"])}, {state["product"]}
    for number in range(2, total + 1):
        page.click("#step-next")
        state = _state(page)
        _check_step(state, number)
        seen_nodes.add(tuple(state["node"]))
        seen_products.add(state["product"])
    assert state["nextDisabled"] and not state["prevDisabled"]
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
    assert [s[0] for s in sections] == ["walkthrough", "expression", "network", "engines", "digits", "environment"]
    assert all(status == "ok" for _, status in sections)
    assert problems == []
    page.close()
