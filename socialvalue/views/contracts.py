"""Contract delivery tracking pages: contracts, returns, verification, evidence, programme.

Every route checks the role and, through services.access.contract_access, the person's part
in the contract: officers and admins manage every contract, auditors read every contract,
suppliers see only contracts they were invited to, panel members only those they verify.
Views parse input, call one service, commit once and redirect, or re-render with errors (422).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from socialvalue import delivery
from socialvalue.extensions import db
from socialvalue.models.contract import Contract, ContractRole, DeliveryReturn, ReturnLine
from socialvalue.models.user import Role
from socialvalue.schemas.common import FieldErrors, load_form
from socialvalue.schemas.contracts import (
    MILESTONE_SLOTS,
    AnswerInputSchema,
    DecisionInputSchema,
    MemberInputSchema,
    RemedialActionInputSchema,
    SettingsInputSchema,
    load_accrual_form,
    load_return_form,
)
from socialvalue.services import contracts as contract_service
from socialvalue.services import delivery_import
from socialvalue.services import evidence as evidence_service
from socialvalue.services.access import ContractAccess, ContractAction, contract_access
from socialvalue.services.errors import DomainError, NotPermitted, StaleVersion
from socialvalue.services.pagination import PER_PAGE, InvalidPage, parse_page
from socialvalue.views.support import acting_user, commit, roles_required, stale_errors

bp = Blueprint("contracts", __name__, url_prefix="/contracts")

MANAGERS = (Role.ADMIN, Role.OFFICER)
READERS = (Role.ADMIN, Role.OFFICER, Role.AUDITOR)
HISTORY_PER_PAGE = 50
T = TypeVar("T")
#: An edit form posted without the version it was loaded with cannot be checked for a
#: concurrent change, so it is refused.
NO_VERSION = "This form is out of date: reload the page and try again. Nothing was saved."

RAG_COLOURS = {"green": "green", "amber": "orange", "red": "red", "not_due": "grey"}
LINE_LABELS = {
    "pending": ("Awaiting verification", "blue"),
    "verified": ("Verified", "green"),
    "queried": ("Queried", "yellow"),
    "rejected": ("Rejected", "red"),
}


# -- helpers -----------------------------------------------------------------------------------


def attempt(action: Callable[[], T], what: str = "record") -> tuple[T | None, FieldErrors, int]:
    """Run one service call and commit; on a refusal roll back and return its messages.

    Someone else saving the same ``what`` first is a 412 however it was caught: by the version
    the form carried (StaleVersion), or by the UPDATE's version check when both requests read
    the same version at the same moment (StaleDataError, at the service's flush or at commit).
    """
    try:
        result = action()
        commit()
    except NotPermitted as error:
        db.session.rollback()
        abort(403, description=error.message)
    except StaleVersion as error:
        db.session.rollback()
        return None, stale_errors(error.what if what == "record" else what), 412
    except StaleDataError:
        db.session.rollback()
        return None, stale_errors(what), 412
    except DomainError as error:
        db.session.rollback()
        return None, error.errors, error.status
    except IntegrityError:
        db.session.rollback()
        return (
            None,
            {
                "_form": [
                    "Someone else saved a change to this contract at the same moment (for "
                    "example a return for the same period), so yours was not saved. Check the "
                    "page and try again."
                ]
            },
            409,
        )
    return result, {}, 200


def _contract(contract_id: int, action: ContractAction) -> tuple[Contract, ContractAccess]:
    contract = contract_service.get_contract(db.session, contract_id)
    if contract is None:
        abort(404)
    access = contract_access(db.session, acting_user(), contract)
    reason = access.why_not(action)
    if reason is not None:
        abort(403, description=reason)
    return contract, access


def _return(contract: Contract, return_id: int) -> DeliveryReturn:
    delivery_return = contract_service.get_return(db.session, contract, return_id)
    if delivery_return is None:
        abort(404)
    return delivery_return


def _line(delivery_return: DeliveryReturn, line_id: int) -> ReturnLine:
    line = contract_service.get_line(delivery_return, line_id)
    if line is None:
        abort(404)
    return line


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return (
        render_template(
            template,
            rag_colours=RAG_COLOURS,
            rag_labels=delivery.RAG_LABELS,
            line_labels=LINE_LABELS,
            frequency_labels=contract_service.FREQUENCY_LABELS,
            **context,
        ),
        status,
    )


def _today() -> dt.date:
    return contract_service.today_utc()


def chart_rows(view: contract_service.ContractView) -> list[dict[str, Any]]:
    return [
        {
            "label": f"{item.kpi.criterion_code} {item.kpi.title}",
            "unit": item.kpi.unit,
            "promised": item.status.committed,
            "expected": item.status.expected,
            "delivered": item.status.counted,
        }
        for item in view.kpis
    ]


def _uploads(files: list[FileStorage]) -> list[evidence_service.Upload]:
    limit = _max_bytes()
    uploads = []
    for storage in files:
        if storage is None or not storage.filename:
            continue
        # Read one byte past the limit: enough to know it is too big without reading it all.
        data = storage.stream.read(limit + 1)
        uploads.append(evidence_service.Upload(filename=storage.filename, data=data))
    return uploads


def _max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", evidence_service.DEFAULT_MAX_BYTES))


def _upload_dir() -> str:
    return str(current_app.config["UPLOAD_DIR"])


# -- list, programme ---------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    user = acting_user()
    try:
        contracts = contract_service.contracts_page(
            db.session, user, parse_page(request.args.get("page")), PER_PAGE
        )
    except InvalidPage:
        abort(404)
    views = contract_service.contract_views(db.session, contracts.items, _today())
    return page(
        "contracts/index.html",
        views=views,
        contracts=contracts,
        manager=user.has_role(*MANAGERS),
        reader=user.has_role(*READERS),
        page_title="Contracts"
        + (f" (page {contracts.page} of {contracts.pages})" if contracts.pages > 1 else ""),
    )


@bp.get("/programme")
@roles_required(*READERS)
def programme() -> tuple[str, int]:
    summary = contract_service.programme(db.session, _today())
    rows = [
        {
            "label": f"{total.group} – {measure.measure}",
            "unit": measure.unit,
            "promised": measure.promised,
            "expected": None,
            "delivered": measure.delivered,
        }
        for total in summary.by_priority
        for measure in total.measures
    ]
    return page(
        "contracts/programme.html",
        summary=summary,
        chart=rows,
        page_title="Social value programme: promised and delivered",
    )


# -- one contract ------------------------------------------------------------------------------


@bp.get("/<int:contract_id>/")
@login_required
def show(contract_id: int) -> tuple[str, int]:
    contract, access = _contract(contract_id, ContractAction.VIEW_CONTRACT)
    reported_basis = request.args.get("basis") == "reported"
    view = contract_service.contract_view(contract, _today(), count_unverified=reported_basis)
    return page(
        "contracts/show.html",
        contract=contract,
        access=access,
        view=view,
        report=view.promise_report(),
        chart=chart_rows(view),
        reported_basis=reported_basis,
        kpi_codes={k.id: k.criterion_code for k in contract.kpis},
        page_title=f"{contract.reference}: {contract.title}",
    )


@bp.get("/<int:contract_id>/history")
@roles_required(*READERS)
def history(contract_id: int) -> tuple[str, int]:
    # The contract row alone: the history needs none of its returns.
    contract = contract_service.find_contract(db.session, contract_id)
    if contract is None:
        abort(404)
    reason = contract_access(db.session, acting_user(), contract).why_not(
        ContractAction.VIEW_HISTORY
    )
    if reason is not None:
        abort(403, description=reason)
    try:
        events = contract_service.contract_history_page(
            db.session, contract, parse_page(request.args.get("page")), HISTORY_PER_PAGE
        )
    except InvalidPage:
        abort(404)
    return page(
        "contracts/history.html",
        contract=contract,
        events=events,
        page_title=f"History – {contract.reference}"
        + (f" (page {events.page} of {events.pages})" if events.pages > 1 else ""),
    )


# -- settings, accrual, people -----------------------------------------------------------------


def _settings_form(contract: Contract) -> dict[str, str]:
    return {
        "reporting_frequency": contract.reporting_frequency,
        "green_from": f"{contract.green_from.normalize():f}",
        "amber_from": f"{contract.amber_from.normalize():f}",
        "version": str(contract.version_id),
    }


@bp.route("/<int:contract_id>/settings", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def settings(contract_id: int) -> Response | tuple[str, int]:
    contract, _access = _contract(contract_id, ContractAction.MANAGE_CONTRACT)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = _settings_form(contract)
    if request.method == "POST":
        form = request.form
        data, errors = load_form(SettingsInputSchema(), request.form)
        if not errors and data.get("version") is None:
            errors = {"_form": [NO_VERSION]}
        status = 422
        if not errors:
            _, errors, status = attempt(
                lambda: contract_service.update_settings(
                    db.session,
                    acting_user(),
                    contract,
                    data,
                    expected_version=data.get("version"),
                ),
                "contract",
            )
            if not errors:
                flash("Reporting and RAG settings saved.", "success")
                return redirect(url_for("contracts.show", contract_id=contract.id))
            if status == 412:
                # Someone else saved first: show the settings as they now are.
                form = _settings_form(contract)
    return page(
        "contracts/settings.html",
        status,
        contract=contract,
        form=form,
        errors=errors,
        page_title=f"Reporting and RAG settings – {contract.reference}",
    )


def _accrual_form(kpi: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"accrual": kpi.accrual, "version": str(kpi.version_id)}
    for slot, milestone in enumerate(kpi.milestones, start=1):
        name = f"milestone_{slot}"
        form |= {
            f"{name}-day": str(milestone.due_on.day),
            f"{name}-month": str(milestone.due_on.month),
            f"{name}-year": str(milestone.due_on.year),
            f"{name}_quantity": f"{milestone.cumulative_quantity.normalize():f}",
        }
    return form


@bp.route("/<int:contract_id>/kpis/<int:kpi_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def kpi_accrual(contract_id: int, kpi_id: int) -> Response | tuple[str, int]:
    contract, _access = _contract(contract_id, ContractAction.MANAGE_CONTRACT)
    kpi = next((k for k in contract.kpis if k.id == kpi_id), None)
    if kpi is None:
        abort(404)
    errors: FieldErrors = {}
    status = 200
    form = _accrual_form(kpi)
    if request.method == "POST":
        form = request.form.to_dict()
        data, errors = load_accrual_form(request.form)
        if not errors and data.get("version") is None:
            errors = {"_form": [NO_VERSION]}
        status = 422
        if not errors:
            _, errors, status = attempt(
                lambda: contract_service.set_kpi_accrual(
                    db.session,
                    acting_user(),
                    contract,
                    kpi,
                    accrual=data["accrual"],
                    milestones=data["milestones"],
                    expected_version=data.get("version"),
                ),
                "KPI",
            )
            if not errors:
                flash(f"Accrual profile of {kpi.criterion_code} saved.", "success")
                return redirect(url_for("contracts.show", contract_id=contract.id))
            if status == 412:
                form = _accrual_form(kpi)
    return page(
        "contracts/kpi.html",
        status,
        contract=contract,
        kpi=kpi,
        form=form,
        errors=errors,
        slots=range(1, MILESTONE_SLOTS + 1),
        page_title=f"Accrual of {kpi.criterion_code} – {contract.reference}",
    )


@bp.route("/<int:contract_id>/people", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def people(contract_id: int) -> Response | tuple[str, int]:
    contract, _access = _contract(contract_id, ContractAction.MANAGE_CONTRACT)
    errors: FieldErrors = {}
    status = 200
    which = None
    if request.method == "POST":
        data, errors = load_form(MemberInputSchema(), request.form)
        which = request.form.get("role") if request.form.get("role") in ContractRole.ALL else None
        status = 422
        if not errors:
            user = contract_service.get_user(db.session, data["user_id"])
            if user is None:
                errors = {"user_id": ["Choose a person from the list"]}
            else:
                _, errors, status = attempt(
                    lambda: contract_service.add_member(
                        db.session, acting_user(), contract, user, data["role"]
                    )
                )
                if not errors:
                    done = (
                        "invited to file returns"
                        if data["role"] == ContractRole.SUPPLIER
                        else "assigned to verify returns"
                    )
                    flash(f"{user.display_name} {done}.", "success")
                    return redirect(url_for("contracts.people", contract_id=contract.id))
    candidates = contract_service.assignable_people(db.session, contract)
    return page(
        "contracts/people.html",
        status,
        contract=contract,
        members=contract_service.list_members(db.session, contract),
        supplier_options=[{"value": "", "text": "Choose a supplier user"}]
        + [
            {
                "value": u.id,
                "text": u.display_name + (f" ({u.organisation})" if u.organisation else ""),
            }
            for u in candidates[ContractRole.SUPPLIER]
        ],
        panel_options=[{"value": "", "text": "Choose a panel member"}]
        + [
            {
                "value": u.id,
                "text": u.display_name + (f" ({u.organisation})" if u.organisation else ""),
            }
            for u in candidates[ContractRole.PANEL]
        ],
        which=which,
        errors=errors,
        page_title=f"People – {contract.reference}",
    )


# -- returns -----------------------------------------------------------------------------------


@bp.route("/<int:contract_id>/returns/new", methods=["GET", "POST"])
@login_required
def new_return(contract_id: int) -> Response | tuple[str, int]:
    contract, access = _contract(contract_id, ContractAction.SUBMIT_RETURN)
    view = contract_service.contract_view(contract, _today())
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = {"period_end": request.args.get("period", "")}
    if request.method == "POST":
        form = request.form
        data, errors = load_return_form(contract, request.form)
        uploads = _uploads(request.files.getlist("evidence"))
        status = 422
        if not errors:
            created, errors, status = attempt(
                lambda: contract_service.record_return(
                    db.session,
                    acting_user(),
                    contract,
                    period_end=data["period_end"],
                    quantities=data["quantities"],
                    narrative=data["narrative"],
                    uploads=uploads,
                    upload_dir=_upload_dir(),
                    max_bytes=_max_bytes(),
                )
            )
            if created is not None:
                flash(
                    "Return filed for the period to "
                    f"{created.period_end.day} {created.period_end:%B %Y}.",
                    "success",
                )
                return redirect(
                    url_for("contracts.show_return", contract_id=contract.id, return_id=created.id)
                )
    period_options = [{"value": "", "text": "Choose a period"}] + [
        {
            "value": p.period.end.isoformat(),
            "text": p.period.label() + (" (overdue)" if p.overdue else ""),
        }
        for p in view.open_periods
    ]
    return page(
        "contracts/return_form.html",
        status,
        contract=contract,
        on_behalf=not access.is_supplier,
        period_options=period_options,
        form=form,
        errors=errors,
        max_mb=_max_bytes() // (1024 * 1024),
        page_title=f"File a delivery return – {contract.reference}",
    )


def _return_page(
    contract: Contract,
    access: ContractAccess,
    delivery_return: DeliveryReturn,
    *,
    status: int = 200,
    line_errors: Mapping[int, FieldErrors] | None = None,
    forms: Mapping[int, Mapping[str, Any]] | None = None,
) -> tuple[str, int]:
    line_errors = line_errors or {}
    summary = [
        (f"line-{line_id}-{field}" if field != "_form" else None, message)
        for line_id, errors in line_errors.items()
        for field, messages in errors.items()
        for message in messages
    ]
    return page(
        "contracts/return_show.html",
        status,
        contract=contract,
        access=access,
        ret=delivery_return,
        can_verify=access.allows(ContractAction.VERIFY),
        can_answer=access.allows(ContractAction.ANSWER_QUERY),
        line_errors=line_errors,
        forms=forms or {},
        summary=summary,
        errors=summary,
        page_title=f"Return to {delivery_return.period_end.day} "
        f"{delivery_return.period_end:%B %Y} – {contract.reference}",
    )


@bp.get("/<int:contract_id>/returns/<int:return_id>")
@login_required
def show_return(contract_id: int, return_id: int) -> tuple[str, int]:
    contract, access = _contract(contract_id, ContractAction.VIEW_CONTRACT)
    return _return_page(contract, access, _return(contract, return_id))


@bp.post("/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/decide")
@login_required
def decide(contract_id: int, return_id: int, line_id: int) -> Response | tuple[str, int]:
    contract, access = _contract(contract_id, ContractAction.VERIFY)
    delivery_return = _return(contract, return_id)
    line = _line(delivery_return, line_id)
    data, errors = load_form(DecisionInputSchema(), request.form)
    if not errors and data.get("version") is None:
        errors = {"_form": [NO_VERSION]}
    status = 422
    if not errors:
        _, errors, status = attempt(
            lambda: contract_service.decide_line(
                db.session,
                acting_user(),
                contract,
                line,
                decision=data["decision"],
                text=data["text"],
                expected_version=data.get("version"),
            ),
            "figure",
        )
        if not errors:
            words = {"verified": "verified", "queried": "queried", "rejected": "rejected"}
            flash(f"{line.kpi.criterion_code} figure {words[data['decision']]}.", "success")
            return redirect(
                url_for("contracts.show_return", contract_id=contract.id, return_id=return_id)
                + f"#line-{line.id}"
            )
    if "query" in errors or "reason" in errors:
        errors = {"text": errors.pop("query", []) + errors.pop("reason", []), **errors}
    delivery_return = _return(contract, return_id)
    return _return_page(
        contract,
        access,
        delivery_return,
        status=status,
        line_errors={line_id: errors},
        forms={line_id: request.form},
    )


@bp.post("/<int:contract_id>/returns/<int:return_id>/lines/<int:line_id>/answer")
@login_required
def answer(contract_id: int, return_id: int, line_id: int) -> Response | tuple[str, int]:
    contract, access = _contract(contract_id, ContractAction.ANSWER_QUERY)
    delivery_return = _return(contract, return_id)
    line = _line(delivery_return, line_id)
    data, errors = load_form(AnswerInputSchema(), request.form)
    if not errors and data.get("version") is None:
        errors = {"_form": [NO_VERSION]}
    status = 422
    if not errors:
        _, errors, status = attempt(
            lambda: contract_service.answer_query(
                db.session,
                acting_user(),
                contract,
                line,
                answer=data["answer"],
                revised_quantity=data.get("revised_quantity"),
                expected_version=data.get("version"),
            ),
            "figure",
        )
        if not errors:
            flash(f"Your answer on {line.kpi.criterion_code} was sent for verification.", "success")
            return redirect(
                url_for("contracts.show_return", contract_id=contract.id, return_id=return_id)
                + f"#line-{line.id}"
            )
    delivery_return = _return(contract, return_id)
    return _return_page(
        contract,
        access,
        delivery_return,
        status=status,
        line_errors={line_id: errors},
        forms={line_id: request.form},
    )


@bp.get("/<int:contract_id>/evidence/<int:evidence_id>")
@login_required
def evidence(contract_id: int, evidence_id: int) -> Response:
    contract, _access = _contract(contract_id, ContractAction.VIEW_CONTRACT)
    item = contract_service.get_evidence(db.session, contract, evidence_id)
    if item is None:
        abort(404)
    try:
        data = evidence_service.open_stored(_upload_dir(), item.storage_path, item.sha256)
    except FileNotFoundError:
        abort(404)
    except OSError:
        abort(409, description="This evidence file does not match its recorded checksum")
    response = Response(data, mimetype=evidence_service.download_type(item.content_type))
    response.headers.update(evidence_service.download_headers(item.original_name))
    return response


# -- remedial actions --------------------------------------------------------------------------


@bp.route("/<int:contract_id>/actions", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def actions(contract_id: int) -> Response | tuple[str, int]:
    contract, _access = _contract(contract_id, ContractAction.MANAGE_CONTRACT)
    errors: FieldErrors = {}
    status = 200
    form: Mapping[str, Any] = {"kpi_id": request.args.get("kpi", "")}
    if request.method == "POST":
        form = request.form
        data, errors = load_form(RemedialActionInputSchema(), request.form)
        status = 422
        if not errors:
            _, errors, status = attempt(
                lambda: contract_service.add_remedial_action(
                    db.session, acting_user(), contract, data
                )
            )
            if not errors:
                flash("Remedial action recorded.", "success")
                return redirect(url_for("contracts.show", contract_id=contract.id) + "#actions")
    return page(
        "contracts/actions.html",
        status,
        contract=contract,
        form=form,
        errors=errors,
        kpi_options=[{"value": "", "text": "The contract as a whole"}]
        + [{"value": k.id, "text": f"{k.criterion_code} {k.title}"} for k in contract.kpis],
        page_title=f"Record a remedial action – {contract.reference}",
    )


@bp.post("/<int:contract_id>/actions/<int:action_id>/done")
@roles_required(*MANAGERS)
def action_done(contract_id: int, action_id: int) -> Response | tuple[str, int]:
    contract, _access = _contract(contract_id, ContractAction.MANAGE_CONTRACT)
    action = next((a for a in contract.actions if a.id == action_id), None)
    if action is None:
        abort(404)
    version = request.form.get("version", "")
    if not version.isdecimal() or len(version) > 9:
        flash("The form was out of date: reload the page and try again. Nothing was saved.", "info")
        return redirect(url_for("contracts.show", contract_id=contract.id) + "#actions")
    _, errors, _status = attempt(
        lambda: contract_service.complete_remedial_action(
            db.session, acting_user(), contract, action, expected_version=int(version)
        ),
        "remedial action",
    )
    if errors:
        for messages in errors.values():
            for message in messages:
                flash(message, "info")
    else:
        flash("Remedial action marked as done.", "success")
    return redirect(url_for("contracts.show", contract_id=contract.id) + "#actions")


# -- bulk import -------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def bulk_import() -> Response | tuple[str, int]:
    report = None
    errors: FieldErrors = {}
    status = 200
    if request.method == "POST":
        status = 422
        storage = request.files.get("returns_file")
        if storage is None or not storage.filename:
            errors = {"returns_file": ["Choose a CSV or Excel (.xlsx) file of returns"]}
        else:
            data = storage.stream.read(delivery_import.MAX_BYTES + 1)
            filename = evidence_service.safe_name(storage.filename, "text/csv").rsplit(".", 1)[0]
            try:
                report = delivery_import.import_returns(
                    db.session,
                    acting_user(),
                    filename=filename,
                    data=data,
                    upload_dir=_upload_dir(),
                )
                if report.ok:
                    commit()
                else:
                    db.session.rollback()
            except NotPermitted as error:
                db.session.rollback()
                abort(403, description=error.message)
            except DomainError as error:
                db.session.rollback()
                errors = error.errors
            except IntegrityError:
                db.session.rollback()
                errors = {
                    "returns_file": [
                        "Someone else filed one of these returns at the same moment, so "
                        "nothing was imported. Try again."
                    ]
                }
            if report is not None and report.ok and not errors:
                flash(f"{len(report.returns)} returns imported from {report.rows} rows.", "success")
                return redirect(url_for("contracts.index"))
            if report is not None and not report.ok:
                errors = {
                    "returns_file": [
                        f"Nothing was imported: {len(report.errors)} "
                        + ("problem" if len(report.errors) == 1 else "problems")
                        + " found. Correct the file and upload it again"
                    ]
                }
    return page(
        "contracts/import.html",
        status,
        report=report,
        errors=errors,
        columns=(*delivery_import.REQUIRED, *delivery_import.OPTIONAL),
        page_title="Import delivery returns",
    )
