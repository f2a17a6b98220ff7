"""``autonode draw``: networks from sizes or a model file, expressions with frames, figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.svg_helpers import parse_svg, record_values
from viz.cli.main import main
from viz.outdir import MANIFEST


def test_draw_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net.svg"
    assert main(["draw", "--sizes", "4,3,2", "--seed", "1", "-o", str(out)]) == 0
    assert "renderer: " in capsys.readouterr().out
    nodes, edges, _ = parse_svg(out)
    assert len(nodes) == 4 + 3 + 2 + 2 and len(edges) == 4 * 3 + 3 + 3 * 2 + 2


def test_draw_model_file(tmp_path: Path) -> None:
    io = pytest.importorskip("nets.io")
    weights = [(np.array([[0.5, -1.0]]), np.array([0.25]))]
    model = io.Model([2, 1], ["sigmoid"], weights)
    io.save(tmp_path / "m.json", model)
    out = tmp_path / "m.svg"
    assert main(["draw", "--model", str(tmp_path / "m.json"), "-o", str(out)]) == 0
    _, edges, _ = parse_svg(out)
    assert sorted(float(e.texts[0]) for e in edges) == [-1.0, 0.25, 0.5]


def test_draw_expression_with_steps(tmp_path: Path) -> None:
    out, steps = tmp_path / "g.svg", tmp_path / "steps"
    assert main(["draw", "--expr", "a*b + b", "--at", "a=2,b=-3", "-o", str(out), "--steps", str(steps)]) == 0
    nodes, _, _ = parse_svg(out)
    records = {record_values(n)[0]: record_values(n)[1:] for n in nodes.values() if len(n.texts) == 3}
    assert records["a"] == (2.0, -3.0) and records["b"] == (-3.0, 3.0)  # ∂/∂a = b, ∂/∂b = a + 1
    assert records["a*b + b"] == (-9.0, 1.0)  # the parser labels each node with its sub-expression
    assert records["a*b"] == (-6.0, 1.0)
    assert sorted(p.name for p in steps.iterdir()) == [MANIFEST, "index.html"] + [f"step_00{k}.svg" for k in range(5)]


def test_draw_figures_and_history(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    assert main(["draw", "--figures", str(tmp_path / "figs")]) == 0
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [MANIFEST, "sigmoid_biases.svg",
                                                                      "sigmoid_weights.svg"]
    (tmp_path / "h.json").write_text(json.dumps({"train": [1.0, 0.5]}))
    assert main(["draw", "--history", str(tmp_path / "h.json"), "-o", str(tmp_path / "loss.svg")]) == 0
    assert (tmp_path / "loss.svg").stat().st_size > 0


@pytest.mark.parametrize("text, message", [
    ('{"a": [1, 2], "b": "x"}', "series 'b' is not a list of numbers"),
    ('{"a": [1, 2], "b": [0.5, "x"]}', "series 'b' item 1 is \"x\", not a number"),
    ("[true, false]", "item 0 is true, not a number"),
    ('{"a": [1], "a": [2]}', "the key 'a' appears twice"),
    ("[1, NaN]", "item 1 is nan, not a finite number"),
    ("[1, 1e400]", "item 1 is inf, not a finite number"),
    ('[{"loss": 1, "epoch": 1}, {"loss": null}]', "series 'loss' in row 1 is null, not a number"),
    ("5", "a loss history is a list of numbers"),
])
def test_a_history_that_is_not_lists_of_finite_numbers_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    (tmp_path / "h.json").write_text(text)
    assert main(["draw", "--history", str(tmp_path / "h.json"), "-o", str(tmp_path / "loss.svg")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "loss.svg").exists()


def test_draw_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "--sizes", "3,x", "-o", str(tmp_path / "x.svg")]) == 2
    assert "--sizes" in capsys.readouterr().err
    assert main(["draw", "--model", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.svg")]) == 1
    assert "missing.json" in capsys.readouterr().err
    assert main(["draw", "--expr", "a*b", "--at", "a=1", "-o", str(tmp_path / "x.svg")]) == 2
    assert "no value given for b" in capsys.readouterr().err
    assert main(["draw", "--sizes", "3,2"]) == 2
    assert "--sizes needs -o FILE.svg" in capsys.readouterr().err
    assert not (tmp_path / "x.svg").exists()
