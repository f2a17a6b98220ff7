"""Save and load a network as a JSON model file: no pickle, atomic write, full validation.

File layout (format version 1)::

    {"format": "autonode-mlp", "version": 1,
     "sizes": [64, 30, 10], "activations": ["sigmoid", "sigmoid"],
     "layers": [{"W": [[...], ...], "b": [...]}, ...]}

Numbers are written with Python's shortest round-trip repr, so a float64
round trip is exact. Saving writes a temporary file next to the target and
renames it over (``os.replace``): a reader never sees half a file. Loading
checks the format name, version, sizes, activations, every shape and that every
number is finite, and raises :class:`ModelFileError` naming the file and what is
wrong; nothing is returned unless everything checks.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nets.types import Network, Weights

FORMAT = "autonode-mlp"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be read or fails validation; the message names the file and the problem."""


@dataclass
class Model:
    """What a model file holds."""

    sizes: list[int]
    activations: list[str]
    weights: Weights

    def to_network(self, engine: str = "vector") -> Network:
        """A network of engine ``engine`` with these weights."""
        from nets.engines import make_engine

        return make_engine(engine, self.sizes, self.activations, self.weights)


def _document(sizes: list[int], activations: list[str], weights: Weights) -> dict[str, Any]:
    from nets.activations import check_activations
    from nets.network_checks import check_weights

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


def save(path: str | os.PathLike[str], net: Network | Model) -> Path:
    """Write ``net`` (sizes, activations, weights) to ``path`` atomically; returns the path."""
    target = Path(path)
    weights = net.weights if isinstance(net, Model) else net.get_weights()
    text = json.dumps(_document(list(net.sizes), list(net.activations), weights), allow_nan=False)
    directory = target.parent if str(target.parent) else Path(".")
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return target


def _fail(path: Path, problem: str) -> ModelFileError:
    return ModelFileError(f"model file {path}: {problem}")


def _matrix(path: Path, value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(path, f"{what} is not an array of numbers") from None
    if array.shape != shape:
        raise _fail(path, f"{what} has shape {array.shape}, expected {shape} from the sizes")
    if not np.all(np.isfinite(array)):
        raise _fail(path, f"{what} contains NaN or infinity")
    return array


def _reject_constant(token: str) -> float:
    raise ValueError(f"non-finite number {token} is not allowed")


def load(path: str | os.PathLike[str]) -> Model:
    """Read and validate a model file; :class:`ModelFileError` names what is wrong."""
    from nets.activations import OUTPUT_ACTIVATIONS, check_activations

    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(source, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(source, f"cannot be read ({error})") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _fail(source, f"is not valid JSON (truncated or corrupted?): {error.msg}, line {error.lineno}") from None
    except ValueError as error:
        raise _fail(source, str(error)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _fail(source, f"is not an {FORMAT} file (missing or wrong 'format')")
    version = doc.get("version")
    if version != VERSION:
        raise _fail(source, f"has format version {version!r}; this autonode reads version {VERSION}")
    for key in ("sizes", "activations", "layers"):
        if not isinstance(doc.get(key), list):
            raise _fail(source, f"'{key}' is missing or not a list")
    sizes = doc["sizes"]
    if len(sizes) < 2 or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes):
        raise _fail(source, f"'sizes' must list at least two positive integers, got {sizes!r}")
    try:
        activations = check_activations(doc["activations"], len(sizes) - 1)
    except (ValueError, TypeError) as error:
        raise _fail(source, f"'activations': {error} (known: {', '.join(OUTPUT_ACTIVATIONS)})") from None
    layers = doc["layers"]
    if len(layers) != len(sizes) - 1:
        raise _fail(source, f"has {len(layers)} layers but sizes {sizes} need {len(sizes) - 1}")
    weights: Weights = []
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict) or "W" not in layer or "b" not in layer:
            raise _fail(source, f"layers[{k}] must be an object with 'W' and 'b'")
        W = _matrix(source, layer["W"], (sizes[k + 1], sizes[k]), f"layers[{k}].W")
        b = _matrix(source, layer["b"], (sizes[k + 1],), f"layers[{k}].b")
        weights.append((W, b))
    return Model(list(sizes), activations, weights)
