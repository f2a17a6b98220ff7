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
    # a·a·…·a (60 factors): a, 59 products and their ops; a feeds every product, so the fast layout is on
    product = cases["a*a*…*a, 60 factors, edge labels (grad --svg)"]
    assert product["values"] == 60 and product["drawn_nodes"] == 1 + 2 * 59 and product["fast_layout"]
    # a+a+…+a (150 terms): 299 frames of 1 + 2·149 = 299 drawn nodes, 89,401 in all: refused before any layout
    frames = cases["a+a+…+a, 150 terms, backward frames (--steps)"]
    assert frames["drawn_nodes"] == 299 and all(r["refused"] for r in frames["renders"])
    for row in results["cases"]:
        assert len(row["renders"]) == len(results["renderers"])
        assert all((r["svg_bytes"] > 0) != r["refused"] and r["seconds"] >= 0 for r in row["renders"])


def test_bench_render_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "render", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "collapse='neuron'" in out and ("graphviz-pure" in out or " dot" in out)
