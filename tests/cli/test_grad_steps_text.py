"""``autonode grad``'s printed chain-rule steps: the notation of the --steps page and the report, numbers by hand."""

from __future__ import annotations

import math
import re

import pytest

from viz.cli.main import main


def test_each_step_is_upstream_times_local_with_the_running_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "tanh(a*b + b**2)", "--at", "a=2,b=-3"]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines() if re.match(r"\s+\d+\. ", line)]
    # by hand: u = a·b + b² = 3, ∂out/∂u = 1 − tanh²(3); u = p + q with p = a·b, q = b²
    du = 1 - math.tanh(3.0) ** 2
    expected = [  # (text before the numbers, upstream, local, running total of the input)
        ("∂out/∂out · ∂out/∂(a*b + b**2)", 1.0, du, du),
        ("∂out/∂(a*b + b**2) · ∂(a*b + b**2)/∂(a*b)", du, 1.0, du),
        ("∂out/∂(a*b + b**2) · ∂(a*b + b**2)/∂(b**2)", du, 1.0, du),
        ("∂out/∂(b**2) · ∂(b**2)/∂b", du, -6.0, -6 * du),  # ∂q/∂b = 2b
        ("∂out/∂(a*b) · ∂(a*b)/∂a", du, -3.0, -3 * du),  # ∂p/∂a = b
        ("∂out/∂(a*b) · ∂(a*b)/∂b", du, 2.0, -6 * du + 2 * du),  # ∂p/∂b = a, added to b's −6·du
    ]
    assert len(lines) == len(expected)
    for line, (names, upstream, local, total) in zip(lines, expected):
        text = line.split(". ", 1)[1]
        assert text.startswith(names + " = "), text
        arithmetic, total_part = text[len(names):].split(", added to ", 1)
        number = r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?"
        shown_up, shown_local, shown_product = (float(x) for x in re.findall(number, arithmetic))
        shown_total = float(re.findall(r"\(now (" + number + r")\)", total_part)[0])
        assert shown_up == pytest.approx(upstream, rel=1e-5) and shown_local == pytest.approx(local, rel=1e-5)
        assert shown_product == pytest.approx(upstream * local, rel=1e-5)
        assert shown_total == pytest.approx(total, rel=1e-5)
        if local < 0:
            assert f"· ({shown_local:g})" in text  # a negative factor in parentheses
