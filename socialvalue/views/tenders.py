"""Officer pages: tender set-up, evaluation plan, criteria, gates, people, publication and bids.

Every route checks the user's role and, through services.access, their part in the tender.
Views only parse input, call one service, commit once and redirect (or re-render the form
with the errors); the rules themselves live in the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from socialvalue.extensions import db
from socialvalue.models.base import utcnow
from socialvalue.models.bid import Bid, BidStatus
from socialvalue.models.tender import Criterion, Gate, MemberRole, Tender, TenderStatus
from socialvalue.models.user import Role, User
from socialvalue.schemas.bids import load_bid_form
from socialvalue.schemas.common import FieldErrors, load_form
from socialvalue.schemas.tenders import (
    TIE_BREAK_SLOTS,
    CancelTenderInputSchema,
    CriterionEditInputSchema,
    GateInputSchema,
    MeasureInputSchema,
    MemberInputSchema,
    PlanRulesInputSchema,
    QuestionInputSchema,
    TenderCreateInputSchema,
    TenderDetailsInputSchema,
    plain_number,
)
from socialvalue.scoring import TIE_BREAK_KEYS
from socialvalue.services import bids as bid_service
from socialvalue.services import contracts as contract_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.access import Action, ContractAction, TenderAccess, contract_access
from socialvalue.services.errors import DomainError, NotPermitted
from socialvalue.services.evaluation import members_with_conflicts
from socialvalue.services.pagination import PER_PAGE, InvalidPage, parse_page
from socialvalue.uk_time import on_uk_clock
from socialvalue.views.support import acting_user, commit, roles_required, tender_with_access

bp = Blueprint("tenders", __name__, url_prefix="/tenders")

MANAGERS = (Role.ADMIN, Role.OFFICER)
BID_READERS = (Role.ADMIN, Role.OFFICER, Role.AUDITOR)
MAX_SEARCH = 200
BIDS_PER_PAGE = 50
TENDER_FILTER_LABELS = {
    "draft": "Draft: plan being set up",
    "open": "Published: open for bids",
    "evaluating": "Published: bidding closed, being evaluated",
    "awarded": "Awarded",
    "cancelled": "Cancelled",
}
T = TypeVar("T")

# Plain-English words for the plan's vocabulary (the engine's names stay in the database).
GROUP_LABELS = {"price": "Price", "quality": "Quality", "social_value": "Social value"}
KIND_LABELS = {
    "qualitative": "Scored by evaluators",
    "quantitative": "Commitment (a number)",
    "pass_fail": "Pass/fail",
}
PRICE_METHOD_OPTIONS = (
    (
        "lowest_price_ratio",
        "Lowest price ratio",
        "Each bid scores the price weight × (lowest price ÷ its price). The lowest price gets "
        "full marks; a bid at twice the lowest price gets half.",
    ),
    (
        "linear_deviation",
        "Linear deviation from the lowest price",
        "A bid loses 1% of the price weight for every 1% it costs above the lowest price. The "
        "lowest price gets full marks; twice the lowest price or more scores 0.",
    ),
    (
        "price_per_quality_point",
        "Price per quality point",
        "Price is not scored as points: bids are ranked by their price divided by their "
        "quality and social value points, and the lowest cost per point wins. The price "
        "weight must be 0.",
    ),
)
QUANTITATIVE_METHOD_OPTIONS = (
    (
        "relative_to_best",
        "Relative to the best offer",
        "Each commitment scores the criterion weight × (its commitment ÷ the best commitment "
        "among compliant bids).",
    ),
    (
        "against_target",
        "Against a target",
        "Full marks at or above the target you set for the criterion; below it, marks in "
        "proportion (4 against a target of 5 scores 80%).",
    ),
    (
        "monetised",
        "Monetised (£ of social value)",
        "Commitments are converted to pounds with the framework's proxy values and pooled; "
        "each bid scores in proportion to the best £ offer. Only for social value measures "
        "that have a proxy value.",
    ),
)
MODERATION_OPTIONS = (
    (
        "consensus_required",
        "Consensus required for every score",
        "Evaluators meet and agree a consensus score, with a reason, for every bid on every "
        "scored criterion.",
    ),
    (
        "mean_for_unflagged",
        "Accept the mean where evaluators agree",
        "Where evaluators' scores are close, their mean is used. A consensus is needed only "
        "where their scores are spread by at least the threshold below.",
    ),
)
TIE_BREAK_LABELS = {
    "highest_social_value": "Highest social value score",
    "highest_quality": "Highest quality score",
    "lowest_price": "Lowest price",
    "highest_total_unrounded": "Highest exact total (before rounding for display)",
}
SCALE_OPTIONS = (
    ("5", "0 to 5", "The usual public sector scale, with standard descriptors for each point"),
    ("4", "0 to 4", None),
    ("10", "0 to 10", None),
    ("100", "0 to 100", "For a percentage-style score"),
)
ORDINALS = ("1st", "2nd", "3rd", "4th")
LABELS: dict[str, Any] = {
    "groups": GROUP_LABELS,
    "kinds": KIND_LABELS,
    "price_methods": {key: (text, hint) for key, text, hint in PRICE_METHOD_OPTIONS},
    "quantitative_methods": {key: (text, hint) for key, text, hint in QUANTITATIVE_METHOD_OPTIONS},
    "moderation": {key: (text, hint) for key, text, hint in MODERATION_OPTIONS},
    "tie_break": TIE_BREAK_LABELS,
    "member_roles": {
        MemberRole.EVALUATOR: "Officer evaluator",
        MemberRole.PANEL: "Citizen/VCSE panel member",
        MemberRole.SUPPLIER: "Invited supplier",
    },
}


# -- helpers shared with the supplier pages -----------------------------------------------------


def attempt(action: Callable[[], T]) -> tuple[T | None, FieldErrors, int]:
    """Run one service call and commit; on a refusal roll back and return its messages.

    Returns (result, {}, 200) on success, or (None, errors, HTTP status) when the service
    refused (422 invalid, 409 conflicting state, 412 someone else saved first). A refusal by
    the permission policy is a 403 page.
    """
    try:
        result = action()
        commit()
    except NotPermitted as error:
        db.session.rollback()
        abort(403, description=error.message)
    except DomainError as error:
        db.session.rollback()
        return None, error.errors, error.status
    except IntegrityError:
        db.session.rollback()
        return (
            None,
            {
                "_form": [
                    "Someone else saved a change to this tender at the same moment, so yours "
                    "was not saved. Check the page and try again."
                ]
            },
            409,
        )
    return result, {}, 200


def summary_items(
    errors: Mapping[str, list[str]], prefix: str = "", anchors: Mapping[str, str] | None = None
) -> list[tuple[str | None, str]]:
    """Error summary entries: (id of the input to jump to, message)."""
    anchors = anchors or {}
    items: list[tuple[str | None, str]] = []
    for field, messages in errors.items():
        anchor = None if field == "_form" else anchors.get(field, prefix + field)
        items.extend((anchor, message) for message in messages)
    return items


def optional_url(endpoint: str, **values: Any) -> str | None:
    """A link to a page that another part of the service may not provide yet."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, labels=LABELS, now=utcnow(), **context), status


def _options(rows: tuple[tuple[str, str, str | None], ...]) -> list[dict[str, Any]]:
    return [{"value": value, "text": text, "hint": hint} for value, text, hint in rows]


def _number(value: Any) -> str:
    """A stored Decimal as a form value, exactly (no rounding, no thousands separators)."""
    return "" if value is None else plain_number(value).replace(",", "")


def _money(value: Any) -> str:
    """An amount in pounds as a form value, keeping its pence as stored (100000.50)."""
    return "" if value is None else format(value, "f")


def _manage(tender_id: int) -> tuple[Tender, TenderAccess]:
    return tender_with_access(tender_id, Action.MANAGE_TENDER)


# -- list and create ---------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> Response | tuple[str, int]:
    user = acting_user()
    if user.has_role(Role.SUPPLIER):
        return redirect(url_for("supplier.index"))
    status = request.args.get("status", "")
    if status not in tender_service.TENDER_LIST_FILTERS:
        status = ""  # an unknown filter shows every tender rather than an error
    try:
        tenders = tender_service.tenders_page(
            db.session, user, parse_page(request.args.get("page")), PER_PAGE, status or None
        )
    except InvalidPage:
        abort(404)
    tasks = (
        {}
        if user.has_role(Role.AUDITOR)
        else tender_service.member_tasks(db.session, user, [t.id for t in tenders])
    )
    task_links = {}
    for tender_id, task in tasks.items():
        if task.action == "declare":
            task_links[tender_id] = optional_url("evaluation.declaration", tender_id=tender_id)
        elif task.action == "score":
            task_links[tender_id] = optional_url("evaluation.worklist", tender_id=tender_id)
    return page(
        "tenders/index.html",
        tenders=tenders,
        status_filter=status,
        status_label=TENDER_FILTER_LABELS.get(status, ""),
        status_options=[{"value": "", "text": "All tenders"}]
        + [{"value": key, "text": text} for key, text in TENDER_FILTER_LABELS.items()],
        tasks=tasks,
        task_links=task_links,
        can_create=user.has_role(*MANAGERS),
        page_title="Tenders"
        + (f": {TENDER_FILTER_LABELS[status].lower()}" if status else "")
        + (f" (page {tenders.page} of {tenders.pages})" if tenders.pages > 1 else ""),
    )


def _framework_options(session_versions: Any) -> list[dict[str, Any]]:
    return [
        {
            "value": version.id,
            "text": f"{version.title} ({version.key})",
            "hint": f"Content hash {version.content_hash[:19]}…",
        }
        for version in session_versions
    ]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create() -> Response | tuple[str, int]:
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = request.form if request.method == "POST" else {}
    if request.method == "POST":
        data, errors = load_form(TenderCreateInputSchema(), request.form)
        status = 422
        if not errors:
            tender, errors, status = attempt(
                lambda: tender_service.create_tender(db.session, acting_user(), data)
            )
            if tender is not None:
                flash(
                    f"Tender {tender.reference} created. Now set up its evaluation plan.", "success"
                )
                return redirect(url_for("tenders.show", tender_id=tender.id))
    versions = tender_service.published_framework_versions(db.session)
    return page(
        "tenders/new.html",
        status,
        form=form,
        errors=errors,
        summary=summary_items(errors, anchors={"weights": "weight_price"}),
        framework_options=_framework_options(versions),
        page_title="Create a tender",
    )


# -- overview ----------------------------------------------------------------------------------


def _links(tender: Tender, access: TenderAccess) -> dict[str, str | None]:
    """Links to the pages this person may use now (evaluation pages come from another module)."""
    links: dict[str, str | None] = {}
    user = access.user
    closed = access.bidding_closed()
    tid = tender.id
    if access.needs_declaration:
        links["declaration"] = optional_url("evaluation.declaration", tender_id=tid)
    if access.allows(Action.EVALUATE):
        links["worklist"] = optional_url("evaluation.worklist", tender_id=tid)
    if (
        user.has_role(*BID_READERS)
        and tender.status != TenderStatus.DRAFT
        and access.allows(Action.VIEW_BIDS)
    ):
        links["bids"] = url_for("tenders.bids", tender_id=tid)
    if closed or tender.status == TenderStatus.AWARDED:
        if tender.status == TenderStatus.PUBLISHED and access.allows(Action.MODERATE):
            links["moderation"] = optional_url("evaluation.moderation", tender_id=tid)
        if access.allows(Action.VIEW_RESULT):
            links["result"] = optional_url("evaluation.result", tender_id=tid)
        if access.allows(Action.AWARD):
            links["award"] = optional_url("evaluation.award", tender_id=tid)
        if tender.status == TenderStatus.AWARDED and access.allows(Action.VIEW_RESULT):
            links["summaries"] = optional_url("evaluation.summaries", tender_id=tid)
    if access.allows(Action.VIEW_HISTORY):
        links["history"] = optional_url("evaluation.history", tender_id=tid)
    member = access.member
    if member is not None and member.role == MemberRole.SUPPLIER and member.active:
        links["supplier_bid"] = url_for("supplier.bid", tender_id=tid)
    return {key: value for key, value in links.items() if value}


@bp.get("/<int:tender_id>/")
@login_required
def show(tender_id: int) -> tuple[str, int]:
    tender, access = tender_with_access(tender_id, Action.VIEW_TENDER)
    user = access.user
    officer_view = access.is_manager or user.has_role(Role.AUDITOR)
    context: dict[str, Any] = {
        "tender": tender,
        "access": access,
        "officer_view": officer_view,
        "manager": access.is_manager,
        "links": _links(tender, access),
        "weight_totals": tender_service.criteria_weight_totals(tender),
        "page_title": f"{tender.reference}: {tender.title}",
    }
    contract = contract_service.contract_for_tender(db.session, tender.id)
    if contract is not None and contract_access(db.session, user, contract).allows(
        ContractAction.VIEW_CONTRACT
    ):
        context["contract"] = contract
    if officer_view:
        members = tender_service.list_members(db.session, tender)
        context["members"] = members
        context["progress"] = tender_service.setup_progress(db.session, tender, members)
        context["conflicts"] = members_with_conflicts(db.session, tender)
        context["bid_counts"] = bid_service.bid_status_counts(db.session, tender)
    else:
        context["warnings"] = []
    return page("tenders/show.html", **context)


# -- details -----------------------------------------------------------------------------------


def details_form_values(tender: Tender) -> dict[str, str]:
    deadline = on_uk_clock(tender.bid_deadline)
    values = {
        "reference": tender.reference,
        "title": tender.title,
        "buyer": tender.buyer,
        "description": tender.description,
        "estimated_value": _money(tender.estimated_value),
        "bid_deadline-day": str(deadline.day),
        "bid_deadline-month": str(deadline.month),
        "bid_deadline-year": str(deadline.year),
        "bid_deadline-time": deadline.strftime("%H:%M"),
        "version": str(tender.version_id),
    }
    for name in ("contract_start", "contract_end"):
        date: dt.date = getattr(tender, name)
        values |= {f"{name}-day": str(date.day), f"{name}-month": str(date.month)}
        values[f"{name}-year"] = str(date.year)
    return values


@bp.route("/<int:tender_id>/details", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_details(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = details_form_values(tender)
    if request.method == "POST":
        form = request.form
        # Once the plan is published the deadline is fixed: it is not part of the form.
        locked = tender.plan_locked
        schema = TenderDetailsInputSchema(exclude=("bid_deadline",) if locked else ())
        data, errors = load_form(schema, request.form)
        status = 422
        if not errors:
            if locked:
                data["bid_deadline"] = tender.bid_deadline
            _, errors, status = attempt(
                lambda: tender_service.update_tender_details(
                    db.session, acting_user(), tender, data, expected_version=data["version"]
                )
            )
            if not errors:
                flash("Tender details saved.", "success")
                return redirect(url_for("tenders.show", tender_id=tender.id))
    return page(
        "tenders/details.html",
        status,
        tender=tender,
        deadline_fixed=tender.plan_locked,
        form=form,
        errors=errors,
        summary=summary_items(errors),
        page_title=f"Tender details – {tender.reference}",
    )


# -- evaluation rules --------------------------------------------------------------------------


def plan_form_values(tender: Tender) -> dict[str, str]:
    values = {
        "weight_price": _number(tender.weight_price),
        "weight_quality": _number(tender.weight_quality),
        "weight_social_value": _number(tender.weight_social_value),
        "price_method": tender.price_method,
        "quantitative_method": tender.quantitative_method,
        "moderation_mode": tender.moderation_mode,
        "flag_range_percent": _number(tender.flag_range_percent),
        "panel_share_percent": _number(tender.panel_share_percent),
        "require_rationale": "yes" if tender.require_rationale else "no",
        "anonymise_for_panel": "yes" if tender.anonymise_for_panel else "no",
        "version": str(tender.version_id),
    }
    for slot in range(1, TIE_BREAK_SLOTS + 1):
        rules = tender.tie_break or []
        values[f"tie_break_{slot}"] = rules[slot - 1] if slot <= len(rules) else ""
    return values


@bp.route("/<int:tender_id>/plan", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_plan(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = plan_form_values(tender)
    if request.method == "POST":
        form = request.form
        data, errors = load_form(PlanRulesInputSchema(), request.form)
        status = 422
        if not errors:
            _, errors, status = attempt(
                lambda: tender_service.update_plan_rules(
                    db.session, acting_user(), tender, data, expected_version=data["version"]
                )
            )
            if not errors:
                flash("Evaluation rules saved.", "success")
                return redirect(url_for("tenders.edit_plan", tender_id=tender.id))
    tie_options = [{"value": "", "text": "No further rule"}] + [
        {"value": key, "text": TIE_BREAK_LABELS.get(key, key)} for key in TIE_BREAK_KEYS
    ]
    return page(
        "tenders/plan.html",
        status,
        tender=tender,
        form=form,
        errors=errors,
        summary=summary_items(
            errors, anchors={"weights": "weight_price", "tie_break": "tie_break_1"}
        ),
        warnings=tender_service.plan_warnings(tender),
        weight_totals=tender_service.criteria_weight_totals(tender),
        price_options=_options(PRICE_METHOD_OPTIONS),
        quantitative_options=_options(QUANTITATIVE_METHOD_OPTIONS),
        moderation_options=_options(MODERATION_OPTIONS),
        tie_options=tie_options,
        tie_slots=list(zip(range(1, TIE_BREAK_SLOTS + 1), ORDINALS, strict=True)),
        page_title=f"Evaluation rules – {tender.reference}",
    )


# -- criteria and gates ------------------------------------------------------------------------


def _criteria_page(
    tender: Tender,
    status: int = 200,
    *,
    form_errors: Mapping[str, FieldErrors] | None = None,
    failed_measure: int | None = None,
    form: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    """The criteria page; ``form_errors`` maps "measure", "question" or "gate" to its errors."""
    query = (request.values.get("q") or "").strip()[:MAX_SEARCH]
    measures = tender_service.pinned_measures(db.session, tender, query)
    form_errors = dict(form_errors or {})
    summary: list[tuple[str | None, str]] = []
    if "measure" in form_errors:
        errors = dict(form_errors["measure"])
        shown = failed_measure is not None and any(m.id == failed_measure for m in measures)
        if not shown:
            errors = {"_form": _flatten(errors)}
        elif "measure_id" in errors:
            errors["_form"] = errors.pop("measure_id")
        form_errors["measure"] = errors
        summary += summary_items(errors, prefix=f"measure-{failed_measure}-")
    if "question" in form_errors:
        summary += summary_items(form_errors["question"], prefix="question-")
    if "gate" in form_errors:
        summary += summary_items(form_errors["gate"], prefix="gate-")
    if "_form" in form_errors:
        summary += summary_items(form_errors["_form"])
    used_measures = {c.measure_id for c in tender.criteria if c.measure_id} | {
        g.measure_id for g in tender.gates if g.measure_id
    }
    return page(
        "tenders/criteria.html",
        status,
        tender=tender,
        query=query,
        measures=measures,
        used_measures=used_measures,
        weight_totals=tender_service.criteria_weight_totals(tender),
        form_errors=form_errors,
        failed_measure=failed_measure,
        form=form or {},
        errors=summary,
        summary=summary,
        scale_options=_options(SCALE_OPTIONS),
        group_options=[
            {"value": "quality", "text": "Quality"},
            {"value": "social_value", "text": "Social value"},
        ],
        quantitative_options=[{"value": "", "text": "The plan's default method"}]
        + [{"value": key, "text": text} for key, text, _ in QUANTITATIVE_METHOD_OPTIONS],
        page_title=f"Criteria – {tender.reference}",
    )


def _flatten(errors: FieldErrors) -> list[str]:
    return [message for messages in errors.values() for message in messages]


@bp.get("/<int:tender_id>/criteria")
@roles_required(*MANAGERS)
def criteria(tender_id: int) -> tuple[str, int]:
    tender, _access = _manage(tender_id)
    return _criteria_page(tender)


@bp.post("/<int:tender_id>/criteria/measure")
@roles_required(*MANAGERS)
def add_measure(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    data, errors = load_form(MeasureInputSchema(), request.form)
    status = 422
    if not errors:
        added, errors, status = attempt(
            lambda: tender_service.add_measure_criterion(db.session, acting_user(), tender, data)
        )
        if added is not None:
            if isinstance(added, Gate):
                flash(f"Pass/fail gate {added.code} ({added.title}) added.", "success")
            else:
                flash(f"Criterion {added.code} ({added.title}) added.", "success")
            return redirect(url_for("tenders.criteria", tender_id=tender.id))
    failed = _int_or_none(request.form.get("measure_id"))
    return _criteria_page(
        tender, status, form_errors={"measure": errors}, failed_measure=failed, form=request.form
    )


def _int_or_none(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if tender_service.valid_id(value) else None


@bp.post("/<int:tender_id>/criteria/question")
@roles_required(*MANAGERS)
def add_question(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    data, errors = load_form(QuestionInputSchema(), request.form)
    status = 422
    if not errors:
        added, errors, status = attempt(
            lambda: tender_service.add_question_criterion(db.session, acting_user(), tender, data)
        )
        if added is not None:
            flash(f"Criterion {added.code} ({added.title}) added.", "success")
            return redirect(url_for("tenders.criteria", tender_id=tender.id))
    return _criteria_page(tender, status, form_errors={"question": errors}, form=request.form)


def _criterion_or_404(tender: Tender, criterion_id: int) -> Criterion:
    for criterion in tender.criteria:
        if criterion.id == criterion_id:
            return criterion
    abort(404)


def _gate_or_404(tender: Tender, gate_id: int) -> Gate:
    for gate in tender.gates:
        if gate.id == gate_id:
            return gate
    abort(404)


def criterion_form_values(criterion: Criterion) -> dict[str, str]:
    return {
        "title": criterion.title,
        "question": criterion.question,
        "weight": _number(criterion.weight),
        "minimum_score": _number(criterion.minimum_score),
        "target": _number(criterion.target),
        "quantitative_method": criterion.quantitative_method or "",
    }


@bp.route("/<int:tender_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_criterion(tender_id: int, criterion_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    criterion = _criterion_or_404(tender, criterion_id)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = criterion_form_values(criterion)
    if request.method == "POST":
        form = request.form
        data, errors = load_form(CriterionEditInputSchema(), request.form)
        status = 422
        if not errors and criterion.kind == "qualitative" and criterion.scale_max is not None:
            minimum = data.get("minimum_score")
            if minimum is not None and minimum > criterion.scale_max:
                errors = {
                    "minimum_score": [
                        f"The minimum score must be on the {criterion.scale_min or 0} to "
                        f"{criterion.scale_max} scale"
                    ]
                }
        if not errors:
            _, errors, status = attempt(
                lambda: tender_service.update_criterion(
                    db.session, acting_user(), tender, criterion, data
                )
            )
            if not errors:
                flash(f"Criterion {criterion.code} saved.", "success")
                return redirect(url_for("tenders.criteria", tender_id=tender.id))
    return page(
        "tenders/criterion_edit.html",
        status,
        tender=tender,
        criterion=criterion,
        form=form,
        errors=errors,
        summary=summary_items(errors),
        quantitative_options=[{"value": "", "text": "The plan's default method"}]
        + [{"value": key, "text": text} for key, text, _ in QUANTITATIVE_METHOD_OPTIONS],
        page_title=f"Change criterion {criterion.code} – {tender.reference}",
    )


@bp.post("/<int:tender_id>/criteria/<int:criterion_id>/remove")
@roles_required(*MANAGERS)
def remove_criterion(tender_id: int, criterion_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    criterion = _criterion_or_404(tender, criterion_id)
    code, title = criterion.code, criterion.title
    _, errors, status = attempt(
        lambda: tender_service.remove_criterion(db.session, acting_user(), tender, criterion)
    )
    if errors:
        return _criteria_page(tender, status, form_errors={"_form": errors})
    flash(f"Criterion {code} ({title}) removed.", "success")
    return redirect(url_for("tenders.criteria", tender_id=tender.id))


@bp.post("/<int:tender_id>/gates")
@roles_required(*MANAGERS)
def add_gate(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    data, errors = load_form(GateInputSchema(), request.form)
    status = 422
    if not errors:
        gate, errors, status = attempt(
            lambda: tender_service.add_gate(db.session, acting_user(), tender, data)
        )
        if gate is not None:
            flash(f"Pass/fail gate {gate.code} ({gate.title}) added.", "success")
            return redirect(url_for("tenders.criteria", tender_id=tender.id) + "#gates")
    return _criteria_page(tender, status, form_errors={"gate": errors}, form=request.form)


@bp.post("/<int:tender_id>/gates/<int:gate_id>/remove")
@roles_required(*MANAGERS)
def remove_gate(tender_id: int, gate_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    gate = _gate_or_404(tender, gate_id)
    code, title = gate.code, gate.title
    _, errors, status = attempt(
        lambda: tender_service.remove_gate(db.session, acting_user(), tender, gate)
    )
    if errors:
        return _criteria_page(tender, status, form_errors={"_form": errors})
    flash(f"Pass/fail gate {code} ({title}) removed.", "success")
    return redirect(url_for("tenders.criteria", tender_id=tender.id) + "#gates")


# -- people ------------------------------------------------------------------------------------


def _people_page(
    tender: Tender,
    status: int = 200,
    *,
    which: str | None = None,
    errors: FieldErrors | None = None,
    form: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    errors = errors or {}
    members = tender_service.list_members(db.session, tender)
    candidates = tender_service.assignable_people(db.session, tender)
    scored = [c for c in tender.criteria if c.kind == "qualitative"]
    codes = {c.id: c.code for c in tender.criteria}

    def person_option(user: User) -> dict[str, Any]:
        role = "panel member" if user.has_role(Role.PANEL) else "officer"
        organisation = f", {user.organisation}" if user.organisation else ""
        return {"value": user.id, "text": f"{user.display_name} ({role}{organisation})"}

    evaluators = [
        person_option(u) for u in [*candidates[MemberRole.EVALUATOR], *candidates[MemberRole.PANEL]]
    ]
    # People already scoring can be chosen again to change their criteria.
    for member in members:
        if member.active and member.role in (MemberRole.EVALUATOR, MemberRole.PANEL):
            option = person_option(member.user)
            option["text"] += ": already on this tender, change their criteria"
            evaluators.append(option)
    suppliers = [
        {
            "value": u.id,
            "text": u.display_name + (f" ({u.organisation})" if u.organisation else ""),
        }
        for u in candidates[MemberRole.SUPPLIER]
    ]
    prefix = f"{which}-" if which else ""
    return page(
        "tenders/people.html",
        status,
        tender=tender,
        members=members,
        codes=codes,
        evaluator_options=[{"value": "", "text": "Choose a person"}, *evaluators],
        supplier_options=[{"value": "", "text": "Choose a supplier"}, *suppliers],
        criterion_options=[
            {"value": c.id, "text": f"{c.code} {c.title}", "hint": GROUP_LABELS[c.group]}
            for c in scored
        ],
        which=which,
        form_errors=errors,
        form=form or {},
        selected_criteria=(form.getlist("criterion_ids") if hasattr(form, "getlist") else []),
        errors=summary_items(errors, prefix=prefix),
        summary=summary_items(errors, prefix=prefix),
        page_title=f"People – {tender.reference}",
    )


@bp.route("/<int:tender_id>/people", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def people(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    if request.method == "GET":
        return _people_page(tender)
    which = "supplier" if request.form.get("form_name") == "supplier" else "evaluator"
    raw = {**request.form.to_dict(), "criterion_ids": request.form.getlist("criterion_ids")}
    data, errors = load_form(MemberInputSchema(), raw)
    status = 422
    if not errors:
        user = tender_service.get_user(db.session, data["user_id"])
        role = tender_service.member_role_for(user) if user is not None else None
        if user is None or role is None:
            errors = {"user_id": ["Choose a person from the list"]}
        elif which == "supplier" and role != MemberRole.SUPPLIER:
            errors = {"user_id": ["Choose a supplier from the list"]}
        elif which == "evaluator" and role == MemberRole.SUPPLIER:
            errors = {"user_id": ["Suppliers cannot evaluate: invite them as a supplier"]}
        else:
            member, errors, status = attempt(
                lambda: tender_service.assign_member(
                    db.session, acting_user(), tender, user, role, data["criterion_ids"]
                )
            )
            if member is not None:
                done = "invited to bid" if role == MemberRole.SUPPLIER else "added"
                flash(f"{user.display_name} {done}.", "success")
                return redirect(url_for("tenders.people", tender_id=tender.id))
    return _people_page(tender, status, which=which, errors=errors, form=request.form)


# -- publish and close -------------------------------------------------------------------------


@bp.route("/<int:tender_id>/publish", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def publish(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    errors: FieldErrors = {}
    status = 200
    if request.method == "POST":
        version = _int_or_none(request.form.get("version"))
        _, errors, status = attempt(
            lambda: tender_service.publish_plan(
                db.session, acting_user(), tender, expected_version=version
            )
        )
        if not errors:
            flash(
                "The evaluation plan is published and locked. Suppliers can now bid until "
                "the deadline.",
                "success",
            )
            return redirect(url_for("tenders.show", tender_id=tender.id))
    problems = [] if tender.plan_locked else tender_service.plan_problems(tender)
    return page(
        "tenders/publish.html",
        status,
        tender=tender,
        problems=problems,
        warnings=tender_service.plan_warnings(tender),
        errors=summary_items(errors),
        summary=summary_items(errors),
        page_title=f"Publish the evaluation plan – {tender.reference}",
    )


@bp.route("/<int:tender_id>/close-bidding", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def close_bidding(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    errors: FieldErrors = {}
    status = 200
    if request.method == "POST":
        _, errors, status = attempt(
            lambda: tender_service.close_bidding(db.session, acting_user(), tender)
        )
        if not errors:
            flash("Bidding is closed. Bids are now fixed and evaluation can start.", "success")
            return redirect(url_for("tenders.show", tender_id=tender.id))
    counts = bid_service.bid_status_counts(db.session, tender)
    return page(
        "tenders/close_bidding.html",
        status,
        tender=tender,
        counts=counts,
        errors=summary_items(errors),
        summary=summary_items(errors),
        page_title=f"Close bidding – {tender.reference}",
    )


@bp.route("/<int:tender_id>/cancel", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def cancel(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = {"reason": "", "version": str(tender.version_id)}
    refusal = tender_service.why_not_cancellable(tender)
    if request.method == "POST" and refusal is not None:
        errors, status = {"_form": [refusal]}, 409
    elif request.method == "POST":
        form = request.form
        data, errors = load_form(CancelTenderInputSchema(), request.form)
        status = 422
        if not errors:
            _, errors, status = attempt(
                lambda: tender_service.cancel_tender(
                    db.session,
                    acting_user(),
                    tender,
                    data["reason"],
                    expected_version=data["version"],
                )
            )
            if not errors:
                flash(f"Tender {tender.reference} is cancelled.", "success")
                return redirect(url_for("tenders.show", tender_id=tender.id))
    counts = bid_service.bid_status_counts(db.session, tender)
    return page(
        "tenders/cancel.html",
        status,
        tender=tender,
        counts=counts,
        form=form,
        errors=errors,
        summary=summary_items(errors),
        page_title=f"Cancel this tender – {tender.reference}",
    )


# -- bids --------------------------------------------------------------------------------------


@bp.get("/<int:tender_id>/bids")
@roles_required(*BID_READERS)
def bids(tender_id: int) -> tuple[str, int]:
    tender, access = tender_with_access(tender_id, Action.VIEW_BIDS)
    counts = bid_service.bid_status_counts(db.session, tender)
    try:
        bids = bid_service.bids_page(
            db.session,
            tender,
            parse_page(request.args.get("page")),
            BIDS_PER_PAGE,
            total=counts[BidStatus.SUBMITTED],
        )
    except InvalidPage:
        abort(404)
    return page(
        "tenders/bids.html",
        tender=tender,
        bids=bids,
        counts=counts,
        manager=access.is_manager,
        open_for_bids=_open_for_bids(tender),
        page_title=f"Bids – {tender.reference}"
        + (f" (page {bids.page} of {bids.pages})" if bids.pages > 1 else ""),
    )


def _open_for_bids(tender: Tender) -> bool:
    return tender.status == TenderStatus.PUBLISHED and utcnow() < tender.bid_deadline


def bid_form_values(tender: Tender, bid: Bid) -> dict[str, str]:
    values = {
        "supplier_name": bid.supplier_name,
        "price": _money(bid.price),
        "version": str(bid.version_id),
    }
    for commitment in bid.commitments:
        name = f"commitment-{commitment.criterion_id}"
        values[name] = _number(commitment.quantity)
        values[f"{name}-narrative"] = commitment.narrative
        values[f"{name}-evidence_plan"] = commitment.evidence_plan
    for response in bid.responses:
        values[f"response-{response.criterion_id}"] = response.response
    for answer in bid.gate_answers:
        values[f"gate-{answer.gate_id}"] = "yes" if answer.passed else "no"
        values[f"gate-{answer.gate_id}-evidence"] = answer.evidence
    return values


def bid_form_page(
    template: str,
    tender: Tender,
    *,
    form: Mapping[str, Any],
    errors: FieldErrors,
    status: int = 200,
    **context: Any,
) -> tuple[str, int]:
    quantitative = [c for c in tender.criteria if c.kind == "quantitative"]
    qualitative = [c for c in tender.criteria if c.kind == "qualitative"]
    return page(
        template,
        status,
        tender=tender,
        form=form,
        errors=errors,
        summary=summary_items(errors),
        quantitative=quantitative,
        qualitative=qualitative,
        gates=list(tender.gates),
        **context,
    )


@bp.route("/<int:tender_id>/bids/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_bid(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = {}
    if request.method == "POST":
        form = request.form
        data, _version, errors = load_bid_form(tender, request.form)
        status = 422
        if not errors:
            bid, errors, status = attempt(
                lambda: bid_service.record_bid(db.session, acting_user(), tender, data)
            )
            if bid is not None:
                flash(f"Bid {bid.label} from {bid.supplier_name} recorded.", "success")
                return redirect(url_for("tenders.show_bid", tender_id=tender.id, bid_id=bid.id))
    return bid_form_page(
        "tenders/bid_form.html",
        tender,
        form=form,
        errors=errors,
        status=status,
        bid=None,
        open_for_bids=_open_for_bids(tender),
        page_title=f"Record a bid – {tender.reference}",
    )


def _bid_or_404(tender: Tender, bid_id: int) -> Bid:
    bid = bid_service.get_bid(db.session, tender, bid_id)
    # A supplier's unsubmitted draft is its own work in progress, not yet a bid.
    if bid is None or bid.status == BidStatus.DRAFT:
        abort(404)
    return bid


@bp.get("/<int:tender_id>/bids/<int:bid_id>")
@roles_required(*BID_READERS)
def show_bid(tender_id: int, bid_id: int) -> tuple[str, int]:
    tender, access = tender_with_access(tender_id, Action.VIEW_BIDS)
    bid = _bid_or_404(tender, bid_id)
    return page(
        "tenders/bid_show.html",
        tender=tender,
        bid=bid,
        commitments={c.criterion_id: c for c in bid.commitments},
        responses={r.criterion_id: r for r in bid.responses},
        answers={a.gate_id: a for a in bid.gate_answers},
        can_edit=access.is_manager and bid.entered_by_officer and _open_for_bids(tender),
        open_for_bids=_open_for_bids(tender),
        # Officers only: the supplier's delivery rate on its past contracts (never for panels).
        track_record=contract_service.supplier_track_record(
            db.session, bid.supplier_name, bid.supplier_user_id, exclude_tender_id=tender.id
        )
        if access.is_manager
        else None,
        page_title=f"Bid {bid.label} – {tender.reference}",
    )


@bp.route("/<int:tender_id>/bids/<int:bid_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_bid(tender_id: int, bid_id: int) -> Response | tuple[str, int]:
    tender, _access = _manage(tender_id)
    bid = _bid_or_404(tender, bid_id)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = bid_form_values(tender, bid)
    if request.method == "POST":
        form = request.form
        data, version, errors = load_bid_form(tender, request.form)
        status = 422
        if not errors:
            _, errors, status = attempt(
                lambda: bid_service.update_bid(
                    db.session, acting_user(), tender, bid, data, expected_version=version
                )
            )
            if not errors:
                flash(f"Bid {bid.label} saved.", "success")
                return redirect(url_for("tenders.show_bid", tender_id=tender.id, bid_id=bid.id))
    return bid_form_page(
        "tenders/bid_form.html",
        tender,
        form=form,
        errors=errors,
        status=status,
        bid=bid,
        open_for_bids=_open_for_bids(tender),
        page_title=f"Change bid {bid.label} – {tender.reference}",
    )
