"""``autonode train --engine scalar`` end to end on digits, moons, circles and XOR (small settings).

The per-node engine is slow, so it must not be silent: the progress bar
appears by itself on runs expected to take more than ``AUTO_PROGRESS_SECONDS``.
Here that threshold is set to 0 so the bar (with tqdm's elapsed<remaining ETA)
shows on these short runs too; the final accuracy line is checked against chance.
"""

from __future__ import annotations

import re

import pytest

import nets.train
from viz.cli.main import main

# dataset → (extra options, minimum test accuracy in %): chance is 10 % for digits, 50 % for the others
RUNS = {
    "digits": (["--recipe", "modern", "--hidden", "8", "--epochs", "2"], 60.0),
    "moons": (["--hidden", "16", "--samples", "100"], 75.0),
    "circles": (["--hidden", "16", "--samples", "100"], 75.0),
    "xor": (["--hidden", "16", "--samples", "100"], 75.0),
}


@pytest.mark.parametrize("dataset", list(RUNS))
def test_scalar_engine_trains_with_progress_eta_and_accuracy(
    dataset: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nets.train, "AUTO_PROGRESS_SECONDS", 0.0)
    options, minimum = RUNS[dataset]
    code = main(["train", "--engine", "scalar", "--dataset", dataset, *options])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "expect it to be slow" in captured.out
    assert re.search(r"scalar modern: +100%.*\[\d\d:\d\d<\d\d:\d\d", captured.err), captured.err[-300:]
    found = re.search(r"accuracy: train ([\d.]+) %, test ([\d.]+) %", captured.out)
    assert found, captured.out
    assert float(found.group(2)) >= minimum


def test_quiet_run_has_no_bar(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nets.train, "AUTO_PROGRESS_SECONDS", 0.0)
    assert main(["train", "--engine", "scalar", "--dataset", "xor", "--hidden", "4", "--samples", "40",
                 "--epochs", "2", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "%|" not in captured.err and "accuracy: train" in captured.out


@pytest.mark.parametrize("options,pattern,code", [
    (["--epochs", "0"], r"--epochs must be a positive integer up to 10,000,000, got 0", 2),
    (["--batch-size", "-3"], r"--batch-size must be a positive integer \(0: full batch\) up to 1,000,000, got -3", 2),
    (["--hidden", "3", "0"], r"--hidden: every hidden layer needs a positive number of units, got \[3, 0\]", 2),
    (["--lr", "nan"], r"lr \(learning rate\) must be a positive finite number, got nan", 2),
    (["--lr", "inf"], r"lr \(learning rate\) must be a positive finite number, got inf", 2),
    (["--samples", "2"], r"--samples must be an integer from 4 up to 1,000,000, got 2", 2),
])
def test_bad_settings_name_the_option(options: list[str], pattern: str, code: int,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--engine", "scalar", "--dataset", "xor", "--quiet", *options]) == code
    assert re.search(pattern, capsys.readouterr().err)
