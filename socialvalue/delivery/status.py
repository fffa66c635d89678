"""Expected-to-date, % of expected, RAG, contract status, promised vs delivered, track record.

Pure and exact: quantities go in as ``Decimal`` or ``Fraction`` and every result is a
``Fraction``; round only for display.

**Accrual profiles** (how much of a commitment is expected by a date):

* ``even`` (the default): the commitment accrues evenly over the term by elapsed calendar
  months (see :mod:`socialvalue.delivery.terms`). 8 FTE-years over 24 months is 2 FTE-years
  expected by the end of month 6.
* ``milestones``: the officer sets dated milestones, each a *cumulative* quantity due by that
  date. The profile is a **step**: what is expected at a date is the cumulative quantity of the
  latest milestone on or before it (nothing is expected before the first milestone). A
  milestone is a deadline, so nothing is "due" part-way between two of them. The whole
  commitment is always due by the end of the term: if no milestone falls on the last day of
  the term, one for the full commitment is implied there.

**RAG** (with configurable bands; defaults green at 90% of expected or more, amber from 60%,
red below 60%):

* % of expected = delivered / expected × 100, exactly.
* When nothing is expected yet (expected = 0) there is no percentage: the KPI is "not yet
  due" — unless something was already delivered, which is ahead of profile and so green.
* A contract's status is the worst of its KPIs' (red worse than amber worse than green); KPIs
  not yet due do not count; a contract whose KPIs are all not yet due is "not yet due".

**Supplier delivery rate** (track record): for each KPI of each of the supplier's contracts
with something expected by its status date, the achievement is delivered / expected, capped at
100% so that over-delivering one promise cannot hide a shortfall on another; the rate is the
mean achievement over all those KPIs, each KPI counting once.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .terms import elapsed_share

Number = Decimal | Fraction | int

ACCRUAL_KINDS = ("even", "milestones")


class Rag(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NOT_DUE = "not_due"

    @property
    def label(self) -> str:
        return RAG_LABELS[self]

    @property
    def severity(self) -> int:
        return {Rag.NOT_DUE: 0, Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}[self]


RAG_LABELS = {
    Rag.GREEN: "Green: on track",
    Rag.AMBER: "Amber: behind",
    Rag.RED: "Red: well behind",
    Rag.NOT_DUE: "Not yet due",
}


def _exact(value: Number) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("quantities must be finite numbers")
        return Fraction(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    raise TypeError(f"expected an exact number, got {type(value).__name__}")


@dataclass(frozen=True)
class RagBands:
    """Percent-of-expected thresholds: green at ``green_from`` or more, amber from
    ``amber_from``, red below."""

    green_from: Fraction = Fraction(90)
    amber_from: Fraction = Fraction(60)

    def __post_init__(self) -> None:
        object.__setattr__(self, "green_from", _exact(self.green_from))
        object.__setattr__(self, "amber_from", _exact(self.amber_from))
        if not 0 <= self.amber_from <= self.green_from:
            raise ValueError("bands must satisfy 0 <= amber_from <= green_from")

    def classify(self, percent: Fraction) -> Rag:
        if percent >= self.green_from:
            return Rag.GREEN
        if percent >= self.amber_from:
            return Rag.AMBER
        return Rag.RED


DEFAULT_BANDS = RagBands()


@dataclass(frozen=True)
class Milestone:
    due: dt.date
    cumulative: Fraction

    def __post_init__(self) -> None:
        object.__setattr__(self, "cumulative", _exact(self.cumulative))


@dataclass(frozen=True)
class AccrualProfile:
    """How a commitment of ``committed`` accrues over the term ``start``..``end``."""

    start: dt.date
    end: dt.date
    committed: Fraction
    kind: str = "even"
    milestones: tuple[Milestone, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "committed", _exact(self.committed))
        problems = profile_problems(
            self.start, self.end, self.committed, self.kind, self.milestones
        )
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "milestones", tuple(sorted(self.milestones, key=lambda m: m.due)))

    def expected_by(self, as_at: dt.date) -> Fraction:
        """Cumulative quantity expected by the end of ``as_at``."""
        if self.kind == "even":
            return self.committed * elapsed_share(self.start, self.end, as_at)
        steps = list(self.milestones)
        if not steps or steps[-1].due < self.end:
            steps.append(Milestone(self.end, self.committed))
        expected = Fraction(0)
        for milestone in steps:
            if milestone.due <= as_at:
                expected = milestone.cumulative
        return expected


def profile_problems(
    start: dt.date,
    end: dt.date,
    committed: Number,
    kind: str,
    milestones: Sequence[Milestone],
) -> list[str]:
    """Why this accrual profile is not valid, in plain English (empty when it is)."""
    problems: list[str] = []
    committed = _exact(committed)
    if end < start:
        problems.append("The contract ends before it starts")
    if committed < 0:
        problems.append("The commitment cannot be negative")
    if kind not in ACCRUAL_KINDS:
        problems.append("Choose even accrual or dated milestones")
        return problems
    if kind == "even":
        return problems
    if not milestones:
        problems.append("Add at least one milestone, or choose even accrual")
        return problems
    ordered = sorted(milestones, key=lambda m: m.due)
    dates = [m.due for m in ordered]
    if len(set(dates)) != len(dates):
        problems.append("Two milestones have the same date: give each milestone its own date")
    for milestone in ordered:
        if not start <= milestone.due <= end:
            problems.append(
                f"The milestone dated {milestone.due.isoformat()} is outside the contract term"
            )
        if milestone.cumulative < 0:
            problems.append("Milestone quantities cannot be negative")
        if milestone.cumulative > committed:
            problems.append(
                f"A milestone cannot expect more than the whole commitment ({_plain(committed)})"
            )
    for earlier, later in itertools.pairwise(ordered):
        if later.cumulative < earlier.cumulative:
            problems.append(
                "Milestone quantities are cumulative, so each must be at least the one before"
            )
            break
    if ordered[-1].due == end and ordered[-1].cumulative != committed:
        problems.append(
            "The milestone on the last day of the term must be the whole commitment "
            f"({_plain(committed)})"
        )
    return problems


def _plain(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def percent_of(delivered: Number, expected: Number) -> Fraction | None:
    """delivered / expected × 100, or None when nothing is expected."""
    expected = _exact(expected)
    if expected == 0:
        return None
    return _exact(delivered) * 100 / expected


def rag_for(delivered: Number, expected: Number, bands: RagBands = DEFAULT_BANDS) -> Rag:
    percent = percent_of(delivered, expected)
    if percent is None:
        return Rag.GREEN if _exact(delivered) > 0 else Rag.NOT_DUE
    return bands.classify(percent)


@dataclass(frozen=True)
class KpiStatus:
    """One KPI measured at a date: expected, delivered (reported and verified), RAG."""

    committed: Fraction
    expected: Fraction
    reported: Fraction
    verified: Fraction
    counted: Fraction  # what the RAG is based on (verified by default)
    percent_of_expected: Fraction | None
    rag: Rag

    @property
    def shortfall_to_date(self) -> Fraction:
        return max(Fraction(0), self.expected - self.counted)

    @property
    def shortfall(self) -> Fraction:
        """What is still to deliver of the whole commitment."""
        return max(Fraction(0), self.committed - self.counted)

    @property
    def percent_of_commitment(self) -> Fraction | None:
        return percent_of(self.counted, self.committed)


def kpi_status(
    profile: AccrualProfile,
    as_at: dt.date,
    *,
    reported: Number,
    verified: Number,
    bands: RagBands = DEFAULT_BANDS,
    count_unverified: bool = False,
) -> KpiStatus:
    """Measure one KPI at the end of ``as_at``. Only verified amounts count unless asked."""
    reported, verified = _exact(reported), _exact(verified)
    counted = reported if count_unverified else verified
    expected = profile.expected_by(as_at)
    return KpiStatus(
        committed=profile.committed,
        expected=expected,
        reported=reported,
        verified=verified,
        counted=counted,
        percent_of_expected=percent_of(counted, expected),
        rag=rag_for(counted, expected, bands),
    )


def worst(rags: Iterable[Rag]) -> Rag:
    """The contract's status: its worst KPI (KPIs not yet due do not count)."""
    result = Rag.NOT_DUE
    for rag in rags:
        if rag.severity > result.severity:
            result = rag
    return result


def monetised(
    quantity: Number, proxy_value_gbp: Number | None, unit: str | None
) -> Fraction | None:
    """A quantity in pounds: × the framework's proxy value; a GBP measure is its own value;
    None when the measure has no monetary value."""
    if proxy_value_gbp is not None:
        return _exact(quantity) * _exact(proxy_value_gbp)
    if (unit or "").strip().upper() in {"GBP", "£"}:
        return _exact(quantity)
    return None


@dataclass(frozen=True)
class PromiseLine:
    """One KPI's promise and delivery, for adding up by contract, supplier or priority."""

    group: str
    measure: str
    unit: str
    promised: Fraction
    delivered: Fraction
    promised_gbp: Fraction | None
    delivered_gbp: Fraction | None

    @property
    def shortfall(self) -> Fraction:
        return max(Fraction(0), self.promised - self.delivered)


@dataclass(frozen=True)
class PromiseTotal:
    """Totals for one group (a contract, a supplier or a framework priority) and one measure."""

    group: str
    measure: str
    unit: str
    promised: Fraction
    delivered: Fraction
    promised_gbp: Fraction | None
    delivered_gbp: Fraction | None

    @property
    def shortfall(self) -> Fraction:
        return max(Fraction(0), self.promised - self.delivered)

    @property
    def shortfall_gbp(self) -> Fraction | None:
        if self.promised_gbp is None or self.delivered_gbp is None:
            return None
        return max(Fraction(0), self.promised_gbp - self.delivered_gbp)

    @property
    def percent_delivered(self) -> Fraction | None:
        return percent_of(self.delivered, self.promised)


@dataclass(frozen=True)
class GroupTotal:
    """A group's measures and its pound totals (only measures with a monetary value count)."""

    group: str
    measures: tuple[PromiseTotal, ...]
    promised_gbp: Fraction
    delivered_gbp: Fraction

    @property
    def shortfall_gbp(self) -> Fraction:
        return max(Fraction(0), self.promised_gbp - self.delivered_gbp)

    @property
    def percent_delivered_gbp(self) -> Fraction | None:
        return percent_of(self.delivered_gbp, self.promised_gbp)


def _add(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def promised_vs_delivered(lines: Iterable[PromiseLine]) -> tuple[GroupTotal, ...]:
    """Add lines up by group and, within a group, by measure and unit (quantities in different
    units are never added together; pounds are). Groups and measures keep first-seen order."""
    groups: dict[str, dict[tuple[str, str], PromiseTotal]] = {}
    for line in lines:
        measures = groups.setdefault(line.group, {})
        key = (line.measure, line.unit)
        previous = measures.get(key)
        if previous is None:
            measures[key] = PromiseTotal(
                line.group,
                line.measure,
                line.unit,
                line.promised,
                line.delivered,
                line.promised_gbp,
                line.delivered_gbp,
            )
        else:
            measures[key] = PromiseTotal(
                line.group,
                line.measure,
                line.unit,
                previous.promised + line.promised,
                previous.delivered + line.delivered,
                _add(previous.promised_gbp, line.promised_gbp),
                _add(previous.delivered_gbp, line.delivered_gbp),
            )
    result = []
    for group, measures in groups.items():
        totals = tuple(measures.values())
        result.append(
            GroupTotal(
                group=group,
                measures=totals,
                promised_gbp=sum((t.promised_gbp or Fraction(0) for t in totals), Fraction(0)),
                delivered_gbp=sum((t.delivered_gbp or Fraction(0) for t in totals), Fraction(0)),
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class KpiRecord:
    """One KPI of a past contract, measured at its status date, for a track record."""

    contract: str
    expected: Fraction
    delivered: Fraction


@dataclass(frozen=True)
class TrackRecord:
    contracts: int
    kpis_measured: int
    kpis_met: int
    rate: Fraction | None  # mean capped achievement, 0..1; None with nothing to measure

    @property
    def percent(self) -> Fraction | None:
        return None if self.rate is None else self.rate * 100


def delivery_rate(records: Iterable[KpiRecord]) -> TrackRecord:
    """A supplier's delivery rate across its contracts (see the module docstring)."""
    contracts: set[str] = set()
    achievements: list[Fraction] = []
    met = 0
    for record in records:
        contracts.add(record.contract)
        expected, delivered = _exact(record.expected), _exact(record.delivered)
        if expected <= 0:
            continue
        achievement = min(Fraction(1), delivered / expected)
        achievements.append(achievement)
        if achievement == 1:
            met += 1
    rate = sum(achievements, Fraction(0)) / len(achievements) if achievements else None
    return TrackRecord(
        contracts=len(contracts), kpis_measured=len(achievements), kpis_met=met, rate=rate
    )
