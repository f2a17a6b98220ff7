"""Fitted ``nets.MLPClassifier`` / ``nets.MLPRegressor`` as JSON model files (format ``autonode-estimator``).

Layout (version 1)::

    {"format": "autonode-estimator", "version": 1, "estimator": "MLPClassifier",
     "params": {...get_params()...},                  # tuples as {"tuple": [...]}, ±inf as {"float": "inf"}
     "classes": [...], "classes_dtype": "<i8",        # classifier only: classes_ and its numpy dtype
     "n_features_in": 64, "feature_names_in": [...],  # the latter only if fitted on named columns
     "fitted": {"n_iter_": 30, "t_": 36000, "loss_": ..., "loss_curve_": [...], ...},
     "network": {"sizes": [...], "activations": [...], "layers": [{"W": ..., "b": ...}, ...]}}

``network`` holds the engine's weights (``W[l]`` of shape (out, in), the
transpose of scikit-learn's ``coefs_[l]``) as in a network file, so
``nets.io.load`` reads the network of either kind. The dtype is the ``dtype``
option; float32 weights are written as the float64 numbers they are, so the
round trip is exact and the loaded estimator predicts bit for bit what the
saved one did. Not saved: the optimizer's running state (Adam's moments), so
``warm_start`` or ``partial_fit`` after loading continues with a fresh solver.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from nets.model_format import ESTIMATOR_FORMAT, VERSION, ModelFileError, network_document, parse_network

_FITTED: dict[str, str] = {
    "n_iter_": "count",
    "t_": "count",
    "loss_": "number",
    "best_loss_": "number or null",
    "loss_curve_": "numbers",
    "validation_scores_": "numbers or null",
    "best_validation_score_": "number or null",
}
"""scikit-learn's fitted records (besides the weights and classes) and what each holds."""
_CLASS_KINDS = {"i": "integers", "u": "integers", "f": "numbers", "b": "booleans", "U": "strings", "O": "strings"}


def _classes() -> dict[str, type]:
    from nets.estimator import MLPClassifier
    from nets.regressor import MLPRegressor

    return {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}


def _fail(path: str | os.PathLike[str], problem: str) -> ModelFileError:
    return ModelFileError(f"model file {path}: {problem}")


# ------------------------------------------------------------------ values --
def _encode(value: Any, name: str) -> Any:
    """A parameter or record as JSON: tuples tagged, ±inf and nan tagged, numpy scalars as Python's."""
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, name) for v in value]}
    if isinstance(value, list):
        return [_encode(v, name) for v in value]
    raise ValueError(
        f"cannot save {name}={value!r}: a model file holds numbers, strings, booleans, None and tuples or lists of "
        "them; set it to one of those (for random_state an int or None: est.set_params(random_state=0), which "
        "leaves the fitted weights as they are) and save again"
    )


def _decode(path: str | os.PathLike[str], value: Any, name: str) -> Any:
    if isinstance(value, list):
        return [_decode(path, v, f"{name}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if set(value) == {"tuple"} and isinstance(value["tuple"], list):
        return tuple(_decode(path, v, f"{name}[{i}]") for i, v in enumerate(value["tuple"]))
    if set(value) == {"float"} and value["float"] in ("inf", "-inf", "nan"):
        return float(value["float"])
    raise _fail(path, f"{name} is an object other than {{\"tuple\": [...]}} or {{\"float\": \"inf\"}}")


def _record(path: str | os.PathLike[str], value: Any, kind: str, name: str) -> Any:
    """A fitted record checked against its kind (JSON numbers only; booleans are not numbers)."""

    def number(x: Any) -> bool:
        return type(x) is float or type(x) is int

    if kind.endswith(" or null") and value is None:
        return None
    base = kind.removesuffix(" or null")
    ok = {
        "count": type(value) is int and value >= 0,
        "number": number(value),
        "numbers": isinstance(value, list) and all(number(x) for x in value),
    }[base]
    if not ok:
        raise _fail(path, f"fitted.{name} must be {'a non-negative integer' if base == 'count' else base}"
                    f"{' or null' if kind.endswith('or null') else ''}")
    return [float(x) for x in value] if base == "numbers" else (float(value) if base == "number" else value)


# ------------------------------------------------------------------ saving --
def estimator_document(estimator: Any) -> dict[str, Any]:
    """The JSON document of a fitted nets estimator; ValueError if it is not fitted or holds an unsavable option."""
    from sklearn.utils.validation import check_is_fitted

    name = type(estimator).__name__
    if not any(type(estimator) is cls for cls in _classes().values()):
        raise ValueError(f"nets.io saves networks and fitted nets.MLPClassifier / nets.MLPRegressor, "
                         f"not {type(estimator).__module__}.{name}")
    check_is_fitted(estimator, "network_")
    network = estimator.network_
    doc: dict[str, Any] = {
        "format": ESTIMATOR_FORMAT,
        "version": VERSION,
        "estimator": name,
        "params": {key: _encode(value, key) for key, value in estimator.get_params(deep=False).items()},
    }
    if hasattr(estimator, "classes_"):
        classes = np.asarray(estimator.classes_)
        if classes.dtype.kind not in _CLASS_KINDS or (
            classes.dtype.kind == "O" and not all(isinstance(c, str) for c in classes)
        ):
            raise ValueError(f"cannot save classes_ of dtype {classes.dtype}: a model file holds integer, float, "
                             "boolean or string class labels")
        doc["classes"] = [_encode(c, "classes_") for c in classes.tolist()]
        doc["classes_dtype"] = classes.dtype.str
    doc["n_features_in"] = int(estimator.n_features_in_)
    if hasattr(estimator, "feature_names_in_"):
        doc["feature_names_in"] = [str(f) for f in estimator.feature_names_in_]
    doc["fitted"] = {key: _encode(getattr(estimator, key), key) for key in _FITTED if hasattr(estimator, key)}
    part = network_document(list(network.sizes), list(network.activations), network.get_weights())
    doc["network"] = {key: part[key] for key in ("sizes", "activations", "layers")}
    return doc


# ----------------------------------------------------------------- loading --
def _class_labels(path: str | os.PathLike[str], doc: dict[str, Any], n_outputs: int) -> np.ndarray:
    labels, dtype_text = doc.get("classes"), doc.get("classes_dtype")
    try:
        dtype = np.dtype(dtype_text) if isinstance(dtype_text, str) else None
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.kind not in _CLASS_KINDS:
        raise _fail(path, f"'classes_dtype' must name a numpy dtype of {', '.join(sorted(set(_CLASS_KINDS.values())))}")
    if not isinstance(labels, list) or len(labels) != n_outputs:
        raise _fail(path, f"'classes' must list {n_outputs} labels, one per output of the network")
    kind = dtype.kind
    fits: Callable[[Any], bool] = {
        "i": lambda c: type(c) is int, "u": lambda c: type(c) is int and c >= 0, "b": lambda c: type(c) is bool,
        "f": lambda c: type(c) in (int, float), "U": lambda c: type(c) is str, "O": lambda c: type(c) is str,
    }[kind]
    bad = next((i for i, c in enumerate(labels) if not fits(c)), None)
    if bad is not None:
        raise _fail(path, f"classes[{bad}] is {labels[bad]!r}; classes of dtype {dtype} must be {_CLASS_KINDS[kind]}")
    try:
        classes = np.array(labels, dtype=object if kind == "O" else dtype)
    except (OverflowError, ValueError):
        raise _fail(path, f"'classes' do not fit the dtype {dtype}") from None
    if kind == "U" and classes.tolist() != labels:
        raise _fail(path, f"'classes' do not fit the dtype {dtype} (strings cut short)")
    if len(set(labels)) != len(labels) or list(np.sort(classes)) != list(classes):
        raise _fail(path, "'classes' must be sorted and distinct (as classes_ is after fit)")
    return classes


def estimator_from_document(path: str | os.PathLike[str], doc: dict[str, Any]) -> Any:
    """The fitted estimator a parsed ``autonode-estimator`` document describes; :class:`ModelFileError` if bad."""
    from nets.engines import make_engine
    from nets.estimator import ACTIVATIONS, hidden_sizes
    from nets.train import TrainingState

    known = _classes()
    name = doc.get("estimator")
    if not isinstance(name, str) or name not in known:
        raise _fail(path, f"'estimator' must be one of {', '.join(known)}, got {name!r}")
    cls = known[name]
    params = doc.get("params")
    if not isinstance(params, dict):
        raise _fail(path, "'params' is missing or not an object")
    allowed = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise _fail(path, f"params.{unknown[0]} is not an option of {name} (options: {', '.join(sorted(allowed))})")
    estimator = cls(**{key: _decode(path, value, f"params.{key}") for key, value in params.items()})
    seed = estimator.random_state
    if not (seed is None or type(seed) is int):
        raise _fail(path, f"params.random_state must be an integer or null, got {seed!r}")
    try:
        estimator._check_options()  # the estimator's own option checks, as fit runs them
        hidden = hidden_sizes(estimator, estimator.hidden_layer_sizes)
    except ValueError as error:
        raise _fail(path, f"params: {error}") from None
    model = parse_network(path, doc.get("network"), "network.")
    n_features = doc.get("n_features_in")
    if type(n_features) is not int or n_features != model.sizes[0]:
        raise _fail(path, f"'n_features_in' must be the integer {model.sizes[0]}, the network's input size")
    if model.sizes[1:-1] != hidden:
        raise _fail(path, f"network.sizes {model.sizes} do not match params.hidden_layer_sizes {hidden}")
    expected = [ACTIVATIONS[estimator.activation]] * len(hidden) + [estimator._output_activation]
    if model.activations != expected:
        raise _fail(path, f"network.activations {model.activations} do not match {name} with "
                    f"activation={estimator.activation!r}: expected {expected}")
    if name == "MLPClassifier":
        estimator.classes_ = _class_labels(path, doc, model.sizes[-1])
    names = doc.get("feature_names_in")
    if names is not None:
        if not isinstance(names, list) or len(names) != n_features or not all(type(f) is str for f in names):
            raise _fail(path, f"'feature_names_in' must list {n_features} column names (strings)")
        estimator.feature_names_in_ = np.array(names, dtype=object)
    fitted = doc.get("fitted", {})
    if not isinstance(fitted, dict):
        raise _fail(path, "'fitted' must be an object")
    records = {}
    for key, value in fitted.items():
        if key not in _FITTED:
            raise _fail(path, f"fitted.{key} is not a record this autonode knows ({', '.join(_FITTED)})")
        records[key] = _record(path, _decode(path, value, f"fitted.{key}"), _FITTED[key], key)
    estimator.n_features_in_ = n_features
    estimator.network_ = make_engine(estimator.engine, model.sizes, model.activations, model.weights,
                                     dtype=estimator.dtype)
    estimator.n_layers_ = len(model.sizes)
    estimator.n_outputs_ = model.sizes[-1]
    estimator.out_activation_ = "softmax" if estimator._output_activation == "softmax" else "identity"
    estimator.loss_curve_ = []
    for key, value in records.items():
        setattr(estimator, key, value)
    best_loss, best_score = records.get("best_loss_"), records.get("best_validation_score_")
    estimator._state = TrainingState(  # what a warm_start fit continues from (the solver starts afresh)
        epochs=records.get("n_iter_", 0), seen=records.get("t_", 0),
        best_loss=math.inf if best_loss is None else best_loss,
        best_score=-math.inf if best_score is None else best_score,
    )
    return estimator
