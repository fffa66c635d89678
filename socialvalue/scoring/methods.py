"""Scoring methods: each returns (normalised 0..1, weighted points, explanation).

Every function is exact (Fractions in, Fractions out) and says in its explanation which inputs
and which formula produced the number, so a result can be checked by hand. The formulas and
worked examples are in docs/scoring.md.

Benchmarks (lowest price, best commitment, best offer) are always those of *compliant* bids;
the engine works them out and passes them in.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from .exact import money, show

__all__ = [
    "against_target_score",
    "linear_deviation_score",
    "lowest_price_ratio_score",
    "monetised_score",
    "qualitative_score",
    "relative_to_best_score",
]

_ZERO: Final = Fraction(0)
_ONE: Final = Fraction(1)

Scored = tuple[Fraction, Fraction, str]


def qualitative_score(raw: Fraction, minimum: int, maximum: int, weight: Fraction) -> Scored:
    """Scale score: ``(raw - min) / (max - min) x weight``.

    Example: 4 on a 0-5 scale, weight 25: ``4 / 5 x 25 = 20``.
    """
    # One reduction each instead of a subtraction, a division and a multiplication.
    span = maximum - minimum
    above = raw.numerator - minimum * raw.denominator
    normalised = Fraction(above, raw.denominator * span)
    weighted = Fraction(above * weight.numerator, raw.denominator * span * weight.denominator)
    if minimum == 0:
        formula = f"{show(raw)} / {maximum}"
    else:
        formula = f"({show(raw)} − {minimum}) / ({maximum} − {minimum})"
    return normalised, weighted, f"{formula} × {show(weight)} = {show(weighted)}"


def lowest_price_ratio_score(price: Fraction, lowest: Fraction, weight: Fraction) -> Scored:
    """``weight x lowest compliant price / price``.

    Example: weight 40, lowest 100,000, price 105,000: ``40 x 100000 / 105000 = 800/21``.
    """
    normalised = lowest / price
    weighted = weight * normalised
    return (
        normalised,
        weighted,
        f"{show(weight)} × {show(lowest)} / {show(price)} = {show(weighted)}",
    )


def linear_deviation_score(price: Fraction, lowest: Fraction, weight: Fraction) -> Scored:
    """``weight x max(0, 1 - (price - lowest) / lowest)``: 1% dearer than the lowest compliant
    price loses 1% of the price weight; twice the lowest price or more scores 0.

    Example: weight 40, lowest 100,000, price 105,000: ``40 x (1 - 5000/100000) = 38``.
    """
    normalised = max(_ZERO, _ONE - (price - lowest) / lowest)
    weighted = weight * normalised
    return (
        normalised,
        weighted,
        f"{show(weight)} × max(0, 1 − ({show(price)} − {show(lowest)}) / {show(lowest)}) "
        f"= {show(weighted)}",
    )


def relative_to_best_score(commitment: Fraction, best: Fraction, weight: Fraction) -> Scored:
    """``weight x commitment / best compliant commitment``; a best of 0 means everyone scores 0.

    Example: weight 10, commitment 4, best 8: ``10 x 4 / 8 = 5``.
    """
    if best == _ZERO:
        return (
            _ZERO,
            _ZERO,
            "the best compliant commitment is 0, so every bid scores 0 on this criterion",
        )
    normalised = Fraction(
        commitment.numerator * best.denominator, commitment.denominator * best.numerator
    )
    weighted = weight * normalised
    return (
        normalised,
        weighted,
        f"{show(weight)} × {show(commitment)} / {show(best)} (best compliant) = {show(weighted)}",
    )


def against_target_score(commitment: Fraction, target: Fraction, weight: Fraction) -> Scored:
    """``weight x min(1, commitment / target)``: full marks at or above the target.

    Example: weight 10, commitment 4, target 5: ``10 x min(1, 4 / 5) = 8``.
    """
    normalised = min(_ONE, commitment / target)
    weighted = weight * normalised
    return (
        normalised,
        weighted,
        f"{show(weight)} × min(1, {show(commitment)} / {show(target)} target) = {show(weighted)}",
    )


def monetised_score(
    quantity: Fraction,
    unit: str,
    proxy_value_gbp: Fraction,
    best_offer_gbp: Fraction,
    pool_weight: Fraction,
) -> Scored:
    """One monetised criterion's share of the pooled social value offer.

    All monetised criteria form one pool whose weight is the sum of their weights. A bid's
    offer is ``sum(quantity x proxy value)`` over them, and the pool scores
    ``pool weight x offer / best compliant offer``. That score is attributed to the criteria in
    proportion to the £ each contributes, so criterion c gets
    ``pool weight x (quantity_c x proxy_c) / best offer`` and the criteria add up to the pool
    score. ``normalised`` is the criterion's £ as a share of the best offer.

    Example: pool weight 20, 8 FTE-years at £30,000, best offer £400,000:
    ``20 x 240000 / 400000 = 12``.
    """
    value = quantity * proxy_value_gbp
    if best_offer_gbp == _ZERO:
        return (
            _ZERO,
            _ZERO,
            "the best compliant social value offer is £0, so every bid scores 0 here",
        )
    normalised = value / best_offer_gbp
    weighted = pool_weight * normalised
    return (
        normalised,
        weighted,
        f"pool weight {show(pool_weight)} × ({show(quantity)} {unit} × {money(proxy_value_gbp)} "
        f"= {money(value)}) / best compliant offer {money(best_offer_gbp)} = {show(weighted)}",
    )
