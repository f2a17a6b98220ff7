"""``autonode train --kernels``: compiled kernels and MKL's products train to numpy's numbers; a missing library is a
usage error naming the install command."""

from __future__ import annotations

import re

import pytest

from nets import compiled, mkl_products
from tests.mkl_helpers import hide_mkl
from viz.cli.main import main

MODERN_MOONS = ["train", "--dataset", "moons", "--samples", "200", "--recipe", "modern", "--epochs", "5", "--quiet"]


def _final_line(out: str) -> tuple[float, str]:
    loss = re.search(r"final loss (\S+) after", out)
    accuracy = re.search(r"accuracy: train .*", out)
    assert loss and accuracy, out
    return float(loss.group(1)), accuracy.group(0)


def test_numba_kernels_reach_numpys_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("numba")
    assert main([*MODERN_MOONS, "--kernels", "numpy"]) == 0
    loss_numpy, accuracy_numpy = _final_line(capsys.readouterr().out)
    assert main([*MODERN_MOONS, "--kernels", "numba"]) == 0
    loss_numba, accuracy_numba = _final_line(capsys.readouterr().out)
    assert loss_numba == pytest.approx(loss_numpy, rel=1e-5)  # printed to 6 significant digits
    assert accuracy_numba == accuracy_numpy


def test_mkl_products_reach_numpys_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    if not (compiled.available() and mkl_products.available()):
        pytest.skip("numba+mkl needs the numba and mkl extras")
    wide = [*MODERN_MOONS, "--hidden", "1024", "1024"]  # 1024·1024 weights: products large enough for MKL
    assert main([*wide, "--kernels", "numpy"]) == 0
    loss_numpy, accuracy_numpy = _final_line(capsys.readouterr().out)
    assert main([*wide, "--kernels", "numba+mkl"]) == 0
    loss_mkl, accuracy_mkl = _final_line(capsys.readouterr().out)
    assert loss_mkl == pytest.approx(loss_numpy, rel=1e-5)
    assert accuracy_mkl == accuracy_numpy


@pytest.mark.parametrize(("missing", "message", "hint"), [
    ("numba", "--kernels numba+mkl needs numba", "pip install -e '.[numba]'"),
    ("mkl", "--kernels numba+mkl: the mkl products need Intel's MKL", "pip install -e '.[mkl]'"),
])
def test_mkl_products_without_a_library_is_a_usage_error_with_the_install_command(
        missing: str, message: str, hint: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    if missing == "numba":
        monkeypatch.setattr(compiled, "available", lambda: False)
    elif not compiled.available():
        pytest.skip("without numba the message names numba first (the case above)")
    else:
        hide_mkl(monkeypatch)
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(main([*MODERN_MOONS, "--kernels", "numba+mkl"]))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and hint in err


def test_numba_kernels_without_numba_is_a_usage_error_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(compiled, "available", lambda: False)
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(main([*MODERN_MOONS, "--kernels", "numba"]))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--kernels numba needs numba" in err and "pip install -e '.[numba]'" in err


def test_unknown_kernels_are_refused_naming_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*MODERN_MOONS, "--kernels", "cuda"])
    assert stop.value.code == 2
    assert "invalid choice: 'cuda' (choose from 'numpy', 'numba', 'numba+mkl')" in capsys.readouterr().err
