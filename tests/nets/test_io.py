"""Model files: exact round trip, strict validation, bounded reads, clear errors naming file and field."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

import nets.io as nets_io
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
        (lambda d: d.update(format="other"), "not an autonode-mlp or autonode-estimator file"),
        (lambda d: d["layers"][1].update(W=[[1.0, 2.0]]), r"layers\[1\].W must have shape \(2, 3\).*got 1 rows"),
        (lambda d: d["layers"][1]["W"][1].pop(), r"layers\[1\].W must have shape \(2, 3\).*W\[1\] has 2 entries"),
        (lambda d: d["layers"][0].update(b=[1.0, "x", 2.0]), r"layers\[0\].b\[1\] is the string 'x', expected a JSON"),
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


# ------------------------------------------------------------ strict types --
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["layers"][0]["W"][2].__setitem__(1, "1.0"), r"layers\[0\].W\[2\]\[1\] is the string '1.0'"),
        (lambda d: d["layers"][0]["W"][0].__setitem__(3, True), r"layers\[0\].W\[0\]\[3\] is the boolean true"),
        (lambda d: d["layers"][1]["b"].__setitem__(0, None), r"layers\[1\].b\[0\] is null, expected a JSON number"),
        (lambda d: d["layers"][1]["b"].__setitem__(1, [0.5]), r"layers\[1\].b\[1\] is an array"),
        (lambda d: d["layers"][0].update(W="[[1.0]]"), r"layers\[0\].W must have shape \(3, 4\).*got the string"),
        (lambda d: d.update(version=True), "'version' must be an integer, got the boolean true"),
        (lambda d: d.update(version=1.0), "'version' must be an integer, got the number 1.0"),
        (lambda d: d.update(version="1"), "'version' must be an integer, got the string '1'"),
        (lambda d: d.update(sizes=[4, True, 2]), r"'sizes' must list at least two positive integers, got \[4, true"),
        (lambda d: d.update(sizes=[4.0, 3, 2]), r"'sizes' must list at least two positive integers"),
        (lambda d: d.update(activations=["tanh", 7]), "'activations' must be a list of names"),
    ],
)
def test_numbers_must_be_json_numbers_and_versions_integers(
    tmp_path: Path, net: VectorMLP, change: object, message: str
) -> None:
    path = _write(tmp_path, net, change)
    with pytest.raises(ModelFileError, match=message) as caught:
        load(path)
    assert str(path) in str(caught.value)


def test_integers_are_numbers_and_huge_ones_are_refused(tmp_path: Path, net: VectorMLP) -> None:
    path = _write(tmp_path, net, lambda d: d["layers"][1]["b"].__setitem__(0, 3))
    assert load(path).weights[1][1][0] == 3.0
    path.write_text(path.read_text().replace('"b": [3,', '"b": [' + "9" * 400 + ",", 1))
    with pytest.raises(ModelFileError, match=r"layers\[1\].b holds an integer too large"):
        load(path)
    path.write_text(path.read_text().replace("9" * 400, "1e400", 1))
    with pytest.raises(ModelFileError, match=r"layers\[1\].b contains a number too large"):
        load(path)


def test_a_key_given_twice_is_refused_not_guessed(tmp_path: Path, net: VectorMLP) -> None:
    path = save(tmp_path / "m.json", net)
    text = path.read_text()
    path.write_text(text[:-1] + ', "sizes": [4, 3, 2]}')  # the same sizes again: still ambiguous, still refused
    with pytest.raises(ModelFileError, match=r"m.json: the key 'sizes' appears twice"):
        load(path)
    path.write_text(text.replace('"b": [', '"b": [0, 0], "b": [', 1))
    with pytest.raises(ModelFileError, match=r"the key 'b' appears twice"):
        load(path)


def test_an_integer_too_long_for_python_is_too_large_for_a_float(tmp_path: Path, net: VectorMLP) -> None:
    """5000 digits: past Python's int() limit; the message names the field, not sys.set_int_max_str_digits."""
    path = _write(tmp_path, net, lambda d: d["layers"][1]["b"].__setitem__(0, 3))
    path.write_text(path.read_text().replace('"b": [3,', '"b": [' + "9" * 5000 + ",", 1))
    with pytest.raises(ModelFileError, match=r"layers\[1\].b contains a number too large for a float") as caught:
        load(path)
    assert "set_int_max_str_digits" not in str(caught.value)


def test_a_long_sizes_list_is_not_echoed(tmp_path: Path, net: VectorMLP) -> None:
    path = _write(tmp_path, net, lambda d: d.update(sizes=[1] * 100_000, activations=["tanh"] * 99_999, layers=[]))
    with pytest.raises(ModelFileError, match="0 layers but sizes a list of 100000 need 99999") as caught:
        load(path)
    assert len(str(caught.value)) < 300


# ----------------------------------------------------------- bounded reads --
def test_deeply_nested_json_is_a_model_file_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFileError, match=r"deep.json: nests arrays or objects too deeply"):
        load(path)
    path.write_text('{"format": "autonode-mlp", "version": 1, "sizes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ModelFileError, match=r"deep.json: nests"):
        load(path)


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=r"pipe.json: is a named pipe \(FIFO\), not a regular file"):
        load(fifo)  # without a writer, a blocking open would wait forever
    assert time.perf_counter() - start < 5


def test_devices_and_directories_are_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="/dev/zero: is a character device, not a regular file"):
        load("/dev/zero")
    with pytest.raises(ModelFileError, match="is a directory, not a regular file"):
        load(tmp_path)


def test_files_over_the_size_cap_are_refused_before_reading(
    tmp_path: Path, net: VectorMLP, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save(tmp_path / "m.json", net)
    size = path.stat().st_size
    with pytest.raises(ModelFileError, match=rf"is {size:,} bytes, over the {size - 1:,}-byte limit.*max_bytes="):
        load(path, max_bytes=size - 1)
    assert load(path, max_bytes=size).sizes == [4, 3, 2]
    monkeypatch.setenv("AUTONODE_MAX_MODEL_BYTES", str(size - 1))
    with pytest.raises(ModelFileError, match="AUTONODE_MAX_MODEL_BYTES"):
        load(path)
    # a sparse file far over the default cap: refused from its size alone, nothing read
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as stream:
        stream.truncate(nets_io.MAX_BYTES + 1)
    monkeypatch.delenv("AUTONODE_MAX_MODEL_BYTES")
    with pytest.raises(ModelFileError, match=rf"huge.json: is {nets_io.MAX_BYTES + 1:,} bytes, over the 268,435,456"):
        load(huge)
