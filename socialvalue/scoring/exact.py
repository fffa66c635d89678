"""Exact numbers: converting inputs to ``Fraction`` and showing fractions to people.

All scoring arithmetic is done on ``fractions.Fraction``. Rounding happens only here, when a
value is turned into text for display, and always half up (the way people round by hand, so a
published 87.095 reads 87.10 whatever the binary representation would have done).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import isqrt, lcm
from typing import Final

__all__ = [
    "display",
    "exact_str",
    "exact_sum",
    "money",
    "show",
    "sqrt_rounded",
    "to_fraction",
]

_ZERO: Final = Fraction(0)


def to_fraction(value: object) -> Fraction | None:
    """Convert a Decimal, int, decimal string or Fraction to a Fraction; None if it is not one.

    ``float`` and ``bool`` are refused on purpose: a float has already lost exactness, and a
    bool is almost certainly a mistake. Non-finite Decimals (NaN, Infinity) are refused too.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, str):
        text = value.strip()
        if "/" in text:
            try:
                return Fraction(text)
            except (ValueError, ZeroDivisionError):
                return None
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            return None
        if not parsed.is_finite():
            return None
        return Fraction(parsed)
    return None


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    """The exact sum of Fractions, faster than adding them one by one.

    Adding Fractions reduces by a gcd at every step; here numerators are added per denominator
    (a tender's weighted scores share few denominators) and combined once at the end.
    """
    by_denominator: dict[int, int] = {}
    for value in values:
        denominator = value.denominator
        by_denominator[denominator] = by_denominator.get(denominator, 0) + value.numerator
    if not by_denominator:
        return _ZERO
    common = lcm(*by_denominator)
    return Fraction(
        sum(numerator * (common // d) for d, numerator in by_denominator.items()), common
    )


def exact_str(value: Fraction) -> str:
    """The exact value as text: ``"1829/21"``, or ``"40"`` for a whole number."""
    return str(value)


def _round_half_up(value: Fraction, places: int) -> tuple[bool, int]:
    scale = 10**places
    numerator = abs(value.numerator) * scale
    # floor(x + 1/2) on the magnitude, so -0.005 shows as -0.01 like 0.005 shows as 0.01.
    rounded = (2 * numerator + value.denominator) // (2 * value.denominator)
    return value.numerator < 0 and rounded != 0, rounded


def display(value: Fraction, places: int = 2) -> str:
    """Round half up to ``places`` decimal places for display: ``Fraction(1829, 21)`` -> "87.10"."""
    negative, rounded = _round_half_up(value, places)
    if places == 0:
        return f"{'-' if negative else ''}{rounded}"
    whole, part = divmod(rounded, 10**places)
    return f"{'-' if negative else ''}{whole}.{part:0{places}d}"


_MILLION: Final = 10**6


def show(value: Fraction) -> str:
    """A value for a human explanation, exact wherever it can be.

    Whole numbers and short finite decimals are shown as decimals ("40", "27.5", "0.125");
    anything else as the exact fraction with a 4 dp approximation ("800/21 ≈ 38.0952").
    """
    denominator = value.denominator
    if denominator == 1:
        return str(value.numerator)
    # A finite decimal of at most 6 places exactly when the denominator divides 10^6.
    if _MILLION % denominator == 0:
        places = 1
        while (10**places) % denominator:
            places += 1
        return display(value, places)
    return f"{value} ≈ {display(value, 4)}"


def money(value: Fraction, currency: str = "GBP") -> str:
    """Money for display: "£105,000.00" (other currencies as "EUR 1,000.00")."""
    negative, rounded = _round_half_up(value, 2)
    whole, pence = divmod(rounded, 100)
    sign = "-" if negative else ""
    prefix = "£" if currency == "GBP" else f"{currency} "
    return f"{sign}{prefix}{whole:,}.{pence:02d}"


def sqrt_rounded(value: Fraction, places: int = 4) -> Decimal:
    """The square root of a non-negative Fraction, rounded half up to ``places`` decimals.

    Square roots are irrational in general, so this is the one computed value that cannot be
    exact; integer square roots make the rounding itself exact (no floating point involved).
    """
    if value < _ZERO:
        raise ValueError("square root of a negative number")
    scale = 10**places
    # floor(2 * sqrt(v) * scale) == isqrt(floor(4 * v * scale^2)); then floor(y + 1/2).
    doubled = isqrt((4 * value.numerator * scale * scale) // value.denominator)
    rounded = (doubled + 1) // 2
    return Decimal(rounded).scaleb(-places)
