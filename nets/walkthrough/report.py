"""The row format every walkthrough section returns.

A :class:`Row` puts a number the reader can check (``expected``: printed in a
seed, or the seed's formula evaluated) beside the engine's value, and says
whether they agree at the precision of the source: for a printed number, to
half a unit in its last printed digit (``"0.9308616"`` → ±5e-8), or, where the
source cut digits instead of rounding, equal after the same cut; for a
formula, to a relative 1e-9; for central differences, to 1e-9 + 1e-6 relative.
A :class:`Section` is a title, rows and notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

FORMULA_RTOL, FORMULA_ATOL = 1e-9, 1e-15
NUMERICAL_RTOL, NUMERICAL_ATOL = 1e-6, 1e-9  # central differences (eps 1e-6) against backward()
PRINTED = ("seed", "variant")


def printed_tolerance(printed: str) -> float:
    """Half a unit in the last printed decimal: ``"0.192"`` → 5e-4, ``"2.6"`` → 0.05, ``"3"`` → 0.5."""
    text = printed.strip().lower()
    if "e" in text:
        mantissa, exponent = text.split("e")
        return printed_tolerance(mantissa) * 10.0 ** int(exponent)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


@dataclass(frozen=True)
class Row:
    """One checked number: description, the source's value (as printed), the engine's value."""

    description: str
    expected: str
    engine: float
    # "seed": printed there; "variant": the seed's recipe with one input changed;
    # "formula": the seed's formula; "numerical"; "check"
    source: str = "seed"
    note: str = ""
    truncated: bool = False  # the source cut its digits instead of rounding (0.990987 printed as 0.9909)

    @property
    def expected_value(self) -> float:
        return float(self.expected)

    @property
    def tolerance(self) -> float:
        if self.source in PRINTED:
            return printed_tolerance(self.expected) * (1 + 1e-9)
        if self.source == "numerical":
            return NUMERICAL_ATOL + NUMERICAL_RTOL * abs(self.expected_value)
        return FORMULA_RTOL * abs(self.expected_value) + FORMULA_ATOL

    @property
    def agrees(self) -> bool:
        """|engine - expected| within the source's precision (finite values only)."""
        if not math.isfinite(self.engine):
            return False
        if self.truncated:
            unit = 2 * printed_tolerance(self.expected)
            cut = math.trunc(self.engine / unit + (1e-9 if self.engine >= 0 else -1e-9)) * unit
            return abs(cut - self.expected_value) <= 1e-9 * unit
        return abs(self.engine - self.expected_value) <= self.tolerance

    def engine_text(self) -> str:
        """The engine's value, shown to the source's precision plus two digits."""
        if self.source == "check":
            return "yes" if self.engine else "no"
        if self.source in PRINTED:
            text = self.expected.strip()
            decimals = len(text.split(".")[1]) if "." in text and "e" not in text.lower() else 0
            return f"{self.engine:.{decimals + 2}f}"
        return f"{self.engine:.10g}"

    def expected_text(self) -> str:
        if self.source == "check":
            return "yes" if self.expected_value else "no"
        return self.expected


def check(description: str, fact: bool, note: str = "") -> Row:
    """A yes/no row: the engine shows ``fact`` to be true."""
    return Row(description, "1", 1.0 if fact else 0.0, source="check", note=note)


def formula(description: str, by_formula: float, engine: float, note: str = "") -> Row:
    """A row comparing the seed's formula (evaluated in floats) with the engine."""
    return Row(description, repr(float(by_formula)), float(engine), source="formula", note=note)


def numerical(description: str, by_differences: float, engine: float, note: str = "") -> Row:
    """A row comparing a central-difference derivative with backward()."""
    return Row(description, repr(float(by_differences)), float(engine), source="numerical", note=note)


@dataclass
class Section:
    """A titled list of rows and short notes (explanations shown under the rows)."""

    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return all(row.agrees for row in self.rows)

    def add(self, description: str, printed: str, engine: float, note: str = "", truncated: bool = False) -> Row:
        """Append a row checking a number printed in the seed (rounded, or cut when ``truncated``)."""
        row = Row(description, printed, float(engine), source="seed", note=note, truncated=truncated)
        self.rows.append(row)
        return row

    def find(self, description_start: str) -> Row:
        """The first row whose description starts with ``description_start`` (KeyError if none)."""
        for row in self.rows:
            if row.description.startswith(description_start):
                return row
        raise KeyError(f"section {self.key}: no row starting with {description_start!r}")
