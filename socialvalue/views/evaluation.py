"""Evaluation pages: declarations, scoring, panel view, moderation, result, award, summaries.

Every page checks the signed-in user against the one permission policy (services.access);
every figure shown comes from the scoring engine's result; nothing is computed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from socialvalue import scoring
from socialvalue.extensions import db
from socialvalue.models.tender import Criterion, MemberRole, Tender, TenderStatus
from socialvalue.schemas.common import FieldErrors, load_form
from socialvalue.schemas.evaluation import (
    STALE_FORM,
    AwardInputSchema,
    ConsensusInputSchema,
    DeclarationInputSchema,
    ScoreInputSchema,
)
from socialvalue.services import contracts as contract_service
from socialvalue.services import evaluation as evaluation_service
from socialvalue.services.access import Action, TenderAccess, load_tender_access, tender_access
from socialvalue.services.bids import load_bids, submitted_bid
from socialvalue.services.errors import DomainError, NotPermitted, StaleVersion
from socialvalue.services.pagination import InvalidPage, parse_page
from socialvalue.views.helpers import format_decimal
from socialvalue.views.kept_html import KeptHtml
from socialvalue.views.support import (
    acting_user,
    commit,
    load_tender,
    stale_errors,
    tender_with_access,
)

bp = Blueprint("evaluation", __name__, url_prefix="/tenders")

HISTORY_PER_PAGE = 50
T = TypeVar("T")

SOURCE_LABELS = {
    "price": "Bid price",
    "consensus": "Consensus score",
    "mean": "Mean of evaluators' scores",
    "panel_share": "Panel and officer scores blended",
    "commitment": "Supplier's commitment",
}
METHOD_LABELS = {
    "lowest_price_ratio": "Lowest price ÷ bid price × weight",
    "linear_deviation": "Linear deviation from the lowest price",
    "price_per_quality_point": "Price per quality point",
    "relative_to_best": "Relative to the best compliant commitment",
    "against_target": "Against the published target",
    "monetised": "Monetised with proxy values",
    "consensus_required": "A consensus score is needed for every bid and criterion",
    "mean_for_unflagged": "The mean is used unless scores differ widely; then a consensus score",
    "qualitative": "Scale score ÷ scale maximum × weight",
}
GROUP_LABELS = {"price": "Price", "quality": "Quality", "social_value": "Social value"}


@bp.app_template_filter("score_number")
def format_score_number(value: Any) -> str:
    """A score for display: whole numbers as they are, others to 2 decimal places."""
    if value is None or value == "":
        return ""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return f"{value.numerator:,}"
        return format_decimal(value)
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):,}"
    return format_decimal(number)


@bp.context_processor
def evaluation_labels() -> dict[str, Any]:
    return {
        "source_labels": SOURCE_LABELS,
        "method_labels": METHOD_LABELS,
        "group_labels": GROUP_LABELS,
    }


# -- shared helpers --------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str | None:
    """A stored Decimal as a form value ("3", "72.5"), so radios re-select the right option."""
    if value is None:
        return None
    return format(value.normalize(), "f")


def _visible_errors(errors: FieldErrors) -> FieldErrors:
    """Errors about hidden fields (the version) go to the top of the error summary."""
    shown: FieldErrors = {}
    for field, messages in errors.items():
        key = "_form" if field in ("version", "action") else field
        shown.setdefault(key, []).extend(messages)
    return shown


def _criterion_or_404(tender: Tender, code: str, *, qualitative: bool = False) -> Criterion:
    for criterion in tender.criteria:
        if criterion.code == code and (not qualitative or criterion.kind == "qualitative"):
            return criterion
    abort(404)


def _scale_options(criterion: Criterion) -> list[dict[str, Any]]:
    return [
        {
            "value": descriptor["value"],
            "text": f"{descriptor['value']} – {descriptor['label']}",
            "hint": descriptor.get("description") or None,
        }
        for descriptor in criterion.descriptors or []
    ]


def _save(action: Callable[[], T], what: str) -> tuple[T | None, FieldErrors, int]:
    """Run one service call and commit the request's transaction.

    Returns (result, {}, 200), or (None, errors, status) after rolling back when the service
    refused (422 invalid, 409 wrong state). Someone else saving the same ``what`` first is a
    412, however it was caught: by the version the form carried (StaleVersion), by the
    version check of the UPDATE when both requests read the same version at the same moment
    (StaleDataError, raised at the service's flush or at commit), or by the unique key when
    both created the record at once (IntegrityError). A refusal by the permission policy is a
    403 page.
    """
    try:
        result = action()
        commit()
    except NotPermitted as error:
        db.session.rollback()
        abort(403, description=error.message)
    except StaleVersion:
        db.session.rollback()
        return None, stale_errors(what), 412
    except DomainError as error:
        db.session.rollback()
        return None, error.errors, error.status
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return None, stale_errors(what), 412
    return result, {}, 200


def _evaluate(tender: Tender) -> tuple[scoring.EvaluationResult | None, list[str]]:
    """The engine's result, or the problems that stop the tender being scored at all."""
    try:
        return evaluation_service.evaluate_tender(db.session, tender), []
    except scoring.BundleValidationError as error:
        return None, [problem.message for problem in error.problems]


def _evaluator_gate(tender_id: int) -> tuple[Tender, TenderAccess] | Response:
    """An evaluator cleared to see bids; an undeclared one is sent to the declaration first."""
    access = load_tender_access(db.session, acting_user(), tender_id)
    if access is None:
        abort(404)
    tender = access.tender
    if not access.is_evaluating_member:
        abort(403, description=access.why_not(Action.EVALUATE))
    if access.needs_declaration:
        flash("Declare any conflicts of interest before you see the bids.", "info")
        return redirect(url_for(".declaration", tender_id=tender.id))
    reason = access.why_not(Action.VIEW_BIDS)
    if reason is not None:
        abort(403, description=reason)
    return tender, access


def _bid_name(bid_label: str, supplier: str | None, show_names: bool) -> str:
    if show_names and supplier:
        return f"Bid {bid_label} ({supplier})"
    return f"Bid {bid_label}"


# -- conflict of interest declaration ---------------------------------------------------------


@bp.route("/<int:tender_id>/declaration", methods=["GET", "POST"])
@login_required
def declaration(tender_id: int) -> str | Response | tuple[str, int]:
    tender, access = tender_with_access(tender_id, Action.VIEW_OWN_DECLARATION)
    member = access.member
    assert member is not None
    if member.has_conflict:
        return render_template(
            "evaluation/declaration_conflict.html",
            tender=tender,
            member=member,
            page_title="You have declared an interest",
        )
    reason = access.why_not(Action.DECLARE_INTERESTS)
    if reason is not None:
        abort(403, description=reason)
    if member.declared_at is not None and request.method == "GET":
        return render_template(
            "evaluation/declaration_done.html",
            tender=tender,
            member=member,
            page_title="Your declaration of interests",
        )
    errors: FieldErrors = {}
    status = 200
    form = {"has_interest": None, "conflict_details": ""}
    if request.method == "POST":
        form = {
            "has_interest": request.form.get("has_interest"),
            "conflict_details": request.form.get("conflict_details", ""),
        }
        data, errors = load_form(DeclarationInputSchema(), request.form)
        status = 422
        if not errors:
            _, errors, status = _save(
                lambda: evaluation_service.declare_interests(
                    db.session,
                    acting_user(),
                    tender,
                    has_conflict=data["has_conflict"],
                    details=data["details"],
                ),
                "declaration",
            )
            if not errors:
                if data["has_conflict"]:
                    flash("Your declaration has been recorded.", "success")
                    return redirect(url_for(".declaration", tender_id=tender_id))
                flash(
                    "Thank you: you declared no interests. "
                    "You can now read the bids and score them.",
                    "success",
                )
                return redirect(url_for(".worklist", tender_id=tender_id))
            # Rolled back: start again from fresh rows.
            tender = load_tender(tender_id)
            access = tender_access(db.session, acting_user(), tender)
    bidders = None
    if access.sees_supplier_names and access.bidding_closed():
        bidders = [bid.supplier_name for bid in load_bids(db.session, tender)]
    return (
        render_template(
            "evaluation/declaration.html",
            tender=tender,
            form=form,
            errors=_visible_errors(errors),
            bidders=bidders,
            is_panel=access.member is not None and access.member.role == MemberRole.PANEL,
            page_title="Declare any conflicts of interest",
        ),
        status,
    )


# -- the evaluator's worklist and scoring page ------------------------------------------------


@bp.get("/<int:tender_id>/evaluate")
@login_required
def worklist(tender_id: int) -> str | Response:
    gate = _evaluator_gate(tender_id)
    if isinstance(gate, Response):
        return gate
    tender, access = gate
    member = access.member
    assert member is not None
    closed_reason = access.why_not(Action.EVALUATE)
    groups = (
        [] if closed_reason else evaluation_service.worklist_progress(db.session, tender, member)
    )
    counts: dict[str, int] = defaultdict(int)
    first_open = None
    for criterion, rows in groups:
        for row in rows:
            counts[row.state] += 1
            if first_open is None and row.state != "submitted":
                first_open = (row.bid_label, criterion.code)
    score_base = url_for(".worklist", tender_id=tender.id)
    show_names = access.sees_supplier_names
    tables = [
        _worklist_table(
            score_base,
            criterion.code,
            criterion.title,
            criterion.scale_max,
            show_names,
            tuple(rows),
        )
        for criterion, rows in groups
    ]
    return render_template(
        "evaluation/worklist.html",
        tender=tender,
        tables=tables,
        total=sum(len(rows) for _, rows in groups),
        counts=counts,
        first_open=first_open,
        closed_reason=closed_reason,
        is_panel=member.role == MemberRole.PANEL,
        page_title="Your scoring" if member.role == MemberRole.PANEL else "Bids to score",
    )


#: The HTML of dashboard tables this worker rendered lately: at most about 16 MB, and a table
#: over 1 MB (a tender with well over a thousand bids) is never kept.
WORKLIST_TABLES = KeptHtml(budget=16_000_000, largest=1_000_000)


def _worklist_table(
    score_base: str,
    code: str,
    title: str,
    scale_max: int | None,
    show_names: bool,
    rows: tuple[evaluation_service.ProgressRow, ...],
) -> Markup:
    """One criterion's table on the dashboard, kept for reuse by the values it shows.

    Evaluators reload the dashboard after every save, and a save changes one row of one table;
    rendering a table is most of the page's cost, so each worker keeps the HTML of the tables
    it rendered lately (WORKLIST_TABLES). The HTML is a pure function of these arguments (the
    same template for every app in the process; no request, user or database state), so a
    change to any value shown, a bid's state included, is a different key and is rendered
    afresh: nothing stale can be shown.
    """

    def render() -> Markup:
        template = current_app.jinja_env.get_template("evaluation/_worklist_table.html")
        return Markup(  # noqa: S704 - rendered by the autoescaping template environment
            template.render(
                score_base=score_base,
                code=code,
                title=title,
                scale_max=scale_max,
                show_names=show_names,
                rows=rows,
            )
        )

    key = (score_base, code, title, scale_max, show_names, rows)
    return WORKLIST_TABLES.get(key, render)


def _score_page(
    tender: Tender,
    access: TenderAccess,
    bid_label: str,
    criterion_code: str,
    *,
    form: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
    unsaved: dict[str, Any] | None = None,
) -> tuple[str, int]:
    """The scoring page; ``unsaved`` is a change refused because someone else saved first (the
    form then shows the current version, and the refused change is shown beside it)."""
    member = access.member
    assert member is not None
    criterion = _criterion_or_404(tender, criterion_code)
    if not access.assigned_to(criterion.id):
        abort(403, description="You are not assigned to score this criterion")
    items = evaluation_service.worklist(db.session, tender, member)
    index = next(
        (
            position
            for position, item in enumerate(items)
            if item.bid.label == bid_label and item.criterion.id == criterion.id
        ),
        None,
    )
    if index is None:
        abort(404)
    item = items[index]
    bid, own = item.bid, item.score
    measures = evaluation_service.criterion_measures(db.session, tender)
    response = next((r.response for r in bid.responses if r.criterion_id == criterion.id), "")
    commitments = []
    if criterion.group == "social_value":
        by_criterion = {c.criterion_id: c for c in bid.commitments}
        commitments = [
            {
                "criterion": other,
                "commitment": by_criterion.get(other.id),
                "measure": measures.get(other.measure_id) if other.measure_id else None,
            }
            for other in tender.criteria
            if other.group == "social_value" and other.kind == "quantitative"
        ]
    if form is None:
        form = {
            "score": _plain(own.score) if own is not None else None,
            "rationale": own.rationale if own is not None else "",
        }
    show_names = access.sees_supplier_names
    is_panel = member.role == MemberRole.PANEL
    bid_name = _bid_name(bid.label, bid.supplier_name, show_names)
    template = "evaluation/panel_score.html" if is_panel else "evaluation/score.html"
    # Officers only: the supplier's delivery rate on its past contracts (panels see bids
    # anonymised and never see this).
    track_record = (
        contract_service.supplier_track_record(
            db.session, bid.supplier_name, bid.supplier_user_id, exclude_tender_id=tender.id
        )
        if not is_panel and access.is_manager and commitments
        else None
    )
    return (
        render_template(
            template,
            tender=tender,
            item=item,
            bid=bid,
            bid_name=bid_name,
            criterion=criterion,
            measure=measures.get(criterion.measure_id) if criterion.measure_id else None,
            own=own,
            response=response,
            commitments=commitments,
            options=_scale_options(criterion),
            form=form,
            errors=_visible_errors(errors or {}),
            version=own.version_id if own is not None else 0,
            unsaved=unsaved,
            previous=items[index - 1] if index > 0 else None,
            next_item=items[index + 1] if index + 1 < len(items) else None,
            position=index + 1,
            total=len(items),
            show_names=show_names,
            track_record=track_record,
            page_title=f"{bid_name}: {criterion.code} {criterion.title}",
        ),
        status,
    )


def _next_open_pair(
    items: list[evaluation_service.WorkItem], bid_label: str, criterion_code: str
) -> evaluation_service.WorkItem | None:
    index = next(
        (
            position
            for position, item in enumerate(items)
            if item.bid.label == bid_label and item.criterion.code == criterion_code
        ),
        0,
    )
    ordered = items[index + 1 :] + items[:index]
    return next((item for item in ordered if item.state != "submitted"), None)


@bp.route("/<int:tender_id>/evaluate/<bid_label>/<criterion_code>", methods=["GET", "POST"])
@login_required
def score(tender_id: int, bid_label: str, criterion_code: str) -> str | Response | tuple[str, int]:
    gate = _evaluator_gate(tender_id)
    if isinstance(gate, Response):
        return gate
    tender, access = gate
    reason = access.why_not(Action.EVALUATE)
    if reason is not None:
        abort(403, description=reason)
    if request.method == "GET":
        return _score_page(tender, access, bid_label, criterion_code)

    member = access.member
    assert member is not None
    criterion = _criterion_or_404(tender, criterion_code)
    if not access.assigned_to(criterion.id):
        abort(403, description="You are not assigned to score this criterion")
    bid = submitted_bid(db.session, tender, bid_label)
    if bid is None:
        abort(404)
    form = {"score": request.form.get("score"), "rationale": request.form.get("rationale", "")}
    data, errors = load_form(ScoreInputSchema(), request.form)
    # A form without the version it was loaded with cannot be checked for a concurrent change
    # (a submitted score is locked whatever the form says: the service answers that).
    if not errors and data["version"] is None:
        own = evaluation_service.own_score(db.session, acting_user(), bid, criterion)
        if own is None or not own.submitted:
            errors = {"_form": [STALE_FORM]}
    status = 422
    if not errors:
        submit = data["action"] == "submit"
        _, errors, status = _save(
            lambda: evaluation_service.save_individual_score(
                db.session,
                acting_user(),
                tender,
                bid,
                criterion,
                score=data["score"],
                rationale=data["rationale"],
                submit=submit,
                expected_version=data["version"],
                access=access,
            ),
            "score",
        )
        if not errors:
            if not submit:
                flash(f"Draft saved for Bid {bid_label} on {criterion_code}.", "success")
                return redirect(
                    url_for(
                        ".score",
                        tender_id=tender_id,
                        bid_label=bid_label,
                        criterion_code=criterion_code,
                    )
                )
            flash(f"Score submitted for Bid {bid_label} on {criterion_code}.", "success")
            # Only now the list: what is left to score includes the score just submitted.
            items = evaluation_service.worklist(db.session, tender, member, with_content=False)
            following = _next_open_pair(items, bid_label, criterion_code)
            if following is None:
                return redirect(url_for(".worklist", tender_id=tender_id))
            return redirect(
                url_for(
                    ".score",
                    tender_id=tender_id,
                    bid_label=following.bid.label,
                    criterion_code=following.criterion.code,
                )
            )
    tender = load_tender(tender_id)
    access = tender_access(db.session, acting_user(), tender)
    if status == 412:
        # Someone else saved first: show the current version, and the refused change beside it.
        return _score_page(
            tender,
            access,
            bid_label,
            criterion_code,
            errors=errors,
            status=412,
            unsaved={"score": form["score"], "text": form["rationale"]},
        )
    return _score_page(
        tender, access, bid_label, criterion_code, form=form, errors=errors, status=status
    )


# -- moderation -------------------------------------------------------------------------------


@bp.get("/<int:tender_id>/moderation")
@login_required
def moderation(tender_id: int) -> str:
    tender, _access = tender_with_access(tender_id, Action.MODERATE)
    result, problems = _evaluate(tender)
    details: dict[str, list[scoring.ModerationDetail]] = defaultdict(list)
    suppliers: dict[str, str] = {}
    if result is not None:
        for detail in result.moderation:
            details[detail.criterion_id].append(detail)
        suppliers = {bid.bid_id: bid.supplier for bid in result.bids}
    qualitative = [c for c in tender.criteria if c.kind == "qualitative"]
    flagged = sum(1 for items in details.values() for d in items if d.flagged)
    return render_template(
        "evaluation/moderation.html",
        tender=tender,
        result=result,
        problems=problems,
        criteria=qualitative,
        details=details,
        suppliers=suppliers,
        flagged=flagged,
        names=evaluation_service.evaluator_names(db.session, tender),
        progress=evaluation_service.progress(db.session, tender),
        can_record=tender.status == TenderStatus.PUBLISHED,
        page_title="Moderation",
    )


def _consensus_page(
    tender: Tender,
    bid_label: str,
    criterion_code: str,
    *,
    form: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
    unsaved: dict[str, Any] | None = None,
) -> tuple[str, int]:
    criterion = _criterion_or_404(tender, criterion_code, qualitative=True)
    bid = next((b for b in load_bids(db.session, tender) if b.label == bid_label), None)
    if bid is None:
        abort(404)
    result, problems = _evaluate(tender)
    detail = None
    if result is not None:
        detail = next(
            (
                d
                for d in result.moderation
                if d.bid_id == bid.label and d.criterion_id == criterion.code
            ),
            None,
        )
    existing = evaluation_service.consensus_for(db.session, bid, criterion)
    if form is None:
        form = {
            "score": _plain(existing.score) if existing is not None else None,
            "reason": existing.reason if existing is not None else "",
        }
    return (
        render_template(
            "evaluation/consensus.html",
            tender=tender,
            bid=bid,
            criterion=criterion,
            detail=detail,
            problems=problems,
            existing=existing,
            options=_scale_options(criterion),
            names=evaluation_service.evaluator_names(db.session, tender),
            form=form,
            errors=_visible_errors(errors or {}),
            version=existing.version_id if existing is not None else 0,
            unsaved=unsaved,
            can_record=tender.status == TenderStatus.PUBLISHED,
            page_title=f"Consensus score: Bid {bid.label} on {criterion.code}",
        ),
        status,
    )


@bp.route("/<int:tender_id>/moderation/<bid_label>/<criterion_code>", methods=["GET", "POST"])
@login_required
def consensus(
    tender_id: int, bid_label: str, criterion_code: str
) -> str | Response | tuple[str, int]:
    tender, _access = tender_with_access(tender_id, Action.MODERATE)
    if request.method == "GET":
        return _consensus_page(tender, bid_label, criterion_code)
    criterion = _criterion_or_404(tender, criterion_code, qualitative=True)
    bid = next((b for b in load_bids(db.session, tender) if b.label == bid_label), None)
    if bid is None:
        abort(404)
    form = {"score": request.form.get("score"), "reason": request.form.get("reason", "")}
    data, errors = load_form(ConsensusInputSchema(), request.form)
    if not errors and data["version"] is None:
        errors = {"_form": [STALE_FORM]}
    status = 422
    if not errors:
        _, errors, status = _save(
            lambda: evaluation_service.record_consensus(
                db.session,
                acting_user(),
                tender,
                bid,
                criterion,
                score=data["score"],
                reason=data["reason"],
                expected_version=data["version"],
            ),
            "consensus score",
        )
        if not errors:
            flash(f"Consensus score recorded for Bid {bid_label} on {criterion_code}.", "success")
            return redirect(
                url_for(".moderation", tender_id=tender_id, _anchor=f"criterion-{criterion_code}")
            )
    tender = load_tender(tender_id)
    if status == 412:
        return _consensus_page(
            tender,
            bid_label,
            criterion_code,
            errors=errors,
            status=412,
            unsaved={"score": form["score"], "text": form["reason"]},
        )
    return _consensus_page(
        tender, bid_label, criterion_code, form=form, errors=errors, status=status
    )


# -- result, award and assessment summaries ---------------------------------------------------


@bp.get("/<int:tender_id>/result")
@login_required
def result(tender_id: int) -> str:
    tender, access = tender_with_access(tender_id, Action.VIEW_RESULT)
    outcome, problems = _evaluate(tender)
    criteria = {c.code: c for c in tender.criteria}
    return render_template(
        "evaluation/result.html",
        tender=tender,
        result=outcome,
        problems=problems,
        criteria=criteria,
        bids_by_id={bid.bid_id: bid for bid in outcome.bids} if outcome is not None else {},
        decision=evaluation_service.award_decision(db.session, tender),
        can_award=access.allows(Action.AWARD),
        page_title="Evaluation result",
    )


def _award_page(
    tender: Tender,
    *,
    form: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> tuple[str, int]:
    outcome, problems = _evaluate(tender)
    winner = None
    if outcome is not None and outcome.status == "final" and outcome.winner_id is not None:
        winner = outcome.bid(outcome.winner_id)
    return (
        render_template(
            "evaluation/award.html",
            tender=tender,
            result=outcome,
            problems=problems,
            winner=winner,
            form=form or {"rationale": ""},
            errors=_visible_errors(errors or {}),
            page_title="Award the contract",
        ),
        status,
    )


@bp.route("/<int:tender_id>/award", methods=["GET", "POST"])
@login_required
def award(tender_id: int) -> str | Response | tuple[str, int]:
    tender, _access = tender_with_access(tender_id, Action.AWARD)
    if request.method == "GET":
        return _award_page(tender)
    form = {"rationale": request.form.get("rationale", "")}
    data, errors = load_form(AwardInputSchema(), request.form)
    if not errors and data["version"] is None:
        errors = {"_form": [STALE_FORM]}
    status = 422
    if not errors:
        decision, errors, status = _save(
            lambda: evaluation_service.award_tender(
                db.session,
                acting_user(),
                tender,
                rationale=data["rationale"],
                expected_version=data["version"],
            ),
            "tender",
        )
        if decision is not None:
            flash(
                f"The contract has been awarded to Bid {decision.bid.label} "
                f"({decision.bid.supplier_name}).",
                "success",
            )
            return redirect(url_for(".result", tender_id=tender_id))
    tender = load_tender(tender_id)
    return _award_page(tender, form=form, errors=errors, status=status)


@bp.get("/<int:tender_id>/summaries")
@login_required
def summaries(tender_id: int) -> str:
    tender, _access = tender_with_access(tender_id, Action.VIEW_RESULT)
    outcome, problems = _evaluate(tender)
    return render_template(
        "evaluation/summaries.html",
        tender=tender,
        result=outcome,
        problems=problems,
        page_title="Assessment summaries",
    )


@bp.get("/<int:tender_id>/summaries/<bid_label>")
@login_required
def summary(tender_id: int, bid_label: str) -> str:
    tender, _access = tender_with_access(tender_id, Action.VIEW_RESULT)
    outcome, problems = _evaluate(tender)
    if outcome is None:
        return render_template(
            "evaluation/summaries.html",
            tender=tender,
            result=None,
            problems=problems,
            page_title="Assessment summaries",
        )
    item = evaluation_service.assessment_summary(outcome, tender, bid_label)
    if item is None:
        abort(404)
    return render_template(
        "evaluation/summary.html",
        tender=tender,
        result=outcome,
        summary=item,
        criteria={c.code: c for c in tender.criteria},
        page_title=f"Assessment summary: Bid {item.bid.label} ({item.bid.supplier})",
    )


# -- history ----------------------------------------------------------------------------------


@bp.get("/<int:tender_id>/history")
@login_required
def history(tender_id: int) -> str:
    tender, _access = tender_with_access(tender_id, Action.VIEW_HISTORY)
    try:
        page = evaluation_service.tender_history(
            db.session, tender, parse_page(request.args.get("page")), HISTORY_PER_PAGE
        )
    except InvalidPage:
        abort(404)
    return render_template(
        "evaluation/history.html", tender=tender, history=page, page_title="Tender history"
    )
