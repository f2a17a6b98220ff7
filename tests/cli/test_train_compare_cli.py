"""``autonode train`` and ``autonode compare`` end to end (small, fast settings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viz.cli.main import main


def test_train_vector_modern_on_moons(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "moons.json"
    code = main(["train", "--engine", "vector", "--dataset", "moons", "--recipe", "modern", "--epochs", "20",
                 "--quiet", "--save", str(model)])
    out = capsys.readouterr().out
    assert code == 0 and "accuracy: train" in out and "network 2-64-2" in out
    test_accuracy = float(out.split("test ")[-1].split(" %")[0])
    assert test_accuracy > 90.0
    from nets.io import load

    assert load(model).sizes == [2, 64, 2]


def test_train_scalar_engine_reports_progress_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "--engine", "scalar-fused", "--dataset", "xor", "--recipe", "modern", "--epochs", "2",
                 "--hidden", "4", "--samples", "40"])
    captured = capsys.readouterr()
    assert code == 0 and "expect it to be slow" in captured.out and "accuracy: train" in captured.out


def test_train_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--lr", "-1", "--epochs", "1", "--quiet"]) == 2  # a bad setting, like any bad option
    assert "lr" in capsys.readouterr().err


def test_compare_table_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path = tmp_path / "figures.json"
    code = main(["compare", "--quick", "--no-bench", "--hidden", "5", "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and "max|Δ| grad" in out
    figures = json.loads(path.read_text())
    rows = {r["engine"]: r for r in figures["engines"]}
    assert set(rows) == {"scalar", "scalar-fused", "looped", "vector", "micrograd", "pytorch"}
    for row in rows.values():
        assert row["max_output_diff"] < 1e-12 and row["max_gradient_diff"] < 1e-12, row
    assert [p.name for p in tmp_path.iterdir()] == ["figures.json"]


def test_compare_explains_why_micrograd_sits_out(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", "--quick", "--no-bench", "--hidden", "3", "--activation", "sigmoid", "--output", "softmax",
                 "--loss", "softmax_cross_entropy", "--engines", "vector", "looped", "micrograd"])
    out = capsys.readouterr().out
    assert code == 0 and "relu hidden layers and a linear output only" in out
