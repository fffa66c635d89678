"""The pure delivery module: scenario S4 exactly, bands, milestones, periods, track record."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialvalue.delivery import (
    AccrualProfile,
    KpiRecord,
    Milestone,
    PromiseLine,
    Rag,
    RagBands,
    add_months,
    delivery_rate,
    elapsed_share,
    kpi_status,
    monetised,
    months_between,
    period_ending,
    promised_vs_delivered,
    rag_for,
    reporting_periods,
    term_months,
    worst,
)

ROOT = Path(__file__).resolve().parents[2]
S4_START, S4_END = dt.date(2026, 4, 1), dt.date(2028, 3, 31)
S4_AS_AT = dt.date(2026, 9, 30)
#: (commitment, committed, delivered, expected, % of expected, RAG)
S4 = (
    ("local employment", Decimal(8), Decimal("1.5"), Fraction(2), Fraction(75), Rag.AMBER),
    ("apprenticeships", Decimal(6), Decimal(2), Fraction(3, 2), Fraction(400, 3), Rag.GREEN),
    ("VCSE spend", Decimal(50000), Decimal(5000), Fraction(12500), Fraction(40), Rag.RED),
)


def s4_profile(committed: Decimal) -> AccrualProfile:
    return AccrualProfile(S4_START, S4_END, Fraction(committed))


# -- scenario S4 -------------------------------------------------------------------------------


def test_s4_term_is_24_calendar_months_and_the_return_date_a_quarter_of_it() -> None:
    assert term_months(S4_START, S4_END) == 24
    assert months_between(S4_START, S4_AS_AT + dt.timedelta(days=1)) == 6
    assert elapsed_share(S4_START, S4_END, S4_AS_AT) == Fraction(1, 4)
    # Counting days would give 183/731, not a quarter: the scenario counts months.
    assert Fraction((S4_AS_AT - S4_START).days + 1, (S4_END - S4_START).days + 1) != Fraction(1, 4)


@pytest.mark.parametrize(("name", "committed", "delivered", "expected", "percent", "rag"), S4)
def test_s4_each_commitment(
    name: str,
    committed: Decimal,
    delivered: Decimal,
    expected: Fraction,
    percent: Fraction,
    rag: Rag,
) -> None:
    status = kpi_status(s4_profile(committed), S4_AS_AT, reported=delivered, verified=delivered)
    assert status.expected == expected
    assert status.percent_of_expected == percent
    assert status.rag is rag
    assert status.shortfall == Fraction(committed) - Fraction(delivered)


def test_s4_contract_status_is_the_worst_kpi_red() -> None:
    rags = [kpi_status(s4_profile(c), S4_AS_AT, reported=d, verified=d).rag for _, c, d, *_ in S4]
    assert rags == [Rag.AMBER, Rag.GREEN, Rag.RED]
    assert worst(rags) is Rag.RED


def test_s4_end_of_term_report_shows_promised_delivered_and_shortfall() -> None:
    lines = [
        PromiseLine(
            group="GM-S4",
            measure=name,
            unit="GBP" if name == "VCSE spend" else "count",
            promised=Fraction(committed),
            delivered=Fraction(delivered),
            promised_gbp=monetised(committed, None, "GBP" if name == "VCSE spend" else "x"),
            delivered_gbp=monetised(delivered, None, "GBP" if name == "VCSE spend" else "x"),
        )
        for name, committed, delivered, *_ in S4
    ]
    (group,) = promised_vs_delivered(lines)
    shortfalls = {t.measure: t.shortfall for t in group.measures}
    assert shortfalls == {
        "local employment": Fraction(13, 2),
        "apprenticeships": Fraction(4),
        "VCSE spend": Fraction(45000),
    }
    assert group.promised_gbp == 50000
    assert group.delivered_gbp == 5000
    assert group.shortfall_gbp == 45000


def test_only_verified_amounts_count_by_default() -> None:
    status = kpi_status(s4_profile(Decimal(8)), S4_AS_AT, reported=Decimal(2), verified=0)
    assert status.rag is Rag.RED
    assert status.reported == 2
    assert status.counted == 0
    counted = kpi_status(
        s4_profile(Decimal(8)), S4_AS_AT, reported=Decimal(2), verified=0, count_unverified=True
    )
    assert counted.rag is Rag.GREEN


# -- bands and edge cases ----------------------------------------------------------------------


def test_band_edges_are_inclusive() -> None:
    assert rag_for(90, 100) is Rag.GREEN
    assert rag_for(Fraction(8999, 100), 100) is Rag.AMBER
    assert rag_for(60, 100) is Rag.AMBER
    assert rag_for(Fraction(5999, 100), 100) is Rag.RED


def test_bands_are_configurable() -> None:
    strict = RagBands(green_from=Fraction(100), amber_from=Fraction(80))
    assert rag_for(Decimal("1.5"), 2, strict) is Rag.RED
    assert rag_for(Decimal("1.9"), 2, strict) is Rag.AMBER
    assert rag_for(2, 2, strict) is Rag.GREEN


def test_bands_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="amber_from <= green_from"):
        RagBands(green_from=Fraction(50), amber_from=Fraction(60))


def test_nothing_expected_is_not_yet_due_unless_something_was_delivered() -> None:
    assert rag_for(0, 0) is Rag.NOT_DUE
    assert rag_for(1, 0) is Rag.GREEN
    before = kpi_status(s4_profile(Decimal(8)), dt.date(2026, 3, 1), reported=0, verified=0)
    assert before.expected == 0
    assert before.percent_of_expected is None
    assert worst([Rag.NOT_DUE, Rag.NOT_DUE]) is Rag.NOT_DUE
    assert worst([Rag.NOT_DUE, Rag.GREEN]) is Rag.GREEN


def test_expected_is_capped_at_the_commitment_after_the_term() -> None:
    profile = s4_profile(Decimal(6))
    assert profile.expected_by(dt.date(2030, 1, 1)) == 6
    assert profile.expected_by(S4_END) == 6


def test_part_months_count_by_days_of_that_month() -> None:
    # 15 days into a 30-day month (April) is half a month.
    assert months_between(dt.date(2026, 4, 1), dt.date(2026, 4, 16)) == Fraction(1, 2)
    # Month ends clamp: 31 January plus a month is the end of February.
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    months=st.integers(min_value=1, max_value=120),
    probe=st.integers(min_value=-40, max_value=4000),
)
def test_even_accrual_is_monotonic_and_bounded(start: dt.date, months: int, probe: int) -> None:
    end = add_months(start, months) - dt.timedelta(days=1)
    profile = AccrualProfile(start, end, Fraction(100))
    day = start + dt.timedelta(days=probe)
    today, tomorrow = profile.expected_by(day), profile.expected_by(day + dt.timedelta(days=1))
    assert 0 <= today <= tomorrow <= 100
    assert term_months(start, end) == months


# -- milestones --------------------------------------------------------------------------------


def test_milestones_are_steps_with_the_whole_commitment_due_at_the_end() -> None:
    profile = AccrualProfile(
        S4_START,
        S4_END,
        Fraction(6),
        kind="milestones",
        milestones=(Milestone(dt.date(2027, 3, 31), Fraction(2)),),
    )
    assert profile.expected_by(dt.date(2027, 3, 30)) == 0
    assert profile.expected_by(dt.date(2027, 3, 31)) == 2
    assert profile.expected_by(dt.date(2028, 3, 30)) == 2
    assert profile.expected_by(S4_END) == 6


@pytest.mark.parametrize(
    ("milestones", "message"),
    [
        ((), "at least one milestone"),
        ((Milestone(dt.date(2029, 1, 1), Fraction(1)),), "outside the contract term"),
        ((Milestone(dt.date(2027, 1, 1), Fraction(9)),), "more than the whole commitment"),
        (
            (
                Milestone(dt.date(2027, 1, 1), Fraction(3)),
                Milestone(dt.date(2027, 6, 1), Fraction(2)),
            ),
            "cumulative",
        ),
        (
            (
                Milestone(dt.date(2027, 1, 1), Fraction(1)),
                Milestone(dt.date(2027, 1, 1), Fraction(2)),
            ),
            "same date",
        ),
        ((Milestone(S4_END, Fraction(5)),), "last day of the term"),
    ],
)
def test_bad_milestones_are_refused(milestones: tuple[Milestone, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AccrualProfile(S4_START, S4_END, Fraction(6), kind="milestones", milestones=milestones)


# -- reporting periods -------------------------------------------------------------------------


def test_quarterly_periods_align_to_the_contract_start_with_due_dates() -> None:
    periods = reporting_periods(S4_START, S4_END, "quarterly")
    assert len(periods) == 8
    first, second = periods[0], periods[1]
    assert (first.start, first.end, first.due) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 20),
    )
    assert second.end == S4_AS_AT
    assert periods[-1].end == S4_END
    assert period_ending(periods, S4_AS_AT) is second
    assert period_ending(periods, dt.date(2026, 9, 29)) is None


def test_monthly_periods_and_a_short_last_period() -> None:
    periods = reporting_periods(dt.date(2026, 1, 15), dt.date(2026, 4, 30), "monthly")
    assert [(p.start, p.end) for p in periods] == [
        (dt.date(2026, 1, 15), dt.date(2026, 2, 14)),
        (dt.date(2026, 2, 15), dt.date(2026, 3, 14)),
        (dt.date(2026, 3, 15), dt.date(2026, 4, 14)),
        (dt.date(2026, 4, 15), dt.date(2026, 4, 30)),
    ]


def test_overdue_only_after_the_due_date_and_only_without_a_return() -> None:
    period = reporting_periods(S4_START, S4_END, "quarterly")[0]
    assert not period.is_overdue(dt.date(2026, 7, 20), returned=False)
    assert period.is_overdue(dt.date(2026, 7, 21), returned=False)
    assert not period.is_overdue(dt.date(2026, 7, 21), returned=True)


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    days=st.integers(min_value=0, max_value=3000),
    frequency=st.sampled_from(["monthly", "quarterly"]),
)
def test_periods_tile_the_term_without_gaps(start: dt.date, days: int, frequency: str) -> None:
    end = start + dt.timedelta(days=days)
    periods = reporting_periods(start, end, frequency)
    assert periods[0].start == start
    assert periods[-1].end == end
    for earlier, later in itertools.pairwise(periods):
        assert later.start == earlier.end + dt.timedelta(days=1)


# -- track record ------------------------------------------------------------------------------


def test_delivery_rate_caps_over_delivery_and_skips_kpis_not_due() -> None:
    record = delivery_rate(
        [
            KpiRecord("C1", Fraction(2), Fraction(3, 2)),  # 75%
            KpiRecord("C1", Fraction(3, 2), Fraction(2)),  # 133% -> 100%
            KpiRecord("C1", Fraction(12500), Fraction(5000)),  # 40%
            KpiRecord("C2", Fraction(0), Fraction(0)),  # not due: not measured
        ]
    )
    assert record.contracts == 2
    assert record.kpis_measured == 3
    assert record.kpis_met == 1
    assert record.rate == (Fraction(3, 4) + 1 + Fraction(2, 5)) / 3
    assert delivery_rate([]).rate is None


def test_monetised_values() -> None:
    assert monetised(Decimal(3), Decimal("100.50"), "weeks") == Fraction(30150, 100)
    assert monetised(Decimal(5000), None, "GBP") == 5000
    assert monetised(Decimal(5), None, "FTE-years") is None


# -- purity ------------------------------------------------------------------------------------


def test_the_package_imports_only_the_standard_library() -> None:
    code = (
        "import json, sys\nimport socialvalue.delivery\n"
        "print(json.dumps([m for m in ['flask', 'sqlalchemy', 'pandas', 'marshmallow'] "
        "if m in sys.modules]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(completed.stdout) == []
