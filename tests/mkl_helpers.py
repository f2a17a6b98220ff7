"""Tests' way to run as on a machine without Intel's MKL: the ``mkl`` distribution is not found."""

from __future__ import annotations

import importlib.metadata

import pytest

from nets import mkl_products


def hide_mkl(monkeypatch: pytest.MonkeyPatch) -> None:
    """``importlib.metadata`` finds no ``mkl`` distribution until ``monkeypatch`` undoes it; the loaded library is
    forgotten now (call ``mkl_products._load.cache_clear()`` after the undo to forget the failure's state too)."""
    real = importlib.metadata.distribution

    def distribution(name: str) -> importlib.metadata.Distribution:
        if name == "mkl":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    mkl_products._load.cache_clear()
    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
