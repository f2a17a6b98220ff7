"""The model file format: its JSON documents, bounded reading and field-by-field validation.

A network document (format ``autonode-mlp``, version 1)::

    {"format": "autonode-mlp", "version": 1,
     "sizes": [64, 30, 10], "activations": ["sigmoid", "sigmoid"],
     "layers": [{"W": [[...], ...], "b": [...]}, ...]}

An ``autonode-estimator`` document holds a fitted estimator's options and a
network part like the above (:mod:`nets.estimator_file`). Reading opens only
regular files of at most :data:`MAX_BYTES`, and :func:`read_document` /
:func:`parse_network` check every field, raising :class:`ModelFileError`
naming the file and the field. Writing files is :mod:`nets.io`'s.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass
from typing import Any

import numpy as np

from nets.activations import OUTPUT_ACTIVATIONS, check_activations
from nets.engines import make_engine
from nets.network_checks import check_weights
from nets.types import Network, Weights

FORMAT = "autonode-mlp"
ESTIMATOR_FORMAT = "autonode-estimator"
VERSION = 1
MAX_BYTES = 256 * 2**20  # 256 MiB; a 784-1024-1024-10 network (1.9 M weights) takes about 40 MB
MAX_BYTES_VARIABLE = "AUTONODE_MAX_MODEL_BYTES"
HEADER = b'{"format": "autonode-'  # how every model file begins (as written by nets.io.save)


class ModelFileError(ValueError):
    """A model file that cannot be read or fails validation; the message names the file and the field."""


@dataclass
class Model:
    """What a network file holds."""

    sizes: list[int]
    activations: list[str]
    weights: Weights

    def to_network(self, engine: str = "vector") -> Network:
        """A network of engine ``engine`` with these weights."""
        return make_engine(engine, self.sizes, self.activations, self.weights)


def file_error(path: str | os.PathLike[str], problem: str) -> ModelFileError:
    return ModelFileError(f"model file {path}: {problem}")


def network_document(sizes: list[int], activations: list[str], weights: Weights) -> dict[str, Any]:
    """The JSON document of a network; ValueError naming the layer if the weights do not fit."""
    check_activations(activations, len(sizes) - 1)
    check_weights(weights, sizes, "save")
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": [int(s) for s in sizes],
        "activations": list(activations),
        "layers": [
            {"W": np.asarray(W, dtype=np.float64).tolist(), "b": np.asarray(b, dtype=np.float64).tolist()}
            for W, b in weights
        ],
    }


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _limit(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return int(max_bytes)
    text = os.environ.get(MAX_BYTES_VARIABLE)
    if not text:
        return MAX_BYTES
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{MAX_BYTES_VARIABLE}={text!r} must be a whole number of bytes") from None


def read_bounded(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (default :data:`MAX_BYTES`), checked before reading.

    Opened non-blocking, so a FIFO is refused instead of waiting for a writer; devices such
    as /dev/zero are refused instead of read forever.
    """
    limit = _limit(max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise file_error(path, "no such file") from None
    except OSError as error:
        raise file_error(path, f"cannot be opened ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise file_error(path, f"is {kind}, not a regular file; give the path of a saved model")
        too_big = (
            f"over the {limit:,}-byte limit for model files; if you trust this file, raise the limit with "
            f"nets.io.load(path, max_bytes=...) or the environment variable {MAX_BYTES_VARIABLE}"
        )
        if info.st_size > limit:
            raise file_error(path, f"is {info.st_size:,} bytes, {too_big}")
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while being read
                raise file_error(path, f"grew past {limit:,} bytes while being read, {too_big}")
    except OSError as error:
        raise file_error(path, f"cannot be read ({error.strerror})") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _reject_constant(token: str) -> float:
    raise ValueError(f"non-finite number {token} is not allowed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are distinct: with a key twice, which value counts would be a guess."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key[:40]!r} appears twice in one object; a model file names each field once")
        seen.add(key)
    return dict(pairs)


def _parse_int(text: str) -> int | float:
    """A JSON integer; one too long for Python's int() (4300 digits) is far past the largest float anyway: inf."""
    return int(text) if len(text) <= 4000 else math.inf


def read_document(path: str | os.PathLike[str], max_bytes: int | None = None) -> dict[str, Any]:
    """The parsed JSON object of a model file with a known format and version, or :class:`ModelFileError`."""
    data = read_bounded(path, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise file_error(path, f"is not UTF-8 text (byte {error.start}); it is not a model file") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        problem = f"is not valid JSON (truncated or corrupted?): {error.msg}, line {error.lineno}"
        raise file_error(path, problem) from None
    except RecursionError:
        raise file_error(path, "nests arrays or objects too deeply for a model file (one nests 5 levels)") from None
    except ValueError as error:
        raise file_error(path, str(error)) from None
    if not isinstance(doc, dict) or doc.get("format") not in (FORMAT, ESTIMATOR_FORMAT):
        raise file_error(path, f"is not an {FORMAT} or {ESTIMATOR_FORMAT} file (missing or wrong 'format')")
    version = doc.get("version")
    if type(version) is not int:
        raise file_error(path, f"'version' must be an integer, got {_json_kind(version)}")
    if version != VERSION:
        raise file_error(path, f"has format version {version}; this autonode reads version {VERSION}")
    return doc


def _json_kind(value: Any) -> str:
    """How a parsed JSON value reads in an error message."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "…"
        return f"the string {shown!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return "an array" if isinstance(value, list) else "an object"


def _is_number(value: Any) -> bool:
    return type(value) is float or type(value) is int  # bool is a subclass of int: excluded on purpose


def check_numbers(path: str | os.PathLike[str], value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``value`` (parsed JSON) as a float64 array of ``shape`` whose entries are finite JSON numbers."""
    rows = [value] if len(shape) == 1 else value
    expected = f"{what} must have shape {shape} (from the sizes)"
    if not isinstance(rows, list):
        raise file_error(path, f"{expected}, got {_json_kind(value)}")
    if len(rows) != shape[0] and len(shape) == 2:
        raise file_error(path, f"{expected}, got {len(rows)} rows")
    for i, row in enumerate(rows):
        where = what if len(shape) == 1 else f"{what}[{i}]"
        if not isinstance(row, list):
            raise file_error(path, f"{expected}, but {where} is {_json_kind(row)}")
        if len(row) != shape[-1]:
            raise file_error(path, f"{expected}, but {where} has {len(row)} entries")
        if not set(map(type, row)) <= {float, int}:
            j = next(j for j, x in enumerate(row) if not _is_number(x))
            raise file_error(path, f"{where}[{j}] is {_json_kind(row[j])}, expected a JSON number")
    try:
        array = np.array(value, dtype=np.float64)
    except OverflowError:
        raise file_error(path, f"{what} holds an integer too large for a float") from None
    if not np.all(np.isfinite(array)):
        raise file_error(path, f"{what} contains a number too large for a float (infinity)")
    return array


def parse_network(path: str | os.PathLike[str], doc: Any, where: str = "") -> Model:
    """The :class:`Model` in a parsed network document; ``where`` prefixes field names (e.g. ``network.``)."""
    if not isinstance(doc, dict):
        raise file_error(path, f"'{where.rstrip('.')}' must be an object, got {_json_kind(doc)}")
    for key in ("sizes", "activations", "layers"):
        if not isinstance(doc.get(key), list):
            raise file_error(path, f"'{where}{key}' is missing or not a list")
    sizes = doc["sizes"]
    shown = json.dumps(sizes) if len(sizes) <= 20 else f"a list of {len(sizes)}"
    if len(sizes) < 2 or not all(type(s) is int and s >= 1 for s in sizes):
        raise file_error(path, f"'{where}sizes' must list at least two positive integers, got {shown}")
    if not all(isinstance(a, str) for a in doc["activations"]):
        raise file_error(path, f"'{where}activations' must be a list of names (strings)")
    try:
        activations = check_activations(doc["activations"], len(sizes) - 1)
    except (ValueError, TypeError) as error:
        raise file_error(path, f"'{where}activations': {error} (known: {', '.join(OUTPUT_ACTIVATIONS)})") from None
    layers = doc["layers"]
    if len(layers) != len(sizes) - 1:
        raise file_error(path, f"'{where}layers' has {len(layers)} layers but sizes {shown} need {len(sizes) - 1}")
    weights: Weights = []
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict) or "W" not in layer or "b" not in layer:
            raise file_error(path, f"{where}layers[{k}] must be an object with 'W' and 'b'")
        W = check_numbers(path, layer["W"], (sizes[k + 1], sizes[k]), f"{where}layers[{k}].W")
        b = check_numbers(path, layer["b"], (sizes[k + 1],), f"{where}layers[{k}].b")
        weights.append((W, b))
    return Model(list(sizes), activations, weights)


