"""``autonode train``'s regularisation, schedule and stopping options reach the trainer; bad values are usage errors."""

from __future__ import annotations

import re

import pytest

from viz.cli.main import main


def test_adaptive_schedule_and_validation_stop_the_run_as_the_trainer_says(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "--dataset", "moons", "--samples", "100", "--epochs", "200", "--quiet", "--alpha", "0.01",
                 "--schedule", "adaptive", "--n-iter-no-change", "2", "--validation-fraction", "0.25"])
    out = capsys.readouterr().out
    assert code == 0
    stopped = re.search(r"stopped after epoch (\d+): Validation score did not improve more than tol=0\.000100 "
                        r"for 2 consecutive epochs\.", out)
    assert stopped, out
    # each stall divides the rate by 5 until it is at most 1e-6 (0.01 → 2e-3 → ... → 6.4e-7): at least 7 stalls
    epochs = int(stopped.group(1))
    assert 7 * 3 <= epochs < 200
    assert re.search(rf"after {epochs} epochs", out)


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--alpha", "-1", "--alpha must be a number >= 0"),
    ("--validation-fraction", "1.5", r"--validation-fraction must be in \[0, 1\)"),
    ("--schedule", "linear", "invalid choice: 'linear'"),
    ("--step-every", "0", "every .* must be a positive integer"),
])
def test_bad_values_are_usage_errors(option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--schedule", "step"] if option == "--step-every" else []
    with pytest.raises(SystemExit) as stop:
        code = main(["train", "--dataset", "moons", "--quiet", option, value, *extra])
        raise SystemExit(code)
    assert stop.value.code == 2
    assert re.search(message, capsys.readouterr().err)
