"""Model files: exact round trip, atomic writes, clear errors, never half-loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nets.io import ModelFileError, load, save
from nets.vector import VectorMLP


@pytest.fixture
def net() -> VectorMLP:
    return VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=3)


def test_round_trip_is_exact(tmp_path: Path, net: VectorMLP) -> None:
    path = save(tmp_path / "model.json", net)
    model = load(path)
    assert model.sizes == [4, 3, 2] and model.activations == ["tanh", "softmax"]
    for (W, b), (W0, b0) in zip(model.weights, net.get_weights(), strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    X = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_array_equal(model.to_network("vector").predict_output(X), net.predict_output(X))
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary left behind


def test_file_is_json_without_pickle(tmp_path: Path, net: VectorMLP) -> None:
    doc = json.loads(save(tmp_path / "m.json", net).read_text())
    assert doc["format"] == "autonode-mlp" and doc["version"] == 1 and len(doc["layers"]) == 2


def _write(tmp_path: Path, net: VectorMLP, change: object) -> Path:
    path = save(tmp_path / "m.json", net)
    doc = json.loads(path.read_text())
    change(doc)  # type: ignore[operator]
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d.update(format="other"), "not an autonode-mlp file"),
        (lambda d: d["layers"][1].update(W=[[1.0, 2.0]]), r"layers\[1\].W has shape \(1, 2\), expected \(2, 3\)"),
        (lambda d: d["layers"][0].update(b=[1.0, "x", 2.0]), r"layers\[0\].b is not an array of numbers"),
        (lambda d: d.update(activations=["tanh", "swish"]), "swish"),
        (lambda d: d.update(sizes=[4, 3]), "need one per weight layer"),
        (lambda d: d["layers"].pop(), "1 layers but sizes"),
        (lambda d: d.pop("layers"), "'layers' is missing"),
    ],
)
def test_mismatched_files_name_the_problem(tmp_path: Path, net: VectorMLP, change: object, message: str) -> None:
    with pytest.raises(ModelFileError, match=message):
        load(_write(tmp_path, net, change))


def test_truncated_corrupted_missing_and_non_finite(tmp_path: Path, net: VectorMLP) -> None:
    path = save(tmp_path / "m.json", net)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load(path)
    path.write_text(text.replace("[[", "[[NaN, ", 1))
    with pytest.raises(ModelFileError, match="NaN"):
        load(path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ModelFileError, match="m.json"):
        load(path)
    with pytest.raises(ModelFileError, match="no such file"):
        load(tmp_path / "absent.json")


def test_failed_save_leaves_the_old_file(tmp_path: Path, net: VectorMLP) -> None:
    path = save(tmp_path / "m.json", net)
    before = path.read_text()
    bad = VectorMLP([4, 3, 2], ["tanh", "softmax"], rng=3)
    bad.W[0][0, 0] = np.inf
    with pytest.raises(ValueError, match=r"W\[0\]"):
        save(path, bad)
    assert path.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["m.json"]
