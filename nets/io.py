"""Save and load networks and fitted estimators as JSON model files: no pickle, atomic writes, full validation.

A network file (format ``autonode-mlp``, version 1)::

    {"format": "autonode-mlp", "version": 1,
     "sizes": [64, 30, 10], "activations": ["sigmoid", "sigmoid"],
     "layers": [{"W": [[...], ...], "b": [...]}, ...]}

A fitted ``nets.MLPClassifier`` or ``nets.MLPRegressor`` is saved as an
``autonode-estimator`` file holding its options, classes, dtype and a network
part like the above (see :mod:`nets.estimator_file`); :func:`load_estimator`
gives the fitted estimator back, :func:`load` its network.

Numbers are written with Python's shortest round-trip repr, so a float64
round trip is exact. Saving replaces the file atomically through
:func:`nets.atomic_write.write_atomically` (permissions kept, symlinks followed,
no temporary file left behind) and refuses, with :class:`WriteTargetError` (an
OSError), a path it cannot write or a file that is not an autonode model file.
Loading opens only regular files of at most
:data:`MAX_BYTES` (raise it with ``max_bytes=`` or the environment variable
``AUTONODE_MAX_MODEL_BYTES``), checks the format name, version, sizes,
activations, every shape, that every number is a finite JSON number, and
raises :class:`ModelFileError` naming the file and the field; nothing is
returned unless everything checks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nets.atomic_write import WriteTargetError, resolve_target, write_atomically
from nets.model_format import (
    ESTIMATOR_FORMAT,
    FORMAT,
    HEADER,
    MAX_BYTES,
    MAX_BYTES_VARIABLE,
    VERSION,
    Model,
    ModelFileError,
    file_error,
    network_document,
    parse_network,
    read_bounded,
    read_document,
)

__all__ = [
    "ESTIMATOR_FORMAT", "FORMAT", "MAX_BYTES", "MAX_BYTES_VARIABLE", "VERSION", "Model", "ModelFileError",
    "WriteTargetError", "check_destination", "load", "load_estimator", "read_bounded", "save",
]


def _refuse(path: str | os.PathLike[str], problem: str) -> WriteTargetError:
    """A path that cannot take a model file: an OSError (like PermissionError), the message saying what to do."""
    return WriteTargetError(f"model file {path}: cannot be saved: {problem}")


# ------------------------------------------------------------------ writing --
def check_destination(path: str | os.PathLike[str]) -> Path:
    """The file a save to ``path`` would write, or :class:`WriteTargetError` (an OSError) saying why it cannot.

    Refused: a missing or read-only folder, a directory or device in the way, and an existing
    non-empty file that is not an autonode model file (it is not this program's to overwrite).
    Call it before long work whose result is to be saved.
    """
    try:
        target = resolve_target(path)
    except WriteTargetError as error:
        raise WriteTargetError(f"model file {error}") from None
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise _refuse(path, f"the folder {target.parent} is not writable; choose another folder")
    try:
        with open(target, "rb") as stream:
            head = stream.read(len(HEADER))
    except FileNotFoundError:
        return target
    except OSError as error:
        raise _refuse(path, f"the existing file cannot be read ({error.strerror})") from None
    if head and head != HEADER:
        raise _refuse(path, "it exists and is not an autonode model file, so it is left as it is; "
                      "save to another path, or move that file away first")
    return target


def save(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write a network, a :class:`Model` or a fitted nets estimator to ``path`` atomically; returns the path.

    :class:`WriteTargetError` (an OSError) if ``path`` cannot take it (see :func:`check_destination`);
    ValueError if ``obj`` cannot be saved (non-finite weights, an unfitted estimator). Nothing is written then.
    """
    target = Path(path)
    if isinstance(obj, Model):
        doc = network_document(list(obj.sizes), list(obj.activations), obj.weights)
    elif hasattr(obj, "get_params"):  # a scikit-learn style estimator
        from nets.estimator_file import estimator_document  # scikit-learn (seconds): only for an estimator

        doc = estimator_document(obj)
    elif all(hasattr(obj, name) for name in ("sizes", "activations", "get_weights")):
        doc = network_document(list(obj.sizes), list(obj.activations), obj.get_weights())
    else:
        raise TypeError(f"nets.io.save takes a network, a nets.io.Model or a fitted nets estimator, "
                        f"not {type(obj).__name__}")
    data = json.dumps(doc, allow_nan=False).encode("utf-8")
    check_destination(target)
    write_atomically(target, data)
    return target


# ------------------------------------------------------------------ reading --
def load(path: str | os.PathLike[str], max_bytes: int | None = None) -> Model:
    """The network in a model file (for an estimator file, the estimator's network); :class:`ModelFileError` if bad.

    Only a regular file of at most ``max_bytes`` (default :data:`MAX_BYTES`) is read.
    """
    doc = read_document(path, max_bytes)
    if doc["format"] == ESTIMATOR_FORMAT:
        return parse_network(path, doc.get("network"), "network.")
    return parse_network(path, doc)


def load_estimator(path: str | os.PathLike[str], max_bytes: int | None = None) -> Any:
    """The fitted estimator saved in ``path``, ready to predict; :class:`ModelFileError` if bad."""
    from nets.estimator_file import estimator_from_document  # scikit-learn (seconds): only for an estimator

    doc = read_document(path, max_bytes)
    if doc["format"] != ESTIMATOR_FORMAT:
        raise file_error(path, f"holds a bare network ({FORMAT}), not a fitted estimator; read it with nets.io.load")
    return estimator_from_document(path, doc)
