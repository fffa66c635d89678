"""Contract delivery tracking: from the award to the last delivery return.

Awarding a tender creates its contract; each social value commitment of the winning bid
becomes a KPI. Suppliers (or officers on their behalf) file a return for each reporting period;
officers and assigned panel members verify, query or reject every reported amount. All the
arithmetic (expected-to-date, % of expected, RAG, periods, track record) is the pure
:mod:`socialvalue.delivery` package's; this module gathers rows, enforces the rules and writes
every change to the audit log. Services flush; the caller commits.

**Status date.** A contract's status is measured at the end of the latest period that has a
return, so that what was expected and what was delivered cover the same months (a return to
30 September is compared with what was due by 30 September, not with what is due today).
Before any return, it is measured at the end of the latest period whose return is overdue (so
a supplier that files nothing goes red); before that, nothing is due yet. Missing returns are
listed as overdue beside the status.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from socialvalue import delivery
from socialvalue.models.audit import AuditEvent
from socialvalue.models.base import utcnow
from socialvalue.models.bid import Bid
from socialvalue.models.contract import (
    Contract,
    ContractMember,
    ContractRole,
    DeliveryReturn,
    EvidenceFile,
    Kpi,
    KpiMilestone,
    LineStatus,
    RemedialAction,
    ReportingFrequency,
    ReturnLine,
)
from socialvalue.models.evaluation import AwardDecision
from socialvalue.models.framework import FrameworkMeasure, FrameworkTheme
from socialvalue.models.tender import Tender
from socialvalue.models.user import Role, User
from socialvalue.services import evidence as evidence_service
from socialvalue.services.access import ContractAction, contract_access
from socialvalue.services.audit import record_event
from socialvalue.services.errors import DomainError, StaleVersion, StateConflict, ValidationFailed
from socialvalue.services.pagination import Page, paginate

MAX_ID = 2**31 - 1
MAX_QUANTITY = Decimal(10) ** 12
MAX_PLACES = 6
MAX_TEXT = 10_000
FREQUENCY_LABELS = {
    ReportingFrequency.MONTHLY: "Monthly",
    ReportingFrequency.QUARTERLY: "Quarterly",
}


def valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def supplier_key(name: str) -> str:
    """How one supplier's contracts are matched: case and spacing do not matter."""
    return re.sub(r"\s+", " ", name).strip().casefold()


def today_utc() -> dt.date:
    return utcnow().date()


def parse_quantity(text: Any, what: str = "The quantity") -> Decimal:
    """A quantity typed by a person or read from a file, or DomainError saying what is wrong."""
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = str(text if text is not None else "").strip().replace(",", "").replace("£", "")
        if cleaned == "":
            raise DomainError(f"{what} is missing: enter a number (0 if nothing was delivered)")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as error:
            raise DomainError(f"{what} must be a number, like 12 or 1.5") from error
    if not value.is_finite():
        raise DomainError(f"{what} must be a number, like 12 or 1.5")
    if value < 0:
        raise DomainError(f"{what} cannot be negative: enter 0 or more")
    if value >= MAX_QUANTITY:
        raise DomainError(f"{what} is too large: enter less than 1,000,000,000,000")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise DomainError(f"{what} can have at most {MAX_PLACES} decimal places")
    return value + 0  # normalises -0 to 0


# -- loading -----------------------------------------------------------------------------------


def _contract_query() -> sa.Select[tuple[Contract]]:
    return sa.select(Contract).options(
        selectinload(Contract.kpis).selectinload(Kpi.milestones),
        selectinload(Contract.returns).selectinload(DeliveryReturn.lines),
        selectinload(Contract.returns).selectinload(DeliveryReturn.evidence),
        selectinload(Contract.returns).selectinload(DeliveryReturn.submitted_by),
        selectinload(Contract.actions),
    )


def get_contract(session: Session, contract_id: int) -> Contract | None:
    if not valid_id(contract_id):
        return None
    return session.execute(_contract_query().where(Contract.id == contract_id)).scalar_one_or_none()


def lock_contracts(session: Session, contracts: Iterable[Contract]) -> None:
    """Take the row locks of ``contracts`` (in id order) and reload them, with their KPIs,
    returns and figures, as last committed.

    Every write to a contract's delivery records calls this first, before it takes any other
    row lock and before the audit chain's lock (which every write takes last), so writes to one
    contract happen one after the other, each seeing the one before it, and never deadlock.
    That matters because each write ends by recomputing the contract's status from all of its
    figures: without the lock, two people verifying different figures of one return at the
    same moment would each compute it from what they had loaded before the other saved, and
    the status stored last would ignore the other's figure. (SQLite ignores FOR UPDATE: there
    a write transaction already excludes every other.)
    """
    ids = sorted({contract.id for contract in contracts})
    if ids:
        session.execute(
            _contract_query()
            .where(Contract.id.in_(ids))
            .order_by(Contract.id)
            .with_for_update(of=Contract)
            .execution_options(populate_existing=True)
        ).scalars().all()


def contract_for_tender(session: Session, tender_id: int) -> Contract | None:
    return session.execute(
        sa.select(Contract).where(Contract.tender_id == tender_id)
    ).scalar_one_or_none()


def list_members(session: Session, contract: Contract) -> Sequence[ContractMember]:
    return (
        session.execute(
            sa.select(ContractMember)
            .where(ContractMember.contract_id == contract.id)
            .options(selectinload(ContractMember.user))
            .order_by(ContractMember.role, ContractMember.id)
        )
        .scalars()
        .all()
    )


def get_return(session: Session, contract: Contract, return_id: int) -> DeliveryReturn | None:
    if not valid_id(return_id):
        return None
    return session.execute(
        sa.select(DeliveryReturn)
        .where(DeliveryReturn.id == return_id, DeliveryReturn.contract_id == contract.id)
        .options(
            selectinload(DeliveryReturn.lines).selectinload(ReturnLine.kpi),
            selectinload(DeliveryReturn.lines).selectinload(ReturnLine.queried_by),
            selectinload(DeliveryReturn.lines).selectinload(ReturnLine.answered_by),
            selectinload(DeliveryReturn.lines).selectinload(ReturnLine.decided_by),
            selectinload(DeliveryReturn.evidence),
            selectinload(DeliveryReturn.submitted_by),
        )
    ).scalar_one_or_none()


def get_line(delivery_return: DeliveryReturn, line_id: int) -> ReturnLine | None:
    return next((line for line in delivery_return.lines if line.id == line_id), None)


def get_evidence(session: Session, contract: Contract, evidence_id: int) -> EvidenceFile | None:
    if not valid_id(evidence_id):
        return None
    return session.execute(
        sa.select(EvidenceFile)
        .join(DeliveryReturn, DeliveryReturn.id == EvidenceFile.return_id)
        .where(EvidenceFile.id == evidence_id, DeliveryReturn.contract_id == contract.id)
    ).scalar_one_or_none()


# -- the pure module's view of a contract --------------------------------------------------------


def bands(contract: Contract) -> delivery.RagBands:
    return delivery.RagBands(
        green_from=Fraction(contract.green_from), amber_from=Fraction(contract.amber_from)
    )


def periods(contract: Contract) -> tuple[delivery.Period, ...]:
    return delivery.reporting_periods(
        contract.start_date, contract.end_date, contract.reporting_frequency, contract.due_days
    )


def profile(contract: Contract, kpi: Kpi) -> delivery.AccrualProfile:
    return delivery.AccrualProfile(
        start=contract.start_date,
        end=contract.end_date,
        committed=Fraction(kpi.committed_quantity),
        kind=kpi.accrual,
        milestones=tuple(
            delivery.Milestone(m.due_on, Fraction(m.cumulative_quantity)) for m in kpi.milestones
        ),
    )


@dataclass(frozen=True)
class KpiView:
    kpi: Kpi
    status: delivery.KpiStatus
    reported_gbp: Fraction | None
    verified_gbp: Fraction | None
    counted_gbp: Fraction | None
    expected_gbp: Fraction | None
    pending: int  # reported amounts not yet verified or rejected

    @property
    def committed_gbp(self) -> Fraction | None:
        return delivery.monetised(
            self.kpi.committed_quantity, self.kpi.proxy_value_gbp, self.kpi.unit
        )


@dataclass(frozen=True)
class PeriodView:
    period: delivery.Period
    delivery_return: DeliveryReturn | None
    overdue: bool
    open_for_returns: bool  # the period has ended and has no return yet


@dataclass(frozen=True)
class ContractView:
    contract: Contract
    as_at: dt.date | None
    kpis: tuple[KpiView, ...]
    rag: delivery.Rag
    periods: tuple[PeriodView, ...]
    count_unverified: bool

    @property
    def overdue(self) -> list[PeriodView]:
        return [p for p in self.periods if p.overdue]

    @property
    def open_periods(self) -> list[PeriodView]:
        return [p for p in self.periods if p.open_for_returns]

    @property
    def elapsed_share(self) -> Fraction | None:
        if self.as_at is None:
            return None
        c = self.contract
        return delivery.elapsed_share(c.start_date, c.end_date, self.as_at)

    def promise_report(self) -> tuple[delivery.GroupTotal, ...]:
        """Promised vs delivered for this contract, by framework priority."""
        return delivery.promised_vs_delivered(promise_lines(self))


def status_date(
    returned: Iterable[dt.date], all_periods: Sequence[delivery.Period], today: dt.date
) -> dt.date | None:
    """See the module docstring: the latest returned period's end, else the latest overdue one."""
    returned = set(returned)
    if returned:
        return max(returned)
    overdue = [p.end for p in all_periods if p.is_overdue(today, returned=False)]
    return max(overdue) if overdue else None


def contract_view(
    contract: Contract, today: dt.date | None = None, *, count_unverified: bool = False
) -> ContractView:
    """The contract measured with the pure module (no queries beyond the loaded rows)."""
    totals = _FigureTotals()
    for delivery_return in contract.returns:
        for line in delivery_return.lines:
            totals.add(line.kpi_id, line.status, line.reported_quantity)
    by_end: dict[dt.date, DeliveryReturn | None] = {r.period_end: r for r in contract.returns}
    return _measure(contract, by_end, totals, today, count_unverified)


@dataclass
class _FigureTotals:
    """Per KPI: everything reported, what was verified, and how many figures await a decision."""

    reported: dict[int, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    verified: dict[int, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    pending: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kpi_id: int, status: str, quantity: Decimal, figures: int = 1) -> None:
        self.reported[kpi_id] += Fraction(quantity)
        if status == LineStatus.VERIFIED:
            self.verified[kpi_id] += Fraction(quantity)
        elif status in (LineStatus.PENDING, LineStatus.QUERIED):
            self.pending[kpi_id] += figures


def contract_views(
    session: Session, contracts: Sequence[Contract], today: dt.date | None = None
) -> list[ContractView]:
    """``contract_view`` of each of ``contracts`` (a page of a list, loaded with their KPIs) in
    two queries for the whole page: the periods returned and each KPI's totals by status,
    rather than every return and figure as objects. The views' periods do not carry
    their return (``delivery_return`` is None); everything else is as contract_view's."""
    ids = [c.id for c in contracts]
    ends: dict[int, dict[dt.date, DeliveryReturn | None]] = defaultdict(dict)
    for contract_id, period_end in session.execute(
        sa.select(DeliveryReturn.contract_id, DeliveryReturn.period_end).where(
            DeliveryReturn.contract_id.in_(ids)
        )
    ):
        ends[contract_id][period_end] = None
    totals = _FigureTotals()
    figures = (
        sa.select(ReturnLine.kpi_id, ReturnLine.status)
        .join(DeliveryReturn, DeliveryReturn.id == ReturnLine.return_id)
        .where(DeliveryReturn.contract_id.in_(ids))
    )
    if session.get_bind().dialect.name == "postgresql":
        # Exact NUMERIC sums in the database: one row per KPI and status.
        figures = figures.add_columns(
            sa.func.sum(ReturnLine.reported_quantity), sa.func.count()
        ).group_by(ReturnLine.kpi_id, ReturnLine.status)
    else:
        # SQLite keeps exact decimals as text, which its SUM would turn into floats.
        figures = figures.add_columns(ReturnLine.reported_quantity, sa.literal(1))
    for kpi_id, status, quantity, count in session.execute(figures):
        totals.add(kpi_id, status, quantity, count)
    return [_measure(c, ends[c.id], totals, today, False) for c in contracts]


def _measure(
    contract: Contract,
    by_end: Mapping[dt.date, DeliveryReturn | None],
    totals: _FigureTotals,
    today: dt.date | None,
    count_unverified: bool,
) -> ContractView:
    today = today or today_utc()
    all_periods = periods(contract)
    as_at = status_date(by_end, all_periods, today)
    reported, verified, pending = totals.reported, totals.verified, totals.pending
    rag_bands = bands(contract)
    views = []
    for kpi in contract.kpis:
        status = delivery.kpi_status(
            profile(contract, kpi),
            as_at if as_at is not None else contract.start_date - dt.timedelta(days=1),
            reported=reported[kpi.id],
            verified=verified[kpi.id],
            bands=rag_bands,
            count_unverified=count_unverified,
        )
        if as_at is None and status.rag is not delivery.Rag.GREEN:
            status = _not_measured(status)

        def money(quantity: Fraction, kpi: Kpi = kpi) -> Fraction | None:
            return delivery.monetised(quantity, kpi.proxy_value_gbp, kpi.unit)

        views.append(
            KpiView(
                kpi=kpi,
                status=status,
                reported_gbp=money(status.reported),
                verified_gbp=money(status.verified),
                counted_gbp=money(status.counted),
                expected_gbp=money(status.expected),
                pending=pending[kpi.id],
            )
        )
    period_views = tuple(
        PeriodView(
            period=p,
            delivery_return=by_end.get(p.end),
            overdue=p.is_overdue(today, returned=p.end in by_end),
            open_for_returns=p.has_ended(today) and p.end not in by_end,
        )
        for p in all_periods
    )
    return ContractView(
        contract=contract,
        as_at=as_at,
        kpis=tuple(views),
        rag=delivery.worst(v.status.rag for v in views),
        periods=period_views,
        count_unverified=count_unverified,
    )


def _not_measured(status: delivery.KpiStatus) -> delivery.KpiStatus:
    return delivery.KpiStatus(
        committed=status.committed,
        expected=Fraction(0),
        reported=status.reported,
        verified=status.verified,
        counted=status.counted,
        percent_of_expected=None,
        rag=delivery.Rag.NOT_DUE,
    )


def promise_lines(view: ContractView, group_by: str = "priority") -> list[delivery.PromiseLine]:
    lines = []
    for item in view.kpis:
        kpi = item.kpi
        if group_by == "priority":
            group = f"{kpi.theme_code}: {kpi.theme_title}" if kpi.theme_code else "Other measures"
        elif group_by == "supplier":
            group = view.contract.supplier_name
        else:
            group = view.contract.reference
        lines.append(
            delivery.PromiseLine(
                group=group,
                measure=kpi.title,
                unit=kpi.unit,
                promised=Fraction(kpi.committed_quantity),
                delivered=item.status.counted,
                promised_gbp=item.committed_gbp,
                delivered_gbp=item.counted_gbp,
            )
        )
    return lines


def refresh_status(
    session: Session, actor: User | None, contract: Contract, today: dt.date | None = None
) -> delivery.Rag:
    """Recompute the contract's status; a change is recorded as an audit event."""
    session.flush()
    view = contract_view(contract, today)
    if view.rag.value != contract.status:
        before = contract.status
        contract.status = view.rag.value
        session.flush()
        record_event(
            session,
            actor=actor,
            action="contract.status_changed",
            entity_type="contract",
            entity_id=contract.id,
            tender_id=contract.tender_id,
            contract_id=contract.id,
            before={"status": before},
            after={
                "status": view.rag.value,
                "as_at": view.as_at,
                "kpis": {v.kpi.criterion_code: v.status.rag.value for v in view.kpis},
            },
            summary=f"Contract status changed from {_rag_word(before)} to {view.rag.label}",
        )
    return view.rag


def _rag_word(value: str) -> str:
    try:
        return delivery.Rag(value).label
    except ValueError:
        return value


# -- from award to contract --------------------------------------------------------------------


def create_contract_from_award(
    session: Session, actor: User, tender: Tender, decision: AwardDecision
) -> Contract:
    """The contract for an award: its term from the tender, a KPI per social value commitment
    of the winning bid, and the winning supplier's user (if it bid online) invited."""
    if contract_for_tender(session, tender.id) is not None:
        raise StateConflict("This tender already has a contract")
    winner = session.execute(
        sa.select(Bid).where(Bid.id == decision.bid_id).options(selectinload(Bid.commitments))
    ).scalar_one()
    contract = Contract(
        tender_id=tender.id,
        bid_id=winner.id,
        reference=tender.reference,
        title=tender.title,
        buyer=tender.buyer,
        supplier_name=winner.supplier_name,
        supplier_key=supplier_key(winner.supplier_name),
        supplier_user_id=winner.supplier_user_id,
        start_date=tender.contract_start,
        end_date=tender.contract_end,
        reporting_frequency=ReportingFrequency.QUARTERLY,
        due_days=delivery.DEFAULT_DUE_DAYS,
        green_from=Decimal(90),
        amber_from=Decimal(60),
        status=delivery.Rag.NOT_DUE.value,
        framework_id=tender.framework_id,
        framework_version_label=tender.framework_version_label,
        framework_hash=tender.framework_hash,
        created_by_id=actor.id,
    )
    session.add(contract)
    commitments = {c.criterion_id: c for c in winner.commitments}
    criteria = [
        c
        for c in tender.criteria
        if c.group == "social_value" and c.kind == "quantitative" and c.id in commitments
    ]
    measure_ids = {c.measure_id for c in criteria if c.measure_id}
    measures = {
        m.id: m
        for m in session.execute(
            sa.select(FrameworkMeasure).where(FrameworkMeasure.id.in_(measure_ids))
        ).scalars()
    }
    themes = {
        t.code: t.title
        for t in session.execute(
            sa.select(FrameworkTheme).where(
                FrameworkTheme.framework_version_id == tender.framework_version_id
            )
        ).scalars()
    }
    for position, criterion in enumerate(criteria):
        quantity = commitments[criterion.id].quantity
        measure = measures.get(criterion.measure_id) if criterion.measure_id else None
        theme_code = measure.theme_code if measure else ""
        contract.kpis.append(
            Kpi(
                position=position,
                criterion_code=criterion.code,
                title=criterion.title,
                framework_id=tender.framework_id,
                framework_version_label=tender.framework_version_label,
                framework_hash=tender.framework_hash,
                measure_code=criterion.measure_code,
                theme_code=theme_code,
                theme_title=themes.get(theme_code, ""),
                unit=criterion.unit or "",
                committed_quantity=quantity,
                proxy_value_gbp=criterion.proxy_value_gbp,
                committed_value_gbp=_decimal(
                    delivery.monetised(quantity, criterion.proxy_value_gbp, criterion.unit)
                ),
                accrual="even",
            )
        )
    session.flush()
    if winner.supplier_user_id is not None:
        session.add(
            ContractMember(
                contract_id=contract.id,
                user_id=winner.supplier_user_id,
                role=ContractRole.SUPPLIER,
                added_by_id=actor.id,
            )
        )
        session.flush()
    record_event(
        session,
        actor=actor,
        action="contract.created",
        entity_type="contract",
        entity_id=contract.id,
        tender_id=tender.id,
        contract_id=contract.id,
        after={
            "reference": contract.reference,
            "supplier": contract.supplier_name,
            "term": [contract.start_date, contract.end_date],
            "reporting_frequency": contract.reporting_frequency,
            "kpis": [
                {
                    "code": k.criterion_code,
                    "measure": k.measure_code,
                    "framework": f"{k.framework_id}@{k.framework_version_label}",
                    "committed": k.committed_quantity,
                    "unit": k.unit,
                    "value_gbp": k.committed_value_gbp,
                }
                for k in contract.kpis
            ],
        },
        summary=f"Contract {contract.reference} created from the award to "
        f"{contract.supplier_name} with {_count(len(contract.kpis), 'social value KPI')}",
    )
    return contract


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _decimal(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value.numerator) / Decimal(value.denominator)


# -- settings and people -----------------------------------------------------------------------


def _check_version(record: Any, expected_version: int | None, what: str) -> None:
    if expected_version is not None and record.version_id != expected_version:
        raise StaleVersion(what)


def update_settings(
    session: Session,
    actor: User,
    contract: Contract,
    data: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Contract:
    """Reporting frequency and RAG bands."""
    contract_access(session, actor, contract).require(ContractAction.MANAGE_CONTRACT)
    lock_contracts(session, [contract])
    _check_version(contract, expected_version, "contract")
    errors: dict[str, list[str]] = {}
    frequency = data["reporting_frequency"]
    if frequency not in ReportingFrequency.ALL:
        errors["reporting_frequency"] = ["Choose monthly or quarterly"]
    elif frequency != contract.reporting_frequency and contract.returns:
        errors["reporting_frequency"] = [
            "Returns have already been filed for this contract's periods, so its reporting "
            "frequency can no longer change"
        ]
    green, amber = data["green_from"], data["amber_from"]
    for name, value in (("green_from", green), ("amber_from", amber)):
        if not Decimal(0) <= value <= Decimal(1000):
            errors[name] = ["Enter a percentage from 0 to 1000"]
    if not errors and amber > green:
        errors["amber_from"] = ["Amber must start at or below where green starts"]
    if errors:
        raise ValidationFailed(errors)
    before = _settings(contract)
    contract.reporting_frequency = frequency
    contract.green_from = green
    contract.amber_from = amber
    session.flush()
    record_event(
        session,
        actor=actor,
        action="contract.settings_changed",
        entity_type="contract",
        entity_id=contract.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        before=before,
        after=_settings(contract),
        summary="Reporting frequency and RAG bands saved",
    )
    refresh_status(session, actor, contract)
    return contract


def _settings(contract: Contract) -> dict[str, Any]:
    return {
        "reporting_frequency": contract.reporting_frequency,
        "green_from": contract.green_from,
        "amber_from": contract.amber_from,
    }


def set_kpi_accrual(
    session: Session,
    actor: User,
    contract: Contract,
    kpi: Kpi,
    *,
    accrual: str,
    milestones: Sequence[tuple[dt.date, Decimal]] = (),
    expected_version: int | None = None,
) -> Kpi:
    """Even accrual over the term, or dated cumulative milestones set by the officer."""
    contract_access(session, actor, contract).require(ContractAction.MANAGE_CONTRACT)
    if kpi.contract_id != contract.id:
        raise DomainError("That KPI is not part of this contract")
    lock_contracts(session, [contract])
    _check_version(kpi, expected_version, "KPI")
    chosen = list(milestones) if accrual == "milestones" else []
    problems = delivery.profile_problems(
        contract.start_date,
        contract.end_date,
        Fraction(kpi.committed_quantity),
        accrual,
        [delivery.Milestone(day, Fraction(quantity)) for day, quantity in chosen],
    )
    if problems:
        raise ValidationFailed({"milestones" if accrual == "milestones" else "accrual": problems})
    before = _accrual(kpi)
    kpi.accrual = accrual
    kpi.milestones.clear()
    session.flush()
    for day, quantity in sorted(chosen):
        kpi.milestones.append(KpiMilestone(due_on=day, cumulative_quantity=quantity))
    session.flush()
    record_event(
        session,
        actor=actor,
        action="kpi.accrual_changed",
        entity_type="kpi",
        entity_id=kpi.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        before=before,
        after=_accrual(kpi),
        summary=f"Accrual profile of {kpi.criterion_code} ({kpi.title}) set to "
        + ("even over the term" if accrual == "even" else f"{len(chosen)} dated milestones"),
    )
    refresh_status(session, actor, contract)
    return kpi


def _accrual(kpi: Kpi) -> dict[str, Any]:
    return {
        "accrual": kpi.accrual,
        "milestones": [[m.due_on, m.cumulative_quantity] for m in kpi.milestones],
    }


def add_member(
    session: Session, actor: User, contract: Contract, user: User, role: str
) -> ContractMember:
    """Invite a supplier user to file returns, or assign a panel member to verify them."""
    contract_access(session, actor, contract).require(ContractAction.MANAGE_CONTRACT)
    if role not in ContractRole.ALL:
        raise DomainError("Choose a supplier or a panel member", "role")
    needed = Role.SUPPLIER if role == ContractRole.SUPPLIER else Role.PANEL
    if not user.has_role(needed) or not user.active:
        raise DomainError(
            f"{user.display_name} is a {user.role_enum.label.lower()}: choose "
            + ("a supplier user" if role == ContractRole.SUPPLIER else "a panel member"),
            "user_id",
        )
    existing = session.execute(
        sa.select(ContractMember).where(
            ContractMember.contract_id == contract.id, ContractMember.user_id == user.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise DomainError(f"{user.display_name} is already on this contract", "user_id")
    member = ContractMember(
        contract_id=contract.id, user_id=user.id, role=role, added_by_id=actor.id
    )
    session.add(member)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="contract.member_added",
        entity_type="contract_member",
        entity_id=member.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        after={"user": user.email, "role": role},
        summary=f"{user.display_name} "
        + ("invited to file returns" if role == ContractRole.SUPPLIER else "assigned to verify"),
    )
    return member


def assignable_people(session: Session, contract: Contract) -> dict[str, Sequence[User]]:
    taken = sa.select(ContractMember.user_id).where(ContractMember.contract_id == contract.id)
    people: dict[str, Sequence[User]] = {}
    for role, user_role in (
        (ContractRole.SUPPLIER, Role.SUPPLIER),
        (ContractRole.PANEL, Role.PANEL),
    ):
        people[role] = (
            session.execute(
                sa.select(User)
                .where(User.role == user_role.value, User.active.is_(True), User.id.not_in(taken))
                .order_by(User.display_name)
            )
            .scalars()
            .all()
        )
    return people


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id) if valid_id(user_id) else None


# -- delivery returns --------------------------------------------------------------------------


def term_text(contract: Contract) -> str:
    start, end = contract.start_date, contract.end_date
    return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"


def check_return(
    session: Session,
    contract: Contract,
    *,
    period_end: dt.date | None,
    quantities: Mapping[int, Any],
    narrative: str = "",
    today: dt.date | None = None,
) -> tuple[delivery.Period | None, dict[int, Decimal], dict[str, list[str]]]:
    """Validate a return without saving anything: (period, quantities by KPI id, errors)."""
    today = today or today_utc()
    errors: dict[str, list[str]] = {}
    period = None
    if period_end is None:
        errors["period_end"] = ["Choose the reporting period this return covers"]
    else:
        period = delivery.period_ending(periods(contract), period_end)
        if period is None:
            errors["period_end"] = [
                f"{period_end.day} {period_end:%B %Y} is not the end of one of this contract's "
                f"reporting periods: choose a period within the contract term "
                f"({term_text(contract)})"
            ]
        elif not period.has_ended(today):
            errors["period_end"] = [
                f"The period {period.label()} has not ended yet: file its return from "
                f"{period.end + dt.timedelta(days=1):%d %B %Y}"
            ]
        else:
            existing = session.execute(
                sa.select(DeliveryReturn).where(
                    DeliveryReturn.contract_id == contract.id,
                    DeliveryReturn.period_end == period.end,
                )
            ).scalar_one_or_none()
            if existing is not None:
                errors["period_end"] = [
                    f"A return for {period.label()} was already filed on "
                    f"{existing.submitted_at:%d %B %Y}: there is one return per period. To "
                    "correct a figure, ask the officer to query it"
                ]
    parsed: dict[int, Decimal] = {}
    for kpi in contract.kpis:
        what = f"The quantity for {kpi.criterion_code} ({kpi.title})"
        try:
            parsed[kpi.id] = parse_quantity(quantities.get(kpi.id), what)
        except DomainError as error:
            errors[f"quantity-{kpi.id}"] = [error.message]
    if len(narrative) > MAX_TEXT:
        errors["narrative"] = [f"The description must be {MAX_TEXT:,} characters or fewer"]
    return period, parsed, errors


def record_return(
    session: Session,
    actor: User,
    contract: Contract,
    *,
    period_end: dt.date | None,
    quantities: Mapping[int, Any],
    narrative: str = "",
    uploads: Sequence[evidence_service.Upload] = (),
    upload_dir: str,
    max_bytes: int = evidence_service.DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    source: str = "form",
) -> DeliveryReturn:
    """File the return for one period: the actual quantity per KPI, a narrative and evidence.

    The supplier files its own; an officer may record one on the supplier's behalf (marked as
    such). Nothing is saved unless everything is valid, files included.
    """
    access = contract_access(session, actor, contract)
    access.require(ContractAction.SUBMIT_RETURN)
    lock_contracts(session, [contract])
    on_behalf = not access.is_supplier
    period, parsed, errors = check_return(
        session,
        contract,
        period_end=period_end,
        quantities=quantities,
        narrative=narrative,
        today=today,
    )
    checked: list[evidence_service.CheckedFile] = []
    try:
        checked = evidence_service.check_all(list(uploads), max_bytes)
    except DomainError as error:
        errors.setdefault(error.field, []).append(error.message)
    if errors:
        raise ValidationFailed(errors)
    assert period is not None
    delivery_return = DeliveryReturn(
        contract_id=contract.id,
        period_start=period.start,
        period_end=period.end,
        due_on=period.due,
        narrative=narrative.strip(),
        submitted_at=utcnow(),
        submitted_by_id=actor.id,
        on_behalf=on_behalf,
    )
    for kpi in contract.kpis:
        delivery_return.lines.append(ReturnLine(kpi_id=kpi.id, reported_quantity=parsed[kpi.id]))
    for item in checked:
        delivery_return.evidence.append(
            EvidenceFile(
                original_name=item.name,
                content_type=item.content_type,
                size_bytes=item.size,
                sha256=item.sha256,
                storage_path=item.storage_path,
                uploaded_by_id=actor.id,
            )
        )
    contract.returns.append(delivery_return)
    session.flush()
    # Files are written last, when every row is valid (content-addressed, so a retry is safe).
    for item in checked:
        evidence_service.store(upload_dir, item)
    codes = {k.id: k.criterion_code for k in contract.kpis}
    record_event(
        session,
        actor=actor,
        action="return.recorded_on_behalf" if on_behalf else "return.submitted",
        entity_type="delivery_return",
        entity_id=delivery_return.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        after={
            "period": [period.start, period.end],
            "quantities": {codes[k]: v for k, v in parsed.items()},
            "narrative": delivery_return.narrative,
            "evidence": [{"name": c.name, "sha256": c.sha256} for c in checked],
            "on_behalf": on_behalf,
            "source": source,
            "late": delivery_return.late,
        },
        summary=f"Return for {period.label()} "
        + (
            "recorded by an officer on the supplier's behalf"
            if on_behalf
            else "filed by the supplier"
        ),
    )
    refresh_status(session, actor, contract, today)
    return delivery_return


DECISIONS = (LineStatus.VERIFIED, LineStatus.QUERIED, LineStatus.REJECTED)


def decide_line(
    session: Session,
    actor: User,
    contract: Contract,
    line: ReturnLine,
    *,
    decision: str,
    text: str = "",
    expected_version: int | None = None,
) -> ReturnLine:
    """Verify a reported amount, query it (with a question for the supplier) or reject it
    (with a reason). Verified and rejected are final."""
    contract_access(session, actor, contract).require(ContractAction.VERIFY)
    if line.delivery_return.contract_id != contract.id:
        raise DomainError("That figure is not part of this contract")
    lock_contracts(session, [contract])
    _check_version(line, expected_version, "figure")
    if decision not in DECISIONS:
        raise DomainError("Choose verify, query or reject", "decision")
    if line.status in (LineStatus.VERIFIED, LineStatus.REJECTED):
        raise StateConflict(
            f"This figure was already {line.status} and cannot be changed: if it is wrong, "
            "record a remedial action"
        )
    text = text.strip()
    field = {"queried": "query", "rejected": "reason"}.get(decision)
    if field and not text:
        raise DomainError(
            "Write the question the supplier should answer"
            if decision == LineStatus.QUERIED
            else "Write why this figure is rejected",
            field,
        )
    if len(text) > MAX_TEXT:
        raise DomainError(f"Write {MAX_TEXT:,} characters or fewer", field or "decision")
    before = _line_state(line)
    now = utcnow()
    if decision == LineStatus.QUERIED:
        line.query_text = text
        line.queried_by_id = actor.id
        line.queried_at = now
        line.answer_text = ""
        line.answered_by_id = None
        line.answered_at = None
    else:
        if decision == LineStatus.REJECTED:
            line.rejection_reason = text
        line.decided_by_id = actor.id
        line.decided_at = now
    line.status = decision
    session.flush()
    kpi = line.kpi
    record_event(
        session,
        actor=actor,
        action=f"return_line.{decision}",
        entity_type="return_line",
        entity_id=line.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        before=before,
        after=_line_state(line),
        summary=f"{kpi.criterion_code} figure for the period to "
        f"{line.delivery_return.period_end:%d %B %Y} {decision}",
    )
    refresh_status(session, actor, contract)
    return line


def answer_query(
    session: Session,
    actor: User,
    contract: Contract,
    line: ReturnLine,
    *,
    answer: str,
    revised_quantity: Decimal | None = None,
    expected_version: int | None = None,
) -> ReturnLine:
    """The supplier answers a query, optionally correcting the figure; it then awaits a
    verifier's decision again."""
    contract_access(session, actor, contract).require(ContractAction.ANSWER_QUERY)
    if line.delivery_return.contract_id != contract.id:
        raise DomainError("That figure is not part of this contract")
    lock_contracts(session, [contract])
    _check_version(line, expected_version, "figure")
    if not line.awaiting_answer:
        raise StateConflict("This figure has no open query to answer")
    errors: dict[str, list[str]] = {}
    answer = answer.strip()
    if not answer:
        errors["answer"] = ["Write your answer to the query"]
    elif len(answer) > MAX_TEXT:
        errors["answer"] = [f"Write {MAX_TEXT:,} characters or fewer"]
    if revised_quantity is not None:
        try:
            revised_quantity = parse_quantity(revised_quantity, "The corrected figure")
        except DomainError as error:
            errors["revised_quantity"] = [error.message]
    if errors:
        raise ValidationFailed(errors)
    before = _line_state(line)
    line.answer_text = answer
    line.answered_by_id = actor.id
    line.answered_at = utcnow()
    if revised_quantity is not None:
        line.reported_quantity = revised_quantity
    session.flush()
    record_event(
        session,
        actor=actor,
        action="return_line.answered",
        entity_type="return_line",
        entity_id=line.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        before=before,
        after=_line_state(line),
        summary=f"Query on {line.kpi.criterion_code} answered"
        + (" with a corrected figure" if revised_quantity is not None else ""),
    )
    return line


def _line_state(line: ReturnLine) -> dict[str, Any]:
    return {
        "kpi": line.kpi.criterion_code if line.kpi else line.kpi_id,
        "reported": line.reported_quantity,
        "status": line.status,
        "query": line.query_text,
        "answer": line.answer_text,
        "rejection_reason": line.rejection_reason,
    }


# -- remedial actions --------------------------------------------------------------------------


def add_remedial_action(
    session: Session, actor: User, contract: Contract, data: Mapping[str, Any]
) -> RemedialAction:
    contract_access(session, actor, contract).require(ContractAction.MANAGE_CONTRACT)
    errors: dict[str, list[str]] = {}
    kpi_id = data.get("kpi_id")
    kpi = None
    if kpi_id is not None:
        kpi = next((k for k in contract.kpis if k.id == kpi_id), None)
        if kpi is None:
            errors["kpi_id"] = ["Choose a KPI of this contract"]
    note, owner = (data.get("note") or "").strip(), (data.get("owner") or "").strip()
    if not note:
        errors["note"] = ["Describe the action to be taken"]
    elif len(note) > MAX_TEXT:
        errors["note"] = [f"Write {MAX_TEXT:,} characters or fewer"]
    if not owner:
        errors["owner"] = ["Enter who owns this action"]
    elif len(owner) > 200:
        errors["owner"] = ["The owner must be 200 characters or fewer"]
    if data.get("due_on") is None:
        errors["due_on"] = ["Enter the date the action is due"]
    if errors:
        raise ValidationFailed(errors)
    action = RemedialAction(
        contract_id=contract.id,
        kpi_id=kpi.id if kpi else None,
        note=note,
        owner=owner,
        due_on=data["due_on"],
        created_by_id=actor.id,
    )
    session.add(action)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="remedial_action.added",
        entity_type="remedial_action",
        entity_id=action.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        after={
            "kpi": kpi.criterion_code if kpi else None,
            "note": note,
            "owner": owner,
            "due_on": action.due_on,
        },
        summary=f"Remedial action for {kpi.criterion_code if kpi else 'the contract'}, owned "
        f"by {owner}, due {action.due_on:%d %B %Y}",
    )
    return action


def complete_remedial_action(
    session: Session,
    actor: User,
    contract: Contract,
    action: RemedialAction,
    *,
    expected_version: int | None = None,
) -> RemedialAction:
    contract_access(session, actor, contract).require(ContractAction.MANAGE_CONTRACT)
    if action.contract_id != contract.id:
        raise DomainError("That action is not part of this contract")
    _check_version(action, expected_version, "action")
    if action.status == "done":
        raise StateConflict("This action is already marked as done")
    action.status = "done"
    action.completed_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="remedial_action.completed",
        entity_type="remedial_action",
        entity_id=action.id,
        tender_id=contract.tender_id,
        contract_id=contract.id,
        before={"status": "open"},
        after={"status": "done"},
        summary=f"Remedial action owned by {action.owner} marked as done",
    )
    return action


# -- programme and track record ----------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    views: tuple[ContractView, ...]
    by_priority: tuple[delivery.GroupTotal, ...]
    by_supplier: tuple[delivery.GroupTotal, ...]
    by_contract: tuple[delivery.GroupTotal, ...]


def programme(session: Session, today: dt.date | None = None) -> Programme:
    """Every contract, measured, and promised vs delivered by priority, supplier and contract."""
    contracts = list(session.execute(_contract_query().order_by(Contract.reference)).scalars())
    views = tuple(contract_view(c, today) for c in contracts)
    return Programme(
        views=views,
        by_priority=delivery.promised_vs_delivered(
            line for v in views for line in promise_lines(v, "priority")
        ),
        by_supplier=delivery.promised_vs_delivered(
            line for v in views for line in promise_lines(v, "supplier")
        ),
        by_contract=delivery.promised_vs_delivered(
            line for v in views for line in promise_lines(v, "contract")
        ),
    )


def supplier_track_record(
    session: Session,
    supplier_name: str,
    supplier_user_id: int | None = None,
    *,
    exclude_tender_id: int | None = None,
    today: dt.date | None = None,
) -> delivery.TrackRecord:
    """The supplier's delivery rate across its contracts (verified delivery against what was
    expected by each contract's status date), for officers weighing its new commitments.

    Always five statements, however many contracts the supplier has (or none)."""
    today = today or today_utc()
    match = Contract.supplier_key == supplier_key(supplier_name)
    if supplier_user_id is not None:
        match = sa.or_(match, Contract.supplier_user_id == supplier_user_id)
    query = sa.select(Contract).where(match)
    if exclude_tender_id is not None:
        query = query.where(Contract.tender_id != exclude_tender_id)
    contracts = list(session.execute(query.order_by(Contract.id)).scalars())
    ids = [c.id for c in contracts]
    returned: dict[int, set[dt.date]] = defaultdict(set)
    for contract_id, period_end in session.execute(
        sa.select(DeliveryReturn.contract_id, DeliveryReturn.period_end).where(
            DeliveryReturn.contract_id.in_(ids)
        )
    ):
        returned[contract_id].add(period_end)
    kpis = list(
        session.execute(sa.select(Kpi).where(Kpi.contract_id.in_(ids)).order_by(Kpi.id)).scalars()
    )
    kpi_ids = [k.id for k in kpis]
    milestones: dict[int, list[delivery.Milestone]] = defaultdict(list)
    for kpi_id, due_on, quantity in session.execute(
        sa.select(KpiMilestone.kpi_id, KpiMilestone.due_on, KpiMilestone.cumulative_quantity).where(
            KpiMilestone.kpi_id.in_(kpi_ids)
        )
    ):
        milestones[kpi_id].append(delivery.Milestone(due_on, Fraction(quantity)))
    verified: dict[int, Fraction] = defaultdict(Fraction)
    for kpi_id, quantity in session.execute(
        sa.select(ReturnLine.kpi_id, ReturnLine.reported_quantity).where(
            ReturnLine.kpi_id.in_(kpi_ids), ReturnLine.status == LineStatus.VERIFIED
        )
    ):
        verified[kpi_id] += Fraction(quantity)
    by_id = {c.id: c for c in contracts}
    records = []
    for kpi in kpis:
        contract = by_id[kpi.contract_id]
        ends = returned[contract.id]
        if ends:
            as_at: dt.date | None = max(ends)
        else:
            overdue = [p.end for p in periods(contract) if p.is_overdue(today, returned=False)]
            as_at = max(overdue) if overdue else None
        if as_at is None:
            expected = Fraction(0)
        else:
            expected = delivery.AccrualProfile(
                start=contract.start_date,
                end=contract.end_date,
                committed=Fraction(kpi.committed_quantity),
                kind=kpi.accrual,
                milestones=tuple(milestones[kpi.id]),
            ).expected_by(as_at)
        records.append(delivery.KpiRecord(contract.reference, expected, verified[kpi.id]))
    result = delivery.delivery_rate(records)
    if result.contracts < len(contracts):  # contracts without KPIs still count as contracts
        result = delivery.TrackRecord(
            contracts=len(contracts),
            kpis_measured=result.kpis_measured,
            kpis_met=result.kpis_met,
            rate=result.rate,
        )
    return result


# -- history -----------------------------------------------------------------------------------


def contract_history(session: Session, contract: Contract, limit: int = 200) -> list[AuditEvent]:
    return list(
        session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.contract_id == contract.id)
            .order_by(AuditEvent.sequence.desc())
            .limit(limit)
        ).scalars()
    )


# -- lists, a page at a time ---------------------------------------------------------------


def find_contract(session: Session, contract_id: int) -> Contract | None:
    """The contract row alone (for access checks and pages that need none of its returns)."""
    return session.get(Contract, contract_id) if valid_id(contract_id) else None


def contracts_query(
    user: User, status: str | None = None, *, measured: bool = False
) -> sa.Select[tuple[Contract]]:
    """The contracts ``user`` may see, newest start first: every contract for officers, admins
    and auditors; their own for suppliers and panel members.

    ``status`` filters on the status last recorded; ``measured`` also loads each contract's
    KPIs (for ``contract_views``) in a fixed number of queries.
    """
    query = sa.select(Contract)
    if measured:
        query = query.options(selectinload(Contract.kpis).selectinload(Kpi.milestones))
    query = query.order_by(Contract.start_date.desc(), Contract.id.desc())
    if not user.has_role(Role.ADMIN, Role.OFFICER, Role.AUDITOR):
        role = ContractRole.SUPPLIER if user.has_role(Role.SUPPLIER) else ContractRole.PANEL
        query = query.where(
            Contract.id.in_(
                sa.select(ContractMember.contract_id).where(
                    ContractMember.user_id == user.id, ContractMember.role == role
                )
            )
        )
    if status is not None:
        query = query.where(Contract.status == status)
    return query


def contracts_page(
    session: Session,
    user: User,
    page: int,
    per_page: int,
    *,
    status: str | None = None,
    measured: bool = True,
) -> Page[Contract]:
    """One page of ``contracts_query`` (InvalidPage past the last page)."""
    return paginate(session, contracts_query(user, status, measured=measured), page, per_page)


def contract_history_page(
    session: Session, contract: Contract, page: int, per_page: int
) -> Page[AuditEvent]:
    """The contract's audit events, newest first, one page at a time."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.contract_id == contract.id)
        .order_by(AuditEvent.sequence.desc())
    )
    return paginate(session, query, page, per_page)


def returns_query(
    contract: Contract,
    *,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> sa.Select[tuple[DeliveryReturn]]:
    """The contract's delivery returns by period, with their figures and evidence."""
    query = (
        sa.select(DeliveryReturn)
        .where(DeliveryReturn.contract_id == contract.id)
        .options(selectinload(DeliveryReturn.lines), selectinload(DeliveryReturn.evidence))
        .order_by(DeliveryReturn.period_end, DeliveryReturn.id)
    )
    if period_from is not None:
        query = query.where(DeliveryReturn.period_end >= period_from)
    if period_to is not None:
        query = query.where(DeliveryReturn.period_end <= period_to)
    return query
