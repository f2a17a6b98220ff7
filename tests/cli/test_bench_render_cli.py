"""``autonode bench render --quick`` prints its table; no timing is asserted (figures belong to the command)."""

from __future__ import annotations

import json

import pytest

from viz.cli.main import main


def test_bench_render_quick(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "render", "--quick", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in results["renderers"]} <= {"dot", "graphviz-pure"} and results["renderers"]
    cases = {row["graph"]: row for row in results["cases"]}
    chain = cases["chain y = y * c, 100 steps"]
    # x, then per step a constant leaf, the product and its op node
    assert chain["values"] == 1 + 2 * 100 and chain["drawn_nodes"] == 1 + 3 * 100
    reuse = cases["y = y + x, 50 steps (x reused at every depth)"]
    assert reuse["drawn_nodes"] == 1 + 2 * 50 and reuse["fast_layout"] and not chain["fast_layout"]
    for row in results["cases"]:
        assert len(row["renders"]) == len(results["renderers"])
        assert all(r["svg_bytes"] > 0 and r["seconds"] >= 0 for r in row["renders"])


def test_bench_render_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "render", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "collapse='neuron'" in out and ("graphviz-pure" in out or " dot" in out)
