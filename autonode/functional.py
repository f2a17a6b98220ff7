"""Function transformations in JAX's style: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, Jacobians, Hessians.

Each takes a plain Python function of numbers (floats, Values, or lists, tuples
and dicts of them) and returns a new function::

    df  = grad(f)          # df(x)   = ∂f/∂x        (one reverse pass: backward())
    d2f = grad(grad(f))    # d2f(x)  = ∂²f/∂x²      (the backward pass recorded, then differentiated)
    y, ẏ = jvp(f, (x,), (ẋ,))                      (forward mode: dual numbers, autonode.forward)

Reverse mode (``grad``, ``vjp``, ``jacrev``) records f's graph with Values and
runs :meth:`Value.backward`; forward mode (``jvp``, ``jacfwd``) evaluates f once
per direction on :class:`~autonode.forward.Dual` numbers. Both take their rules
from the op table. Gradients of numbers are floats. When an argument is a Value,
or a transformation runs inside another one (``grad(grad(f))``), the backward
pass is recorded (``backward(create_graph=True)``) and the results are Values
that can be differentiated again.

Transformations leave no trace: the ``grad`` of every node they touch (leaves
given by the caller, captured Values) is put back as it was.
"""

from __future__ import annotations

import functools
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from autonode import ops
from autonode.forward import Dual
from autonode.modes import is_grad_enabled
from autonode.value import Constant, Value, vsum

Function = Callable[..., Any]
ArgNums = int | Sequence[int]

# ------------------------------------------------------------------ nesting --
# The transformations evaluating their function right now on this thread, innermost last:
# "reverse" or "forward". Inside a reverse one, grad records its backward pass so the outer
# one can differentiate it; inside a forward one it cannot (Duals hold floats), so it does not.
_NESTING = threading.local()


def _enclosing() -> str | None:
    stack: list[str] = getattr(_NESTING, "stack", [])
    return stack[-1] if stack else None


@contextmanager
def _nested(kind: str) -> Iterator[None]:
    if not hasattr(_NESTING, "stack"):
        _NESTING.stack = []
    _NESTING.stack.append(kind)
    try:
        yield
    finally:
        _NESTING.stack.pop()


# ------------------------------------------------------------------- trees --
# A tree is a number (a leaf) or a list, tuple or dict of trees. Its spec is None for a
# leaf, (type, [child specs]) for a list or tuple, (dict, keys, [child specs]) for a dict.


def _is_number(x: Any) -> bool:
    if type(x) is float or isinstance(x, (Value, Dual)):  # (the common cases first: the ABC check is slow)
        return True
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _flatten(tree: Any, where: str) -> tuple[list[Any], Any]:
    """The leaves of ``tree`` in order and its spec; TypeError naming ``where`` for anything else."""
    leaves: list[Any] = []

    def walk(node: Any, path: str) -> Any:
        if _is_number(node):
            leaves.append(node)
            return None
        if isinstance(node, (list, tuple)):
            return (type(node), [walk(child, f"{path}[{i}]") for i, child in enumerate(node)])
        if isinstance(node, dict):
            keys = list(node)
            return (dict, keys, [walk(node[k], f"{path}[{k!r}]") for k in keys])
        raise TypeError(
            f"{path} is a {type(node).__name__} ({node!r:.40}); expected a number, a Value, "
            "or a list, tuple or dict of them"
        )

    spec = walk(tree, where)
    return leaves, spec


def _unflatten(spec: Any, leaves: Iterator[Any]) -> Any:
    """The tree of ``spec`` with its leaves taken in order from ``leaves``."""
    if spec is None:
        return next(leaves)
    if spec[0] is dict:
        return {k: _unflatten(s, leaves) for k, s in zip(spec[1], spec[2])}
    kind, children = spec
    items = [_unflatten(s, leaves) for s in children]
    return items if kind is list else kind(items)


def _describe(spec: Any) -> str:
    if spec is None:
        return "a number"
    if spec[0] is dict:
        return f"a dict with keys {spec[1]}"
    return f"a {spec[0].__name__} of {len(spec[1])}"


# --------------------------------------------------------------- arguments --
def _callable(f: Any, name: str) -> None:
    """Refuse a function that cannot be called when the transformation is made, not at its first call."""
    if not callable(f):
        raise TypeError(f"{name} takes a function to transform, got {type(f).__name__} {f!r:.60}")


def _argnums(argnums: Any, name: str) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple of positions, and whether the caller gave a tuple (so gets a tuple back)."""
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    positions = (argnums,) if single else argnums
    if not isinstance(positions, (tuple, list)) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in positions
    ):
        raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r}")
    if not positions:
        raise ValueError(f"{name}: argnums is empty; give at least one argument position to differentiate")
    if any(i < 0 for i in positions):
        raise ValueError(f"{name}: argnums must be positions counted from 0, got {argnums!r}")
    if len(set(positions)) != len(positions):
        raise ValueError(f"{name}: argnums {argnums!r} names an argument twice")
    return tuple(positions), not single


def _check_count(argnums: tuple[int, ...], args: tuple[Any, ...], name: str) -> None:
    if max(argnums) >= len(args):
        raise TypeError(
            f"{name}: argnums={argnums if len(argnums) > 1 else argnums[0]} asks for argument {max(argnums)}, "
            f"but the function was called with {len(args)} positional argument{'s' * (len(args) != 1)}"
        )


def _split_aux(result: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(
            f"{name}: has_aux=True needs the function to return a pair (output, aux), "
            f"got {type(result).__name__}"
        )
    return result[0], result[1]


def _no_dual(leaves: list[Any], name: str) -> None:
    if any(isinstance(x, Dual) for x in leaves):
        raise TypeError(
            f"{name} got a Dual (a forward-mode number): reverse mode inside forward mode is not supported; "
            "differentiate with grad/jacrev outside, e.g. jacrev(grad(f)) for a Hessian"
        )


# ------------------------------------------------------------ reverse mode --
class _Variables:
    """The differentiated arguments as Value nodes: a fresh leaf per number, a given Value as itself."""

    def __init__(self, args: tuple[Any, ...], positions: tuple[int, ...], name: str) -> None:
        self.args = list(args)
        self.specs: list[Any] = []
        self.nodes: list[list[Value]] = []
        flat = []
        for i in positions:
            leaves, spec = _flatten(args[i], f"{name}: argument {i}")
            _no_dual(leaves, name)
            flat.append(leaves)
            self.specs.append(spec)
        counts: dict[int, int] = {}
        for leaf in (x for leaves in flat for x in leaves if isinstance(x, Value)):
            counts[id(leaf)] = counts.get(id(leaf), 0) + 1
        for i, leaves, spec in zip(positions, flat, self.specs):
            nodes = []
            for leaf in leaves:
                if not isinstance(leaf, Value):
                    node = Value(leaf)
                elif counts[id(leaf)] > 1:  # one Value in several places: an identity node per place, own gradient
                    node = Value.apply(ops.IDENTITY, leaf)
                else:
                    node = leaf
                nodes.append(node)
            self.nodes.append(nodes)
            self.args[i] = _unflatten(spec, iter(nodes))
        given_values = bool(counts)
        # Record the backward pass when someone may differentiate the result again.
        self.create_graph = given_values or _enclosing() == "reverse"

    @property
    def flat(self) -> list[Value]:
        return [node for nodes in self.nodes for node in nodes]

    def shape(self, flat_grads: list[Any], as_tuple: bool) -> Any:
        """Gradients (flat, in order) in the structure of the differentiated arguments."""
        it = iter(flat_grads)
        per_arg = [_unflatten(spec, it) for spec in self.specs]
        return tuple(per_arg) if as_tuple else per_arg[0]


def _call(f: Function, args: Sequence[Any], name: str) -> Any:
    if not is_grad_enabled():
        raise RuntimeError(
            f"{name} was called inside no_grad(), where no graph is recorded, so there is nothing to "
            "differentiate; call it outside the no_grad block"
        )
    with _nested("reverse"):
        return f(*args)


def _reachable(outputs: list[Any]) -> list[Value]:
    """Every node the outputs depend on (themselves included), once; order does not matter here."""
    nodes: list[Value] = []
    seen: set[int] = set()
    stack = [o for o in outputs if isinstance(o, Value)]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            # (a Constant is a fresh view of a number kept in its node: nothing of it to keep)
            stack += [p for p in node.parents if type(p) is not Constant]
    return nodes


@contextmanager
def _grads_kept(outputs: list[Any]) -> Iterator[None]:
    """Put back, on exit, the ``grad`` of every node the outputs depend on (backward leaves no trace)."""
    saved = [(node, node.grad) for node in _reachable(outputs)]
    try:
        yield
    finally:
        for node, grad in saved:
            node.grad = grad


def _pull_back(root: Any, variables: list[Value], create_graph: bool) -> list[Any]:
    """∂root/∂v for each variable by one backward pass (0.0 where root is a number or does not depend on v)."""
    if not isinstance(root, Value):
        return [0.0] * len(variables)
    for v in variables:
        v.grad = 0.0
    if create_graph:
        root.backward(create_graph=True)
    else:
        root.backward()
    return [v.grad for v in variables]


def _scalar_output(out: Any, name: str) -> Any:
    if isinstance(out, Value) or (_is_number(out) and not isinstance(out, Dual)):
        return out
    if isinstance(out, (list, tuple, dict)):
        raise TypeError(
            f"{name} needs the function to return one number (a Value or a float), but it returned "
            f"{_describe(_flatten(out, 'output')[1])}; use jacobian (jacrev/jacfwd) for several outputs, "
            "or has_aux=True when the rest is auxiliary data"
        )
    raise TypeError(f"{name} needs the function to return one number (a Value or a float), got {type(out).__name__}")


def _number(x: Any, keep_values: bool) -> Any:
    """A result leaf as the caller gets it: a float, or the Value itself when results stay differentiable."""
    if isinstance(x, Value) and not keep_values:
        return x.data
    return x if isinstance(x, Value) else float(x)


def _value_and_grad(f: Function, argnums: ArgNums, has_aux: bool, name: str) -> Function:
    _callable(f, name)
    positions, as_tuple = _argnums(argnums, name)

    @functools.wraps(f)
    def value_and_grad_f(*args: Any) -> Any:
        _check_count(positions, args, name)
        variables = _Variables(args, positions, name)
        out, aux = _split_aux(_call(f, variables.args, name), has_aux, name)
        out = _scalar_output(out, name)
        with _grads_kept([out]):
            grads = _pull_back(out, variables.flat, variables.create_graph)
        keep = variables.create_graph
        value = _number(out, keep)
        gradient = variables.shape([_number(g, keep) for g in grads], as_tuple)
        return ((value, aux) if has_aux else value), gradient

    return value_and_grad_f


def value_and_grad(f: Function, argnums: ArgNums = 0, has_aux: bool = False) -> Function:
    """``(f(x), ∂f/∂x)`` by one forward and one reverse pass; ``((f(x), aux), ∂f/∂x)`` with ``has_aux``.

    The gradient has the structure of the argument (a tuple of them when ``argnums`` is a tuple).
    """
    return _value_and_grad(f, argnums, has_aux, "value_and_grad")


def grad(f: Function, argnums: ArgNums = 0, has_aux: bool = False) -> Function:
    """∂f/∂x as a function (``(∂f/∂x, aux)`` with ``has_aux``); compose for higher orders: ``grad(grad(f))``."""
    both = _value_and_grad(f, argnums, has_aux, "grad")

    @functools.wraps(f)
    def grad_f(*args: Any) -> Any:
        value, gradient = both(*args)
        return (gradient, value[1]) if has_aux else gradient

    return grad_f


def vjp(f: Function, *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(f(primals), vjp_fn)``: ``vjp_fn(ȳ)`` = ȳᵀJ, one tuple entry per primal (one reverse pass per call).

    ``ȳ`` has the structure of f's output. With ``has_aux``: ``(f(primals), vjp_fn, aux)``.
    """
    _callable(f, "vjp")
    positions = tuple(range(len(primals)))
    variables = _Variables(primals, positions, "vjp")
    out, aux = _split_aux(_call(f, variables.args, "vjp"), has_aux, "vjp")
    out_leaves, out_spec = _flatten(out, "vjp: output")
    _no_dual(out_leaves, "vjp")
    keep = variables.create_graph

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct_leaves, ct_spec = _flatten(cotangent, "vjp_fn: cotangent")
        if ct_spec != out_spec:
            raise ValueError(
                f"vjp_fn: the cotangent must have the structure of the output ({_describe(out_spec)}), "
                f"got {_describe(ct_spec)}"
            )
        terms = [o * c for o, c in zip(out_leaves, ct_leaves) if isinstance(o, Value)]
        root = terms[0] if len(terms) == 1 else (vsum(terms) if terms else 0.0)
        record = keep or any(isinstance(c, Value) for c in ct_leaves)  # a Value cotangent: differentiable result
        with _grads_kept([root]):  # (from the root: a Value cotangent is a leaf of it too)
            grads = _pull_back(root, variables.flat, record)
        return variables.shape([_number(g, record) for g in grads], True)  # type: ignore[no-any-return]

    primals_out = _unflatten(out_spec, iter([_number(o, keep) for o in out_leaves]))
    return (primals_out, vjp_fn, aux) if has_aux else (primals_out, vjp_fn)


def _jacobian_layout(out_spec: Any, rows: list[Any]) -> Any:
    """Row i (the derivatives of output leaf i, in the arguments' structure) put in the output's structure."""
    return _unflatten(out_spec, iter(rows))


def jacrev(f: Function, argnums: ArgNums = 0, has_aux: bool = False) -> Function:
    """The Jacobian ∂fᵢ/∂xⱼ by reverse mode: one forward pass, one backward pass per output.

    Layout as JAX: the output's structure, each entry holding that output's gradient
    in the structure of the argument (a tuple of them when ``argnums`` is a tuple).
    """
    _callable(f, "jacrev")
    positions, as_tuple = _argnums(argnums, "jacrev")

    @functools.wraps(f)
    def jacrev_f(*args: Any) -> Any:
        _check_count(positions, args, "jacrev")
        variables = _Variables(args, positions, "jacrev")
        out, aux = _split_aux(_call(f, variables.args, "jacrev"), has_aux, "jacrev")
        out_leaves, out_spec = _flatten(out, "jacrev: output")
        _no_dual(out_leaves, "jacrev")
        keep = variables.create_graph
        rows = []
        with _grads_kept(out_leaves):
            for o in out_leaves:
                grads = _pull_back(o, variables.flat, keep)
                rows.append(variables.shape([_number(g, keep) for g in grads], as_tuple))
        jac = _jacobian_layout(out_spec, rows)
        return (jac, aux) if has_aux else jac

    return jacrev_f


jacobian = jacrev
"""The Jacobian (reverse mode, as ``jax.jacobian``)."""


def hessian(f: Function, argnums: ArgNums = 0, has_aux: bool = False) -> Function:
    """∂²f/∂xᵢ∂xⱼ: the Jacobian of the gradient, both by reverse mode (the backward pass differentiated)."""
    _callable(f, "hessian")
    return jacrev(jacrev(f, argnums, has_aux), argnums, has_aux)


# ------------------------------------------------------------ forward mode --
def _plain(x: Any, name: str) -> float:
    """A primal or tangent leaf as a float; forward mode takes numbers only (TypeError naming a Value or Dual)."""
    if isinstance(x, Dual):
        raise TypeError(
            f"{name} got a Dual: forward mode inside forward mode is not supported (a Dual holds floats); "
            "for second derivatives use grad(grad(f)) or hessian"
        )
    if isinstance(x, Value):
        raise TypeError(
            f"{name} takes plain numbers as primals and tangents (forward mode records no graph), got a "
            "Value; pass its .data to differentiate at that point, or use vjp/grad through Values"
        )
    return float(x)


def _primal_tangent(out: Any, name: str) -> tuple[Any, Any]:
    """f's output split into the tree of primals and the tree of tangents (a plain number has tangent 0)."""
    leaves, spec = _flatten(out, f"{name}: output")
    if any(isinstance(x, Value) for x in leaves):
        raise TypeError(
            f"{name}: the function returned a Value, so it mixed in a reverse-mode Value (one it captured?); "
            "under forward mode every number it computes must come from its arguments or be a plain constant"
        )
    primal = [x.primal if isinstance(x, Dual) else float(x) for x in leaves]
    tangent = [x.tangent if isinstance(x, Dual) else 0.0 for x in leaves]
    return _unflatten(spec, iter(primal)), _unflatten(spec, iter(tangent))


def jvp(f: Function, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> tuple[Any, ...]:
    """``(f(primals), J·tangents)`` by one forward pass on dual numbers (no graph recorded).

    ``primals`` and ``tangents``: one entry per positional argument, same structure.
    With ``has_aux``: ``(f(primals), J·tangents, aux)``.
    """
    _callable(f, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples or lists (one entry per positional argument), "
            f"got {type(primals).__name__} and {type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    args = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p_leaves, p_spec = _flatten(p, f"jvp: primal {i}")
        t_leaves, t_spec = _flatten(t, f"jvp: tangent {i}")
        if p_spec != t_spec:
            raise ValueError(f"jvp: tangent {i} is {_describe(t_spec)} but its primal is {_describe(p_spec)}")
        duals = [Dual(_plain(a, "jvp"), _plain(b, "jvp")) for a, b in zip(p_leaves, t_leaves)]
        args.append(_unflatten(p_spec, iter(duals)))
    with _nested("forward"):
        out, aux = _split_aux(f(*args), has_aux, "jvp")
    primal_out, tangent_out = _primal_tangent(out, "jvp")
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def jacfwd(f: Function, argnums: ArgNums = 0, has_aux: bool = False) -> Function:
    """The Jacobian ∂fᵢ/∂xⱼ by forward mode: one dual-number pass per input xⱼ (tangent eⱼ gives column j).

    Same layout as :func:`jacrev`; arguments not in ``argnums`` are passed as given.
    """
    _callable(f, "jacfwd")
    positions, as_tuple = _argnums(argnums, "jacfwd")

    @functools.wraps(f)
    def jacfwd_f(*args: Any) -> Any:
        _check_count(positions, args, "jacfwd")
        specs, flat = [], []
        for i in positions:
            leaves, spec = _flatten(args[i], f"jacfwd: argument {i}")
            specs.append(spec)
            flat.append([_plain(x, "jacfwd") for x in leaves])
        n = sum(len(leaves) for leaves in flat)

        def column(direction: int) -> tuple[list[float], Any, Any]:
            """f's tangent along input ``direction`` (-1: none), flat; and the output spec and aux."""
            call_args, j = list(args), 0
            for k, i in enumerate(positions):
                duals = []
                for x in flat[k]:
                    duals.append(Dual(x, 1.0 if j == direction else 0.0))
                    j += 1
                call_args[i] = _unflatten(specs[k], iter(duals))
            with _nested("forward"):
                out, aux = _split_aux(f(*call_args), has_aux, "jacfwd")
            leaves, out_spec = _flatten(_primal_tangent(out, "jacfwd")[1], "jacfwd: output")
            return leaves, out_spec, aux

        columns = [column(j) for j in range(n)] or [column(-1)]
        out_spec, aux = columns[0][1], columns[0][2]
        rows = []
        for r in range(len(columns[0][0])):
            entries = iter([col[0][r] for col in columns] if n else [])
            per_arg = [_unflatten(spec, entries) for spec in specs]
            rows.append(tuple(per_arg) if as_tuple else per_arg[0])
        jac = _jacobian_layout(out_spec, rows)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


# ------------------------------------------------------------ for drawings --
def gradient_graph(f: Function, *values: float, labels: Sequence[str] = ()) -> tuple[list[Value], Value, list[Value]]:
    """The graph ``backward(create_graph=True)`` records: ``(inputs, f(inputs), [∂f/∂inputᵢ])``, all Values.

    Each ∂f/∂inputᵢ is a Value (labelled ``∂f/∂x``) whose graph is the recorded backward
    pass over f's own graph. Every ``grad`` in it is then set back to 0.0, as on a fresh
    graph, so it draws like any expression, and ``grads[i].backward()`` leaves the second
    derivatives ∂²f/∂inputᵢ∂inputⱼ in ``inputs[j].grad``.
    """
    names = list(labels) or [f"x{i + 1}" if len(values) > 1 else "x" for i in range(len(values))]
    inputs = [Value(v, label=name) for v, name in zip(values, names)]
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"gradient_graph needs the function to return a Value, got {type(out).__name__}")
    out.backward(create_graph=True)
    grads = []
    for x in inputs:
        g = x.grad if isinstance(x.grad, Value) else Value(x.grad)
        if not g.label:
            g.label = f"∂f/∂{x.label}"
        grads.append(g)
    for node in _reachable([out, *grads]):
        node.grad = 0.0
    return inputs, out, grads
