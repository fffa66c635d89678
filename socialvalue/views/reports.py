"""PDF reports: small ones are rendered during the request; large ones through a report job
whose page refreshes itself (no JavaScript) until the file is ready."""

from __future__ import annotations

import sys
from pathlib import Path

import click
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

from socialvalue.exports import documents
from socialvalue.extensions import db
from socialvalue.models.report_job import ReportJob
from socialvalue.models.tender import Tender
from socialvalue.models.user import Role
from socialvalue.schemas.common import load_form
from socialvalue.schemas.reports import PrepareReportInputSchema
from socialvalue.services import report_jobs
from socialvalue.services.access import Action
from socialvalue.services.errors import DomainError, NotPermitted, StateConflict
from socialvalue.views.support import acting_user, commit, roles_required, tender_with_access

bp = Blueprint("reports", __name__)

READERS = (Role.ADMIN, Role.OFFICER, Role.AUDITOR)
MAX_ID = 2**31 - 1


def pdf_response(filename: str, pdf: bytes) -> Response:
    """A PDF download: never cached by shared caches, never sniffed."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _bid_count(tender: Tender) -> int:
    return len(tender.bids)


def _start(job: ReportJob) -> Response:
    commit()
    report_jobs.start_worker(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        job.id,
        documents.render_job,
    )
    return redirect(url_for(".job", job_id=job.id))


# -- tender evaluation report and assessment summaries ----------------------------------------


@bp.get("/tenders/<int:tender_id>/report.pdf")
@roles_required(*READERS)
def tender_report_pdf(tender_id: int) -> Response | str:
    tender, _access = tender_with_access(tender_id, Action.VIEW_RESULT)
    if _bid_count(tender) > report_jobs.SYNC_MAX_BIDS:
        return render_template(
            "reports/prepare.html",
            tender=tender,
            bid_count=_bid_count(tender),
            page_title="Prepare the evaluation report",
        )
    document = documents.tender_report(db.session, tender, acting_user())
    return pdf_response(document.filename, document.pdf)


@bp.post("/tenders/<int:tender_id>/report")
@roles_required(*READERS)
def prepare_tender_report(tender_id: int) -> Response | tuple[str, int]:
    tender, _access = tender_with_access(tender_id, Action.VIEW_RESULT)
    _data, errors = load_form(PrepareReportInputSchema(), request.form)
    if errors:
        return (
            render_template(
                "reports/prepare.html",
                tender=tender,
                bid_count=_bid_count(tender),
                errors={"_form": [m for messages in errors.values() for m in messages]},
                page_title="Prepare the evaluation report",
            ),
            422,
        )
    job = report_jobs.create_job(
        db.session,
        acting_user(),
        kind="tender",
        tender=tender,
        title=f"Tender evaluation report: {tender.title}",
    )
    return _start(job)


@bp.get("/tenders/<int:tender_id>/summaries/<bid_label>.pdf")
@roles_required(*READERS)
def summary_pdf(tender_id: int, bid_label: str) -> Response:
    tender, _access = tender_with_access(tender_id, Action.VIEW_RESULT)
    if len(bid_label) > 8:
        abort(404)
    try:
        document = documents.summary_report(db.session, tender, bid_label, acting_user())
    except documents.ReportUnavailable:
        abort(404)
    return pdf_response(document.filename, document.pdf)


# -- contract follow-up and programme reports --------------------------------------------------


@bp.get("/contracts/<int:contract_id>/report.pdf")
@roles_required(*READERS)
def contract_report_pdf(contract_id: int) -> Response:
    from socialvalue.services import contracts as contract_service
    from socialvalue.services.access import ContractAction, contract_access

    contract = contract_service.get_contract(db.session, contract_id)
    if contract is None:
        abort(404)
    reason = contract_access(db.session, acting_user(), contract).why_not(
        ContractAction.VIEW_CONTRACT
    )
    if reason is not None:
        abort(403, description=reason)
    document = documents.contract_report(db.session, contract_id, acting_user())
    return pdf_response(document.filename, document.pdf)


@bp.get("/reports/programme.pdf")
@roles_required(*READERS)
def programme_pdf() -> Response:
    document = documents.programme_report(db.session, acting_user())
    return pdf_response(document.filename, document.pdf)


# -- report jobs -------------------------------------------------------------------------------


def _job_for(job_id: int) -> ReportJob:
    if job_id > MAX_ID:
        abort(404)
    try:
        job = report_jobs.get_job_for(db.session, acting_user(), job_id)
    except NotPermitted as error:
        abort(403, description=error.message)
    if job is None:
        abort(404)
    return job


@bp.get("/reports/jobs/<int:job_id>")
@roles_required(*READERS)
def job(job_id: int) -> str:
    state = report_jobs.view(_job_for(job_id))
    return render_template(
        "reports/job.html",
        state=state,
        refresh=state.pending,
        page_title="Your report is ready" if state.done else "Preparing your report",
    )


@bp.get("/reports/jobs/<int:job_id>/download")
@roles_required(*READERS)
def job_download(job_id: int) -> Response:
    item = _job_for(job_id)
    pdf = report_jobs.job_pdf(db.session, item)
    if pdf is None or item.filename is None:
        abort(404)
    return pdf_response(item.filename, pdf)


@bp.post("/reports/jobs/<int:job_id>/retry")
@roles_required(*READERS)
def job_retry(job_id: int) -> Response:
    item = _job_for(job_id)
    try:
        report_jobs.retry_job(db.session, acting_user(), item)
    except NotPermitted as error:
        abort(403, description=error.message)
    except (StateConflict, DomainError) as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(url_for(".job", job_id=job_id))
    flash("Trying again to produce your report.", "info")
    return _start(item)


# -- command line: flask reports render ... ----------------------------------------------------


@bp.cli.command("render")
@click.option("--tender", "tender_ids", type=int, multiple=True, help="A tender id (repeatable).")
@click.option("--all-tenders", is_flag=True, help="Every published or awarded tender.")
@click.option("--contract", "contract_ids", type=int, multiple=True, help="A contract id.")
@click.option("--programme", is_flag=True, help="The programme report of all contracts.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder to write the PDFs to (created if missing).",
)
def render_command(
    tender_ids: tuple[int, ...],
    all_tenders: bool,
    contract_ids: tuple[int, ...],
    programme: bool,
    out_dir: Path,
) -> None:
    """Render PDF reports in batch, with a progress bar."""
    tasks = documents.batch_tasks(
        db.session,
        tender_ids=tender_ids,
        all_tenders=all_tenders,
        contract_ids=contract_ids,
        programme=programme,
    )
    if not tasks:
        raise click.UsageError(
            "Nothing to render: give --tender ID, --all-tenders, --contract ID or --programme."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    failures: list[str] = []
    with click.progressbar(
        tasks, label="Rendering reports", item_show_func=lambda t: t.label if t else None
    ) as bar:
        for task in bar:
            try:
                document = task.render(db.session)
            except documents.ReportUnavailable as error:
                failures.append(f"{task.label}: {error}")
                continue
            finally:
                db.session.rollback()
            path = out_dir / document.filename
            path.write_bytes(document.pdf)
            written.append(path)
    for path in written:
        click.echo(f"wrote {path}")
    for failure in failures:
        click.echo(f"skipped {failure}", err=True)
    click.echo(f"{len(written)} report(s) written to {out_dir}.")
    if failures:
        sys.exit(1)
