"""Jupyter: a small notebook executed by nbclient; a Value shows as its drawn graph, networks as their diagram.

The displays come from :mod:`viz.notebook` (registered by ``import viz`` inside the kernel). The
SVG each cell returns is read back: the records' data and grad against hand maths, the
neurons of the diagram counted; a graph over the node limit falls back to the text repr.
"""

from __future__ import annotations

import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "import viz\nfrom autonode import Value\nfrom nets import MLP, VectorMLP",
    # L = (a·b + c)·f at a=2, b=-3, c=10, f=-2: L = -8, ∂L/∂a = b·f = 6, ∂L/∂b = a·f = -4
    "a, b, c, f = (Value(v, label=n) for v, n in ((2.0, 'a'), (-3.0, 'b'), (10.0, 'c'), (-2.0, 'f')))\n"
    "L = (a * b + c) * f\nL.label = 'L'\nL.backward()\nL",
    "VectorMLP([3, 4, 2], ['sigmoid', 'sigmoid'])",
    "MLP(3, [4, 2])",
    "big = Value(0.0)\nfor k in range(600):\n    big = big + k\nbig",
    # after backward(create_graph=True) every grad is a Value: y = x³ at x = 3, ∂y/∂x = 3·3² = 27
    "x = Value(3.0, label='x')\ny = x ** 3\ny.label = 'y'\ny.backward(create_graph=True)\ny",
    # a real training run's History drawn by viz.plots (a plain matplotlib Figure, no pyplot)
    "import numpy as np\nfrom nets.train import train\nfrom viz.plots import loss_figure\n"
    "rng = np.random.default_rng(0)\nX = rng.normal(size=(40, 2))\nY = (X[:, :1] * X[:, 1:] > 0).astype(float)\n"
    "history = train(VectorMLP([2, 4, 1], ['tanh', 'sigmoid']), X, Y, loss='half_sse', lr=0.5, epochs=5, rng=0)\n"
    "print(len(history.loss), history.loss[0] > history.loss[-1])\nloss_figure(history, title='five epochs')",
    # a progress bar asked for: the text bar on stderr when ipywidgets is missing, the widget bar when present
    "import importlib.util\nprint('widgets:', importlib.util.find_spec('ipywidgets') is not None)\n"
    "history = train(VectorMLP([2, 4, 1], ['tanh', 'sigmoid']), X, Y, loss='half_sse', lr=0.5, epochs=3, rng=0, "
    "progress=True, desc='bar run')",
]


@pytest.fixture(scope="module")
def outputs() -> list[list[dict[str, object]]]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3")
    client.execute()
    return [cell.outputs for cell in notebook.cells]


def _svg(cell_outputs: list[dict[str, object]]) -> str:
    data = [o["data"] for o in cell_outputs if o.get("output_type") == "execute_result"]
    assert len(data) == 1, cell_outputs
    svg = data[0].get("image/svg+xml")  # type: ignore[attr-defined]
    assert svg, f"no SVG display, only {sorted(data[0])}"  # type: ignore[arg-type]
    return str(svg)


def test_a_value_displays_as_its_graph_with_data_and_grad(outputs: list[list[dict[str, object]]]) -> None:
    svg = _svg(outputs[1])
    texts = [t.replace("&#45;", "-") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    records = {texts[i]: (texts[i + 1], texts[i + 2]) for i in range(len(texts) - 2)
               if texts[i] in "abcfL" and texts[i + 1].startswith("data ")}
    assert records["L"] == ("data -8", "grad 1")
    assert records["a"] == ("data 2", "grad 6") and records["b"] == ("data -3", "grad -4")
    assert records["c"] == ("data 10", "grad -2") and records["f"] == ("data -2", "grad 4")  # ∂L/∂f = a·b + c


def test_networks_display_as_their_diagram(outputs: list[list[dict[str, object]]]) -> None:
    for cell in (outputs[2], outputs[3]):
        svg = _svg(cell)
        neurons = set(re.findall(r"<title>(L\d_N\d+)</title>", svg))
        assert len(neurons) == 3 + 4 + 2
        assert "3-4-2" in svg.replace("&#45;", "-")


def test_a_graph_over_the_node_limit_falls_back_to_text(outputs: list[list[dict[str, object]]]) -> None:
    data = [o["data"] for o in outputs[4] if o.get("output_type") == "execute_result"][0]
    assert "image/svg+xml" not in data  # type: ignore[operator]
    assert "Value(" in data["text/plain"]  # type: ignore[index]


def test_a_value_after_create_graph_shows_its_grads_by_number(outputs: list[list[dict[str, object]]]) -> None:
    texts = [t.replace("&#45;", "-") for t in re.findall(r"<text[^>]*>([^<]*)</text>", _svg(outputs[5]))]
    at = texts.index("x")
    assert texts[at + 1:at + 3] == ["data 3", "grad 27"]


def test_a_training_history_displays_as_its_loss_chart(outputs: list[list[dict[str, object]]]) -> None:
    printed = "".join(str(o.get("text", "")) for o in outputs[6] if o.get("output_type") == "stream"
                      and o.get("name") == "stdout")
    assert printed.split() == ["5", "True"]  # five epochs, the loss went down
    svg = _svg(outputs[6])
    assert "five epochs" in svg and "<path" in svg


def test_training_in_a_notebook_shows_a_progress_bar_without_a_widget_warning(
    outputs: list[list[dict[str, object]]],
) -> None:
    streams = {name: "".join(str(o.get("text", "")) for cell in outputs[6:] for o in cell
                             if o.get("output_type") == "stream" and o.get("name") == name)
               for name in ("stdout", "stderr")}
    assert "IProgress not found" not in streams["stderr"]
    if "widgets: False" in streams["stdout"]:
        assert "bar run" in streams["stderr"] and "3/3" in streams["stderr"]  # tqdm's text bar, finished
    else:  # the widget bar is a display, not text
        assert any(o.get("output_type") == "display_data" for o in outputs[7])
