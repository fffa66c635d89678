"""Report data: everything a printed report shows, gathered from the services in a fixed number
of queries. Every figure is the scoring engine's (or the delivery module's); the only arithmetic
here is chart geometry (bar lengths in the SVG's coordinate space). Templates only format.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from socialvalue import scoring
from socialvalue.models.audit import AuditEvent
from socialvalue.models.evaluation import AwardDecision
from socialvalue.models.framework import FrameworkMeasure
from socialvalue.models.tender import Criterion, Gate, Tender
from socialvalue.models.user import User
from socialvalue.services import evaluation as evaluation_service

# Bars shown in a report's chart; a 200-bid tender charts its leading bids and says so.
CHART_MAX_BARS = 25
CHART_WIDTH = Decimal(440)  # SVG user units available for the bars
GROUP_LABELS = {"price": "Price", "quality": "Quality", "social_value": "Social value"}


@dataclass(frozen=True)
class BarSegment:
    """One coloured part of a stacked bar (x and width in SVG user units)."""

    group: str
    label: str
    value: Fraction
    x: Decimal
    width: Decimal


@dataclass(frozen=True)
class Bar:
    """One bid's stacked bar: its total split by weighting group."""

    label: str
    caption: str
    total: Fraction
    segments: tuple[BarSegment, ...]
    end_x: Decimal


@dataclass(frozen=True)
class BarChart:
    """A horizontal stacked bar chart, as data for an inline SVG."""

    title: str
    bars: tuple[Bar, ...]
    scale_max: Fraction
    omitted: int
    height: int
    ticks: tuple[tuple[Decimal, Fraction], ...]


@dataclass(frozen=True)
class CriterionModeration:
    """The moderation of one criterion across the bids, in bid order."""

    criterion: Criterion
    details: tuple[scoring.ModerationDetail, ...]


@dataclass(frozen=True)
class AuditAnchor:
    """Where the tender's trail sits in the hash-chained audit log when the report was made."""

    events: int
    first_sequence: int | None
    last_sequence: int | None
    last_hash: str | None


@dataclass(frozen=True)
class TenderReport:
    """Everything the tender evaluation report prints."""

    tender: Tender
    criteria: tuple[Criterion, ...]
    gates: tuple[Gate, ...]
    measures: dict[int, FrameworkMeasure]
    result: scoring.EvaluationResult | None
    problems: tuple[str, ...]
    evaluator_names: dict[str, str]
    decision: AwardDecision | None
    chart: BarChart | None
    moderation: tuple[CriterionModeration, ...]
    audit: AuditAnchor
    generated_at: dt.datetime
    generated_by: str
    criteria_by_code: dict[str, Criterion] = field(default_factory=dict)

    @property
    def bid_count(self) -> int:
        return 0 if self.result is None else len(self.result.bids)

    @property
    def winner(self) -> scoring.BidResult | None:
        if self.result is None or self.result.winner_id is None:
            return None
        return self.result.bid(self.result.winner_id)


@dataclass(frozen=True)
class SummaryReport:
    """One bidder's assessment summary for print."""

    tender: Tender
    summary: evaluation_service.AssessmentSummary
    result: scoring.EvaluationResult
    decision: AwardDecision | None
    chart: BarChart | None
    generated_at: dt.datetime
    generated_by: str


def _scale(value: Fraction, maximum: Fraction) -> Decimal:
    if maximum <= 0:
        return Decimal(0)
    share = value / maximum
    return (Decimal(share.numerator) / Decimal(share.denominator) * CHART_WIDTH).quantize(
        Decimal("0.01")
    )


def score_chart(
    result: scoring.EvaluationResult, labels: tuple[str, ...] | None = None
) -> BarChart | None:
    """Stacked bars of the ranked bids' points by group (the leading ``CHART_MAX_BARS``, or
    just the bids in ``labels``), on a scale of the available points."""
    if not result.ranking:
        return None
    ranked = list(result.ranking)
    if labels is not None:
        ranked = [item for item in ranked if item.label in labels]
    shown = ranked[:CHART_MAX_BARS]
    weights = result.group_weights
    scale_max = weights.price + weights.quality + weights.social_value
    if scale_max <= 0:
        scale_max = max((item.total for item in shown), default=Fraction(1)) or Fraction(1)
    bars = []
    for item in shown:
        x = Fraction(0)
        segments = []
        for group in ("price", "quality", "social_value"):
            value = item.subtotals.get(group)
            segments.append(
                BarSegment(
                    group=group,
                    label=GROUP_LABELS[group],
                    value=value,
                    x=_scale(x, scale_max),
                    width=_scale(value, scale_max),
                )
            )
            x += value
        bars.append(
            Bar(
                label=item.label,
                caption=f"{item.rank}. Bid {item.label}",
                total=item.total,
                segments=tuple(segments),
                end_x=_scale(x, scale_max),
            )
        )
    ticks = tuple(
        (_scale(scale_max * step / 4, scale_max), scale_max * step / 4) for step in range(5)
    )
    return BarChart(
        title="Points by weighting group",
        bars=tuple(bars),
        scale_max=scale_max,
        omitted=len(ranked) - len(shown),
        height=30 + 26 * len(bars),
        ticks=ticks,
    )


def _audit_anchor(session: Session, tender: Tender) -> AuditAnchor:
    count, first, last = session.execute(
        sa.select(
            sa.func.count(), sa.func.min(AuditEvent.sequence), sa.func.max(AuditEvent.sequence)
        ).where(AuditEvent.tender_id == tender.id)
    ).one()
    last_hash = None
    if last is not None:
        last_hash = session.execute(
            sa.select(AuditEvent.event_hash).where(AuditEvent.sequence == last)
        ).scalar_one()
    return AuditAnchor(events=count, first_sequence=first, last_sequence=last, last_hash=last_hash)


def evaluate(
    session: Session, tender: Tender
) -> tuple[scoring.EvaluationResult | None, tuple[str, ...]]:
    """The engine's result, or the problems that stop the tender being scored at all."""
    try:
        return evaluation_service.evaluate_tender(session, tender), ()
    except scoring.BundleValidationError as error:
        return None, tuple(problem.message for problem in error.problems)


def tender_report(session: Session, tender: Tender, generated_by: User | str) -> TenderReport:
    """The tender evaluation report's data: plan, frameworks, every score with its rationale,
    moderation, ranking, exclusions and sensitivity."""
    result, problems = evaluate(session, tender)
    criteria = tuple(tender.criteria)
    moderation: list[CriterionModeration] = []
    if result is not None:
        by_criterion: dict[str, list[scoring.ModerationDetail]] = defaultdict(list)
        for detail in result.moderation:
            by_criterion[detail.criterion_id].append(detail)
        moderation = [
            CriterionModeration(criterion=c, details=tuple(by_criterion[c.code]))
            for c in criteria
            if by_criterion.get(c.code)
        ]
    return TenderReport(
        tender=tender,
        criteria=criteria,
        gates=tuple(tender.gates),
        measures=evaluation_service.criterion_measures(session, tender),
        result=result,
        problems=problems,
        evaluator_names=evaluation_service.evaluator_names(session, tender),
        decision=evaluation_service.award_decision(session, tender),
        chart=None if result is None else score_chart(result),
        moderation=tuple(moderation),
        audit=_audit_anchor(session, tender),
        generated_at=dt.datetime.now(dt.UTC),
        generated_by=_name(generated_by),
        criteria_by_code={c.code: c for c in criteria},
    )


def summary_report(
    session: Session, tender: Tender, bid_label: str, generated_by: User | str
) -> SummaryReport | None:
    """One bidder's assessment summary, or None when the tender cannot be scored or has no
    such bid."""
    result, _problems = evaluate(session, tender)
    if result is None:
        return None
    summary = evaluation_service.assessment_summary(result, tender, bid_label)
    if summary is None:
        return None
    labels = (summary.bid.label,) + (() if summary.winner is None else (summary.winner.label,))
    return SummaryReport(
        tender=tender,
        summary=summary,
        result=result,
        decision=evaluation_service.award_decision(session, tender),
        chart=score_chart(result, labels),
        generated_at=dt.datetime.now(dt.UTC),
        generated_by=_name(generated_by),
    )


def _name(user: User | str) -> str:
    return user if isinstance(user, str) else user.display_name


def report_context(report: Any) -> dict[str, Any]:
    """Names every print template may use."""
    return {"report": report, "group_labels": GROUP_LABELS}


# -- delivery: contract follow-up and programme reports ----------------------------------------

#: The percent-of-expected chart runs from 0 to this; longer bars are cut at the edge.
PERCENT_CHART_MAX = Fraction(150)


@dataclass(frozen=True)
class PercentBar:
    """One KPI's delivered-to-date as a percentage of what was expected by now."""

    label: str
    percent: Fraction | None
    rag: str
    rag_label: str
    width: Decimal
    capped: bool


@dataclass(frozen=True)
class PercentChart:
    title: str
    bars: tuple[PercentBar, ...]
    height: int
    ticks: tuple[tuple[Decimal, Fraction], ...]
    target_x: Decimal


@dataclass(frozen=True)
class TrailEntry:
    """One return line's verification trail: reported, queried, answered, decided."""

    period_end: dt.date
    kpi_code: str
    kpi_title: str
    unit: str
    reported: Decimal
    status: str
    query_text: str
    queried_by: str
    queried_at: dt.datetime | None
    answer_text: str
    answered_by: str
    answered_at: dt.datetime | None
    decided_by: str
    decided_at: dt.datetime | None
    rejection_reason: str


@dataclass(frozen=True)
class ContractReport:
    """Everything the contract follow-up report prints."""

    contract: Any
    view: Any  # services.contracts.ContractView
    promise: tuple[Any, ...]  # delivery.GroupTotal by framework priority
    chart: PercentChart | None
    returns: tuple[Any, ...]
    evidence: tuple[tuple[Any, Any], ...]  # (return, evidence file)
    trail: tuple[TrailEntry, ...]
    actions: tuple[Any, ...]
    history: tuple[AuditEvent, ...]
    generated_at: dt.datetime
    generated_by: str


@dataclass(frozen=True)
class ProgrammeReport:
    """All contracts, and promised vs delivered by framework priority, supplier and contract."""

    programme: Any  # services.contracts.Programme
    as_of: dt.date
    generated_at: dt.datetime
    generated_by: str


def percent_chart(view: Any) -> PercentChart | None:
    """Each KPI's percent of expected to date, on a 0-150% scale with the 100% line marked."""
    if not view.kpis:
        return None
    bars = []
    for item in view.kpis:
        percent = item.status.percent_of_expected
        shown = Fraction(0) if percent is None else min(percent, PERCENT_CHART_MAX)
        bars.append(
            PercentBar(
                label=f"{item.kpi.criterion_code}",
                percent=percent,
                rag=item.status.rag.value,
                rag_label=item.status.rag.label,
                width=_scale(shown, PERCENT_CHART_MAX),
                capped=percent is not None and percent > PERCENT_CHART_MAX,
            )
        )
    return PercentChart(
        title="Delivered to date as a percentage of what was expected by now",
        bars=tuple(bars),
        height=30 + 26 * len(bars),
        ticks=tuple(
            (_scale(Fraction(value), PERCENT_CHART_MAX), Fraction(value))
            for value in (0, 50, 100, 150)
        ),
        target_x=_scale(Fraction(100), PERCENT_CHART_MAX),
    )


def contract_report(
    session: Session, contract: Any, generated_by: User | str, today: dt.date | None = None
) -> ContractReport:
    """The contract follow-up report's data: KPIs, promised vs delivered, RAG, returns,
    evidence with hashes and the verification trail (a fixed number of queries)."""
    from socialvalue.services import contracts as contract_service

    view = contract_service.contract_view(contract, today)
    returns = tuple(sorted(contract.returns, key=lambda r: r.period_end))
    lines = [line for r in returns for line in r.lines]
    user_ids = {
        user_id
        for line in lines
        for user_id in (line.queried_by_id, line.answered_by_id, line.decided_by_id)
        if user_id is not None
    }
    names: dict[int, str] = {}
    if user_ids:
        rows = session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(user_ids))
        ).all()
        names = {user_id: name for user_id, name in rows}
    kpis = {k.id: k for k in contract.kpis}
    trail = tuple(
        TrailEntry(
            period_end=r.period_end,
            kpi_code=kpis[line.kpi_id].criterion_code,
            kpi_title=kpis[line.kpi_id].title,
            unit=kpis[line.kpi_id].unit,
            reported=line.reported_quantity,
            status=line.status,
            query_text=line.query_text,
            queried_by=names.get(line.queried_by_id or 0, ""),
            queried_at=line.queried_at,
            answer_text=line.answer_text,
            answered_by=names.get(line.answered_by_id or 0, ""),
            answered_at=line.answered_at,
            decided_by=names.get(line.decided_by_id or 0, ""),
            decided_at=line.decided_at,
            rejection_reason=line.rejection_reason,
        )
        for r in returns
        for line in sorted(r.lines, key=lambda ln: kpis[ln.kpi_id].position)
    )
    return ContractReport(
        contract=contract,
        view=view,
        promise=tuple(view.promise_report()),
        chart=percent_chart(view),
        returns=returns,
        evidence=tuple((r, file) for r in returns for file in r.evidence),
        trail=trail,
        actions=tuple(contract.actions),
        history=tuple(contract_service.contract_history(session, contract)),
        generated_at=dt.datetime.now(dt.UTC),
        generated_by=_name(generated_by),
    )


def programme_report(
    session: Session, generated_by: User | str, today: dt.date | None = None
) -> ProgrammeReport:
    """The programme report's data: every contract measured, totals by framework priority."""
    from socialvalue.services import contracts as contract_service

    as_of = today or contract_service.today_utc()
    return ProgrammeReport(
        programme=contract_service.programme(session, as_of),
        as_of=as_of,
        generated_at=dt.datetime.now(dt.UTC),
        generated_by=_name(generated_by),
    )
