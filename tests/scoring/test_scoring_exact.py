"""Exact numbers: conversion, display rounding, explanations."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialvalue.scoring.exact import display, exact_sum, money, show, sqrt_rounded, to_fraction

F = Fraction


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (F(1829, 21), "87.10"),
        (F(800, 21), "38.10"),
        (F(77), "77.00"),
        (F(153, 2), "76.50"),
        (F(1, 200), "0.01"),  # 0.005 rounds half up
        (F(-1, 200), "-0.01"),
        (F(-1, 1000), "0.00"),
        (F(2675, 1000), "2.68"),  # 2.675 (a float would show 2.67)
    ],
)
def test_display_rounds_half_up_to_two_places(value: Fraction, expected: str) -> None:
    assert display(value) == expected


def test_show_is_exact_where_it_can_be() -> None:
    assert show(F(40)) == "40"
    assert show(F(55, 2)) == "27.5"
    assert show(F(1, 8)) == "0.125"
    assert show(F(800, 21)) == "800/21 ≈ 38.0952"
    assert show(F(1, 10**7)) == "1/10000000 ≈ 0.0000"


def test_money() -> None:
    assert money(F(105000)) == "£105,000.00"
    assert money(F(100000, 72)) == "£1,388.89"
    assert money(F(5), "EUR") == "EUR 5.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("105000.00"), F(105000)),
        (3, F(3)),
        ("0.4", F(2, 5)),
        ("2/5", F(2, 5)),
        (F(1, 3), F(1, 3)),
        (3.0, None),
        (True, None),
        (Decimal("NaN"), None),
        ("Infinity", None),
        ("abc", None),
        ("1/0", None),
        (None, None),
    ],
)
def test_to_fraction(value: object, expected: Fraction | None) -> None:
    assert to_fraction(value) == expected


def test_square_root_rounding() -> None:
    assert sqrt_rounded(F(2, 3)) == Decimal("0.8165")
    assert sqrt_rounded(F(4)) == Decimal("2.0000")
    assert sqrt_rounded(F(0)) == Decimal("0.0000")
    with pytest.raises(ValueError, match="negative"):
        sqrt_rounded(F(-1))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fractions(max_denominator=10**6), max_size=30))
def test_exact_sum_equals_sum(values: list[Fraction]) -> None:
    assert exact_sum(values) == sum(values, F(0))


@settings(max_examples=100, deadline=None)
@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**5))
def test_display_matches_decimal_half_up(value: Fraction) -> None:
    from decimal import ROUND_HALF_UP, localcontext

    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        expected = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert display(value) == (str(expected) if expected != 0 else "0.00")


@settings(max_examples=100, deadline=None)
@given(st.fractions(min_value=0, max_value=10**4, max_denominator=10**4))
def test_sqrt_rounded_is_within_half_a_unit(value: Fraction) -> None:
    root = sqrt_rounded(value)
    low, high = max(root - Decimal("0.00005"), Decimal(0)), root + Decimal("0.00005")
    # low^2 <= value <= high^2, exactly.
    assert F(low) ** 2 <= value <= F(high) ** 2
