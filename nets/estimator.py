"""``nets.MLPClassifier``: nets' engines behind scikit-learn's estimator API, with its MLP options.

    >>> from nets import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-4, early_stopping=True, random_state=0).fit(X, y)
    >>> clf.predict(X), clf.predict_proba(X), clf.score(X, y), clf.coefs_[0].shape   # (n_features, 64)

Options and attributes mean what they mean in scikit-learn's ``MLPClassifier``
(solvers ``sgd`` and ``adam``); this project adds ``engine`` (any of
:mod:`nets.engines`), ``dtype``, ``init`` and ``kernels`` ("numpy"; "numba" for the compiled
loops of :mod:`nets.compiled`: same numbers, less time; "numba+mkl" for those and MKL's matrix
products, :mod:`nets.mkl_products`: the same to rounding). Defaults differ where it makes
fits fast on small data (about a tenth of scikit-learn's epochs): the classifier
runs at most 12 epochs (not 200) of Adam at 0.01 (not 0.001) on batches of
min(64, rows) (``batch_size="auto"``; scikit-learn's is min(200, rows)), so each
epoch makes about three times as many steps. ``init="xavier"`` draws the weights
from scikit-learn's Glorot-uniform interval (biases start at zero here). The rest
are scikit-learn's: 100 hidden ReLU units, L2 alpha 1e-4, stop after 10 epochs
without a 1e-4 gain. A network of more than 5,000,000 weights and biases
(``nets.network_checks.MAX_PARAMETERS``, the command line's limit too) is refused by ``fit``
with a ValueError before any weight is allocated. The settings were chosen on other splits and data sets than
``autonode bench sklearn``'s (see ``nets.experiments.sklearn_bench.DEVELOPMENT``).
The output is a softmax over ``classes_`` trained with cross-entropy (two
outputs for two classes, where scikit-learn has one logistic output).
:class:`BaseMLP` is shared with :class:`nets.regressor.MLPRegressor`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from nets.compiled import KERNELS
from nets.engines import ENGINES, Trainable, make_engine
from nets.init import INITIALISERS
from nets.losses import Loss, get_loss
from nets.network_checks import MAX_PARAMETERS, parameter_count
from nets.optim import SGD, Adam, InverseScaling, Momentum, Optimizer
from nets.train import TrainingState, train
from nets.types import Array

try:
    from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6
except ImportError:  # older releases: the same check as an estimator method

    def validate_data(_estimator: Any, /, *args: Any, **kw: Any) -> Any:
        return _estimator._validate_data(*args, **kw)


ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
"""scikit-learn's activation names (and nets' ``sigmoid``) → nets' activation."""
SOLVERS = ("sgd", "adam")
LEARNING_RATES = ("constant", "invscaling", "adaptive")
DTYPES = ("float64", "float32")
AUTO_BATCH = 200
"""scikit-learn's ``batch_size="auto"``: min(200, rows) (nets' regressor; the classifier's is 64)."""


def _fail(owner: object, name: str, expected: str, value: Any) -> ValueError:
    """scikit-learn's wording: The 'x' parameter of Est must be .... Got ... instead."""
    return ValueError(f"The {name!r} parameter of {type(owner).__name__} must be {expected}. Got {value!r} instead.")


def _choice(owner: object, name: str, value: Any, allowed: Any) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise _fail(owner, name, "a str among {" + ", ".join(repr(a) for a in sorted(allowed)) + "}", value)


def _real(owner: object, name: str, value: Any, low: float, high: float, closed: str) -> float:
    """A real number in an interval, ``closed`` one of left/right/both/neither (as scikit-learn writes it)."""
    left = "[" if closed in ("left", "both") else "("
    right = "]" if closed in ("right", "both") else ")"
    interval = f"{left}{low}, {'inf' if math.isinf(high) else high}{right}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise _fail(owner, name, f"a float in the range {interval}", value)
    x = float(value)
    inside = (low <= x if left == "[" else low < x) and (x <= high if right == "]" else x < high)
    if not inside:
        raise _fail(owner, name, f"a float in the range {interval}", value)
    return x


def _integer(owner: object, name: str, value: Any, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise _fail(owner, name, f"an int in the range [{low}, inf)", value)
    return int(value)


def _flag(owner: object, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(owner, name, "an instance of 'bool'", value)
    return bool(value)


def hidden_sizes(owner: object, value: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list of positive ints; a clear error for "64", (2.7,), 0 and the like."""
    expected = "a positive int or a tuple of positive ints, e.g. (64,) or (64, 32)"
    if isinstance(value, (numbers.Integral,)) and not isinstance(value, bool):
        sizes = [value]
    elif isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise _fail(owner, "hidden_layer_sizes", expected, value)
    else:
        sizes = list(value)
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise _fail(owner, "hidden_layer_sizes", f"{expected} (found {size!r})", value)
    return [int(s) for s in sizes]


class BaseMLP(BaseEstimator):  # type: ignore[misc]
    """What the classifier and the regressor share: options, their checks, the network and the training run."""

    _output_activation = "identity"
    _auto_batch = AUTO_BATCH
    """Rows per batch with ``batch_size="auto"`` (at most all the rows)."""

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.01,
        power_t: float = 0.5,
        max_iter: int = 12,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        engine: str = "vector",
        dtype: str = "float64",
        init: str = "xavier",
        kernels: str = "numpy",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.engine = engine
        self.dtype = dtype
        self.init = init
        self.kernels = kernels

    # ------------------------------------------------------------ options --
    def _check_options(self) -> None:
        """Every option checked before any work, each error naming the option and what it accepts."""
        hidden_sizes(self, self.hidden_layer_sizes)
        _choice(self, "activation", self.activation, ACTIVATIONS)
        if self.solver == "lbfgs":
            raise _fail(self, "solver", "a str among {'adam', 'sgd'} (nets has no L-BFGS solver)", self.solver)
        _choice(self, "solver", self.solver, SOLVERS)
        _real(self, "alpha", self.alpha, 0.0, math.inf, "left")
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            if isinstance(self.batch_size, str):
                raise _fail(self, "batch_size", "'auto' or an int in the range [1, inf)", self.batch_size)
            _integer(self, "batch_size", self.batch_size)
        _choice(self, "learning_rate", self.learning_rate, LEARNING_RATES)
        _real(self, "learning_rate_init", self.learning_rate_init, 0.0, math.inf, "neither")
        _real(self, "power_t", self.power_t, 0.0, math.inf, "left")
        _integer(self, "max_iter", self.max_iter)
        _flag(self, "shuffle", self.shuffle)
        _real(self, "tol", self.tol, 0.0, math.inf, "left")
        _flag(self, "warm_start", self.warm_start)
        _real(self, "momentum", self.momentum, 0.0, 1.0, "both")
        _flag(self, "nesterovs_momentum", self.nesterovs_momentum)
        _flag(self, "early_stopping", self.early_stopping)
        _real(self, "validation_fraction", self.validation_fraction, 0.0, 1.0, "left")
        _real(self, "beta_1", self.beta_1, 0.0, 1.0, "left")
        _real(self, "beta_2", self.beta_2, 0.0, 1.0, "left")
        _real(self, "epsilon", self.epsilon, 0.0, math.inf, "neither")
        if not (isinstance(self.n_iter_no_change, float) and math.isinf(self.n_iter_no_change)):
            _integer(self, "n_iter_no_change", self.n_iter_no_change)
        _choice(self, "engine", self.engine, ENGINES)
        _choice(self, "dtype", self.dtype, DTYPES)
        if self.dtype == "float32" and self.engine != "vector":
            raise _fail(self, "dtype", "'float64' with engine " + repr(self.engine) + " (float32: engine 'vector')",
                        self.dtype)
        _choice(self, "init", self.init, INITIALISERS)
        _choice(self, "kernels", self.kernels, KERNELS)

    def _optimizer(self) -> Optimizer:
        """scikit-learn's solvers: sgd (with momentum, Nesterov's or not, when momentum > 0) or adam."""
        if self.solver == "adam":
            return Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        if self.momentum > 0:
            return Momentum(self.learning_rate_init, min(self.momentum, 1 - 1e-12), nesterov=self.nesterovs_momentum)
        return SGD(self.learning_rate_init)

    def _schedule(self) -> Any:
        """``learning_rate`` applies to sgd only, as in scikit-learn (adam keeps learning_rate_init)."""
        if self.solver != "sgd" or self.learning_rate == "constant":
            return "constant"
        if self.learning_rate == "invscaling":
            return InverseScaling(self.power_t)
        return "adaptive"

    # ----------------------------------------------------------- training --
    def _loss(self) -> Loss:
        raise NotImplementedError

    def _start(self, n_features: int, n_outputs: int, generator: np.random.Generator) -> None:
        """A fresh network and fresh records (the first fit, or a fit without warm_start)."""
        sizes = [n_features, *hidden_sizes(self, self.hidden_layer_sizes), n_outputs]
        count = parameter_count(sizes)
        if count > MAX_PARAMETERS:  # refused before any weight exists: (10**9,) would allocate until killed
            raise ValueError(
                f"The 'hidden_layer_sizes' parameter of {type(self).__name__} gives a {'-'.join(map(str, sizes))} "
                f"network for this data: {count:,} weights and biases, more than the {MAX_PARAMETERS:,} "
                "nets.network_checks.MAX_PARAMETERS allows. Choose smaller hidden layers."
            )
        activations = [ACTIVATIONS[self.activation]] * (len(sizes) - 2) + [self._output_activation]
        self.network_: Trainable = make_engine(
            self.engine, sizes, activations, init=self.init, rng=generator, dtype=self.dtype)
        self._state = TrainingState()
        self.loss_curve_: list[float] = []
        self.t_ = 0
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_outputs
        self.out_activation_ = "softmax" if self._output_activation == "softmax" else "identity"
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -math.inf
            self.best_loss_: float | None = None
        else:
            self.validation_scores_, self.best_validation_score_, self.best_loss_ = None, None, math.inf

    def _run(self, X: Array, Y: Array, generator: np.random.Generator, incremental: bool) -> None:
        """Epochs of training; scikit-learn's records and its ConvergenceWarning at max_iter."""
        early = self.early_stopping and not incremental
        if early and self.validation_fraction == 0:  # scikit-learn refuses it too: nothing to stop early on
            raise ValueError(f"early_stopping=True needs validation rows, but validation_fraction=0.0 holds out none; "
                             f"give {type(self).__name__} a validation_fraction in (0, 1) or early_stopping=False")
        m = X.shape[0] - (math.ceil(self.validation_fraction * X.shape[0]) if early else 0)
        if self.batch_size == "auto":
            batch = min(self._auto_batch, m)
        else:
            if self.batch_size > m:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                              stacklevel=3)
            batch = min(int(self.batch_size), m)
        if not incremental or not hasattr(self, "_solver"):
            self._solver = self._optimizer()  # each fit starts its solver afresh; partial_fit keeps it
            self._state.lr0 = None
        patience = None if math.isinf(self.n_iter_no_change) else int(self.n_iter_no_change)
        history = train(
            self.network_, X, Y, loss=self._loss(), optimizer=self._solver, epochs=1 if incremental else self.max_iter,
            batch_size=batch, rng=generator, shuffle=self.shuffle, l2=self.alpha, schedule=self._schedule(),
            validation_fraction=self.validation_fraction if early else 0.0, stratify=self._stratify,
            score=self._score_name, n_iter_no_change=patience, tol=self.tol, state=self._state,
            track_accuracy=False, progress=False, verbose=bool(self.verbose), desc=type(self).__name__,
            kernels=self.kernels,
        )
        self.n_iter_ = history.epochs
        self.t_ = self._state.seen
        self.loss_curve_.extend(history.loss)
        self.loss_ = self.loss_curve_[-1]
        if early:
            assert self.validation_scores_ is not None
            self.validation_scores_.extend(history.validation_score)
            self.best_validation_score_ = self._state.best_score
        elif not self.early_stopping:
            self.best_loss_ = self._state.best_loss
        if not incremental and not history.stop_reason and self.n_iter_ == self.max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                          "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)

    _stratify = False
    _score_name = "accuracy"

    def _generator(self) -> np.random.Generator:
        """A numpy generator drawn from ``random_state`` (an int gives the same run every fit, as in scikit-learn)."""
        return np.random.default_rng(int(check_random_state(self.random_state).randint(2**31 - 1)))

    # ---------------------------------------------------- fitted attributes --
    @property
    def coefs_(self) -> list[Array]:
        """Weights in scikit-learn's orientation: ``coefs_[i]`` has shape (units in layer i, units in layer i+1)."""
        check_is_fitted(self, "network_")
        return [W.T.copy() for W, _ in self.network_.get_weights()]

    @property
    def intercepts_(self) -> list[Array]:
        """Biases: ``intercepts_[i]`` has shape (units in layer i+1,)."""
        check_is_fitted(self, "network_")
        return [b.copy() for _, b in self.network_.get_weights()]

    def _validate(self, *args: Any, **kw: Any) -> Any:
        """scikit-learn's ``validate_data`` on this estimator (records n_features_in_ when ``reset``)."""
        return validate_data(self, *args, **kw)

    def _outputs(self, X: Any) -> Array:
        check_is_fitted(self, "network_")
        X = self._validate(X, dtype=np.float64, reset=False)
        out: Array = self.network_.predict_output(X)
        return out


class MLPClassifier(ClassifierMixin, BaseMLP):  # type: ignore[misc]
    """A multilayer perceptron classifier (softmax output, cross-entropy) on any nets engine."""

    classes_: np.ndarray

    _output_activation = "softmax"
    _auto_batch = 64  # three times scikit-learn's steps per epoch, for a tenth of its epochs
    _stratify = True
    _score_name = "accuracy"

    def _loss(self) -> Loss:
        return get_loss("softmax_cross_entropy")

    def _targets(self, y: Any) -> Array:
        """One-hot rows for labels y; ValueError naming labels not in ``classes_``."""
        index = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if np.any(unseen):
            raise ValueError(f"y contains labels not in classes_ {list(self.classes_)}: {sorted(set(y[unseen]))!r}")
        Y = np.zeros((len(y), len(self.classes_)))
        Y[np.arange(len(y)), index] = 1.0
        return Y

    def _labels(self, X: Any, y: Any, reset: bool) -> tuple[Array, np.ndarray]:
        X, y = validate_data(self, X, y, dtype=np.float64, reset=reset)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        return X, y

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train for up to ``max_iter`` epochs (from where the last fit ended with ``warm_start=True``)."""
        self._check_options()
        warm = self.warm_start and hasattr(self, "network_")
        X, y = self._labels(X, y, reset=not warm)
        generator = self._generator()
        if warm:
            if set(np.unique(y)) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes as in the previous "
                                 f"call to fit. Previously got {self.classes_}, `y` has {np.unique(y)}")
        else:
            self.classes_ = np.unique(y)
            self._start(X.shape[1], len(self.classes_), generator)
        self._run(X, self._targets(y), generator, incremental=False)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One more epoch over (X, y); the first call needs ``classes`` (every label that will ever be seen)."""
        self._check_options()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_")
        X, y = self._labels(X, y, reset=first)
        generator = self._generator()
        if first:
            if classes is None:
                raise ValueError("partial_fit: the first call needs classes=[every label], as in scikit-learn")
            self.classes_ = np.unique(np.asarray(classes))
            self._start(X.shape[1], len(self.classes_), generator)
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"partial_fit: classes={list(classes)} differ from the first call's {list(self.classes_)}")
        self._run(X, self._targets(y), generator, incremental=True)
        return self

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, shape (m, n_classes), columns in the order of ``classes_``."""
        return self._outputs(X)

    def predict_log_proba(self, X: Any) -> Array:
        """log of :meth:`predict_proba` (probabilities 0 give -inf, as in scikit-learn)."""
        with np.errstate(divide="ignore"):
            out: Array = np.log(self.predict_proba(X))
        return out

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        P = self.predict_proba(X)
        result: np.ndarray = self.classes_[np.argmax(P, axis=1)]
        return result
