"""``autonode train`` and ``autonode compare`` end to end (small, fast settings)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from nets.datasets import load as load_dataset
from nets.io import load
from viz.cli.main import main


def test_train_vector_modern_on_moons(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "moons.json"
    code = main(["train", "--engine", "vector", "--dataset", "moons", "--recipe", "modern", "--epochs", "20",
                 "--quiet", "--save", str(model)])
    out = capsys.readouterr().out
    assert code == 0 and "accuracy: train" in out and "network 2-64-2" in out
    test_accuracy = float(out.split("test ")[-1].split(" %")[0])
    assert test_accuracy > 90.0
    assert load(model).sizes == [2, 64, 2]


def test_train_scalar_engine_reports_progress_and_accuracy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The printed accuracies are those of the saved weights, recomputed by a plain numpy forward pass."""
    model = tmp_path / "xor.json"
    code = main(["train", "--engine", "scalar-fused", "--dataset", "xor", "--recipe", "modern", "--epochs", "2",
                 "--hidden", "4", "--samples", "40", "--save", str(model)])
    out = capsys.readouterr().out
    assert code == 0 and "expect it to be slow" in out
    printed = re.search(r"accuracy: train ([0-9.]+) %, test ([0-9.]+) %", out)
    assert printed is not None
    data = load_dataset("xor", seed=0, n_samples=40)
    weights = load(model).weights
    for X, y, shown in ((data.X_train, data.Y_train, printed[1]), (data.X_test, data.Y_test, printed[2])):
        h = X
        for W, b in weights[:-1]:
            h = np.maximum(W @ h.T + b[:, None], 0.0).T  # relu hidden layers
        W, b = weights[-1]
        logits = h @ W.T + b  # softmax keeps the argmax of the logits
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        assert float(shown) == pytest.approx(100 * np.mean(logits.argmax(axis=1) == labels), abs=0.005)


def test_train_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--lr", "-1", "--epochs", "1", "--quiet"]) == 2  # a bad setting, like any bad option
    assert "lr" in capsys.readouterr().err


def test_train_refuses_to_save_over_a_file_it_did_not_write_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    assert main(["train", "--epochs", "1", "--quiet", "--save", str(notes)]) == 2
    captured = capsys.readouterr()
    assert "final loss" not in captured.out  # refused before any training
    assert "--save" in captured.err and "not an autonode model file" in captured.err
    assert notes.read_text() == "mine"


def test_compare_table_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("micrograd.engine")  # the table's micrograd row is checked too (the bench extra)
    path = tmp_path / "figures.json"
    code = main(["compare", "--quick", "--no-bench", "--hidden", "5", "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and "max|Δ| grad" in out
    figures = json.loads(path.read_text())
    rows = {r["engine"]: r for r in figures["engines"]}
    assert set(rows) == {"scalar", "scalar-fused", "looped", "vector", "micrograd", "pytorch", "jax"}
    for row in rows.values():
        if row["engine"] == "jax" and row["max_output_diff"] is None:  # JAX is an optional extra
            assert "not installed" in row["note"]
            continue
        assert row["max_output_diff"] < 1e-12 and row["max_gradient_diff"] < 1e-12, row
    assert [p.name for p in tmp_path.iterdir()] == ["figures.json"]


def test_compare_explains_why_micrograd_sits_out(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", "--quick", "--no-bench", "--hidden", "3", "--activation", "sigmoid", "--output", "softmax",
                 "--loss", "softmax_cross_entropy", "--engines", "vector", "looped", "micrograd"])
    out = capsys.readouterr().out
    assert code == 0 and "relu hidden layers and a linear output only" in out
