"""The walkthrough: every seed number, typed here from the seed texts, against the engine's value.

The expected numbers below are copied from the seed texts (0.02471359 is the seed recipe worked with the
weight before its update); the engine values come from the walkthrough's Value graphs. Each
is checked at the precision the seed printed it with (the tutorial cuts its
4-decimal numbers instead of rounding). Hand maths, PyTorch and a plain-Python
gradient descent back the rows the seeds do not print.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from nets import MLP
from nets.walkthrough import SECTIONS, explainer, run, step_by_step, tutorial
from nets.walkthrough.report import Row, Section, printed_tolerance
from viz.cli.main import main


def at_printed_precision(engine: float, printed: str) -> bool:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return round(engine, decimals) == pytest.approx(float(printed), abs=1e-12)


def cut_to(engine: float, decimals: int) -> float:
    return math.trunc(engine * 10**decimals) / 10**decimals


@pytest.fixture(scope="module")
def sections() -> dict[str, Section]:
    return {section.key: section for section in run()}


# (row description prefix, value as printed in seed 001)
STEP_BY_STEP = [
    ("weighted input w1·x1", "0.5"), ("weighted input w2·x2", "3.6"), ("weighted input w3·x3", "-1.5"),
    ("net input", "2.6"), ("sigmoid(net input)", "0.9308616"), ("relu(net input)", "2.6"),
    ("output δ", "0.192"), ("weight change α·δ·h1", "0.001787254"), ("updated weight h1→o", "0.8017873"),
    ("δ_o·w(h1→o)", "0.1539432"), ("δ_o·w(h2→o)", "0.0960000"), ("δ_o·w(h3→o)", "0.0192000"),
    ("δ_o·w(h4→o)", "0.1152000"), ("Σ δ_o·w", "0.3843432"), ("hidden δ, seed's recipe", "0.02473567"),
    ("input weight change α·δ_h1·x1", "0.0002473567"), ("input weight change α·δ_h1·x2", "0.0007420701"),
    ("input weight change α·δ_h1·x3", "0.0012367836"),
    ("updated w(x1→h1)", "0.5002474"), ("updated w(x2→h1)", "1.2007421"), ("updated w(x3→h1)", "-0.2987632"),
    ("hidden δ, same recipe with w(h1→o) before its update", "0.02471359"),
]


@pytest.mark.parametrize("prefix,printed", STEP_BY_STEP)
def test_step_by_step_numbers(sections: dict[str, Section], prefix: str, printed: str) -> None:
    row = sections["step-by-step"].find(prefix)
    assert at_printed_precision(row.engine, printed), (row.description, row.engine, printed)
    assert row.agrees


def test_step_by_step_true_backprop_and_sign(sections: dict[str, Section]) -> None:
    """By hand: δ_o = 2·0.4·0.24 = 0.192; true δ_h1 = δ_o·0.8·σ'(2.6); the seed's δ is -∂L/∂z."""
    s = 1 / (1 + math.exp(-2.6))
    true_delta = 0.192 * 0.8 * s * (1 - s)
    assert sections["step-by-step"].find("hidden δ by true backprop").engine == pytest.approx(true_delta, rel=1e-12)
    assert true_delta == pytest.approx(0.0098854, abs=5e-8)
    assert sections["step-by-step"].find("sign:").agrees
    assert any("0.8017873" in note for note in sections["step-by-step"].notes)


def test_true_backprop_hidden_delta_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 3.0, 5.0], dtype=torch.float64)
    w = torch.tensor([0.5, 1.2, -0.3], dtype=torch.float64, requires_grad=True)
    z_h1 = (w * x).sum()
    z_h1.retain_grad()
    h = torch.cat([torch.sigmoid(z_h1).reshape(1), torch.full((3,), 0.5, dtype=torch.float64)])
    w_out = torch.tensor([0.8, 0.5, 0.1, 0.6], dtype=torch.float64)
    weighted = (w_out * h).sum()
    bias = math.log(0.6 / 0.4) - weighted.item()
    L = (1 - torch.sigmoid(weighted + bias)) ** 2
    L.backward()
    graph = step_by_step._Graph(step_by_step.W_H_O, tied=False)
    assert -graph.z_h1.grad == pytest.approx(-z_h1.grad.item(), rel=1e-12)
    assert [v.grad for v in graph.w] == pytest.approx(w.grad.tolist(), rel=1e-12)


# (row description prefix, value as printed in seed 000, cut (True) or rounded)
TUTORIAL = [("h1⁽²⁾", "0.8909", True), ("h2⁽²⁾", "0.9677", True), ("h3⁽²⁾", "0.9909", True),
            ("output h⁽³⁾", "0.8354", True), ("gradient descent from x = 6", "2.249965", False)]


@pytest.mark.parametrize("prefix,printed,cut", TUTORIAL)
def test_tutorial_numbers(sections: dict[str, Section], prefix: str, printed: str, cut: bool) -> None:
    row = sections["tutorial"].find(prefix)
    if cut:
        assert cut_to(row.engine, 4) == pytest.approx(float(printed), abs=1e-12)
    else:
        assert f"{row.engine:f}" == printed  # the tutorial prints with %f
    assert row.agrees


def test_tutorial_gradient_descent_matches_the_seed_program() -> None:
    """The tutorial's own loop with its hand derivative df(x) = 4x³ - 9x² lands on the same x."""
    x_old, x_new = 0.0, 6.0
    while abs(x_new - x_old) > 0.00001:
        x_old = x_new
        x_new += -0.01 * (4 * x_old**3 - 9 * x_old**2)
    engine_x, _ = tutorial.gradient_descent()
    assert engine_x == pytest.approx(x_new, rel=1e-13)


def test_tutorial_delta_formulas_by_torch() -> None:
    torch = pytest.importorskip("torch")
    W1 = torch.tensor(tutorial.W1, requires_grad=True)
    W2 = torch.tensor(tutorial.W2, requires_grad=True)
    z2 = W1 @ torch.tensor(tutorial.X, dtype=torch.float64) + torch.tensor(tutorial.B1)
    z2.retain_grad()
    z3 = W2 @ torch.sigmoid(z2) + torch.tensor(tutorial.B2)
    z3.retain_grad()
    J = 0.5 * ((tutorial.TARGET - torch.sigmoid(z3)) ** 2).sum()
    J.backward()
    section = tutorial.section()
    assert section.find("δ⁽³⁾").engine == pytest.approx(z3.grad.item(), rel=1e-12)
    for j in range(3):
        assert section.find(f"δ⁽²⁾_{j + 1}").engine == pytest.approx(z2.grad[j].item(), rel=1e-12)
    assert section.find("∂J/∂W⁽²⁾_12").engine == pytest.approx(W2.grad[0, 1].item(), rel=1e-12)
    assert section.find("∂J/∂W⁽¹⁾_31").engine == pytest.approx(W1.grad[2, 0].item(), rel=1e-12)


def test_explainer_gradient_matches_pytorch_and_all_rows_agree(sections: dict[str, Section]) -> None:
    section = sections["explainer"]
    assert section.agrees, [r.description for r in section.rows if not r.agrees]
    torch = pytest.importorskip("torch")
    Ws = [torch.tensor(W, requires_grad=True) for W in (explainer.W1, explainer.W2, explainer.W3)]
    h = torch.tensor(explainer.X, dtype=torch.float64)
    for W in Ws:
        h = torch.sigmoid(W @ h)
    J = 0.5 * (h[0] - explainer.TARGET) ** 2
    J.backward()
    expected = Ws[0].grad[explainer.UNIT, explainer.INPUT].item()
    assert section.find("∂J/∂W¹ (x₂→y₁): product").engine == pytest.approx(expected, rel=1e-12)
    assert section.find("∂J/∂p_j").engine == pytest.approx(h[0].item() - 1.0, rel=1e-12)


def test_explainer_momentum_matches_pytorch_sgd_momentum() -> None:
    """torch's SGD(momentum=μ, dampening=0) keeps v = μv + g and steps -α·v: the explainer's V is -α·v."""
    torch = pytest.importorskip("torch")
    Ws = [torch.tensor(W, requires_grad=True) for W in (explainer.W1, explainer.W2, explainer.W3)]
    opt = torch.optim.SGD(Ws, lr=explainer.ALPHA, momentum=explainer.MU)
    for _ in range(explainer.MOMENTUM_STEPS):
        opt.zero_grad()
        h = torch.tensor(explainer.X, dtype=torch.float64)
        for W in Ws:
            h = torch.sigmoid(W @ h)
        (0.5 * (h[0] - explainer.TARGET) ** 2).backward()
        opt.step()
    v = opt.state[Ws[0]]["momentum_buffer"][explainer.UNIT, explainer.INPUT].item()
    row = explainer.section().find("V after")
    assert row.engine == pytest.approx(-explainer.ALPHA * v, rel=1e-10)


def _numpy_descent(weights: list[tuple[np.ndarray, np.ndarray]], steps: int, alpha: float) -> list[np.ndarray]:
    """The explainer's net trained by hand: sigmoid layers, J = ½(p - a)², δ by the tutorial's equations.

    Only the weights move (the explainer's net has no biases; the engine's stay at their initial 0).
    """
    Ws = [W.astype(float) for W, _ in weights]
    bs = [b.astype(float) for _, b in weights]
    x = np.array(explainer.X)
    for _ in range(steps):
        hs = [x]
        for W, b in zip(Ws, bs):
            hs.append(1.0 / (1.0 + np.exp(-(W @ hs[-1] + b))))
        delta = (hs[-1] - explainer.TARGET) * hs[-1] * (1.0 - hs[-1])
        grads: list[np.ndarray] = []
        for layer in reversed(range(len(Ws))):
            grads.insert(0, np.outer(delta, hs[layer]))
            delta = (Ws[layer].T @ delta) * hs[layer] * (1.0 - hs[layer])
        Ws = [W - alpha * g for W, g in zip(Ws, grads)]
    return Ws


def _hidden_rows_identical(Ws: list[np.ndarray]) -> bool:
    return all(np.array_equal(W, np.broadcast_to(W[0], W.shape)) for W in Ws[:-1])


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_symmetry_rows_match_a_numpy_descent(seed: int) -> None:
    """Zero init keeps hidden units identical and He init does not — shown by a plain numpy loop, then the rows."""
    zero = MLP(3, [3, 3, 1], activations="sigmoid", init="zeros")
    random = MLP(3, [3, 3, 1], activations="sigmoid", init="he", rng=np.random.default_rng(seed))
    expected = {}
    for name, model in (("zero", zero), ("random", random)):
        reference = _numpy_descent(model.get_weights(), 10, explainer.ALPHA)
        explainer._train(model, 10)
        for W_engine, W_numpy in zip(model.get_weights(), reference):
            np.testing.assert_allclose(W_engine[0], W_numpy, rtol=1e-12, atol=1e-15)
        expected[name] = _hidden_rows_identical(reference)
    assert expected == {"zero": True, "random": False}
    section = explainer.section(seed)
    assert section.find("zero init").engine == 1.0
    assert section.find("random init (He").engine == 1.0


# ------------------------------------------------------------- row format --
def test_printed_tolerance_and_agreement() -> None:
    assert printed_tolerance("0.192") == pytest.approx(5e-4)
    assert printed_tolerance("2.6") == pytest.approx(0.05)
    assert printed_tolerance("1.5e-3") == pytest.approx(5e-5)
    assert Row("x", "0.9308616", 0.93086158).agrees
    assert not Row("x", "0.9308616", 0.9308622).agrees
    assert Row("x", "0.9909", 0.990987, truncated=True).agrees
    assert not Row("x", "0.9909", 0.990987).agrees  # rounding would give 0.9910
    assert not Row("x", "0.5", float("nan")).agrees


# -------------------------------------------------------------------- CLI --
def test_cli_prints_every_row_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough"]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out
    total = sum(len(run([name])[0].rows) for name in SECTIONS)
    assert out.count("✓") == total
    assert f"{total} of {total} rows agree" in out
    assert "0.9308616" in out and "0.02471359" in out and "2.249965" in out


def test_cli_section_selection(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "--section", "tutorial", "--no-notes"]) == 0
    out = capsys.readouterr().out
    assert "Tutorial" in out and "Explainer" not in out and "Step-by-step" not in out
    assert not any(line.startswith("    · ") for line in out.splitlines())  # --no-notes


def test_cli_exits_nonzero_when_a_row_disagrees(monkeypatch: pytest.MonkeyPatch) -> None:
    from viz.cli import walkthrough as cli

    def broken(seed: int) -> Section:
        return Section("tutorial", "broken", [Row("a number the engine gets wrong", "0.8354", 0.9)])

    monkeypatch.setitem(SECTIONS, "tutorial", broken)
    stream = io.StringIO()
    args = type("Args", (), {"section": ["tutorial"], "seed": 0, "no_notes": False})()
    assert cli.run(args, stream) == 1  # type: ignore[arg-type]
    assert "✗ a number the engine gets wrong" in stream.getvalue()


def test_unknown_section_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown walkthrough section 'nope'; known: step-by-step"):
        run(["nope"])


def test_cli_seed_reaches_the_random_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "--section", "explainer", "--seed", "3", "--no-notes"]) == 0
    assert "random init (He, seed 3)" in capsys.readouterr().out
