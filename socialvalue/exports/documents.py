"""Report documents: gather the data (services.reports), render the print template, make the PDF.

Used by the web views (small reports at once), the report job worker (large ones in the
background) and ``flask reports render``. Needs an application context (templates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import render_template
from sqlalchemy.orm import Session

from socialvalue.exports.pdf import render_pdf
from socialvalue.models.tender import Tender
from socialvalue.models.user import User
from socialvalue.services import reports as report_service

Progress = Callable[[int, str], None]


class ReportUnavailable(LookupError):
    """The report cannot be produced (no such bid, or the tender cannot be scored)."""


@dataclass(frozen=True)
class ReportDocument:
    """A finished report: the file name to offer, its title and the PDF bytes."""

    filename: str
    title: str
    pdf: bytes


def _quiet(_percent: int, _message: str) -> None:
    return None


def _labels() -> dict[str, Any]:
    from socialvalue.views.evaluation import GROUP_LABELS, METHOD_LABELS, SOURCE_LABELS

    return {
        "method_labels": METHOD_LABELS,
        "source_labels": SOURCE_LABELS,
        "group_labels": GROUP_LABELS,
    }


def safe_filename(text: str) -> str:
    """A file name made only of letters, digits, dots, dashes and underscores."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "report"


def tender_report_html(session: Session, tender: Tender, user: User | str) -> tuple[str, str]:
    """The tender evaluation report's final HTML and its title."""
    report = report_service.tender_report(session, tender, user)
    title = f"Tender evaluation report: {tender.title}"
    html = render_template(
        "pdf/tender_report.html",
        report=report,
        doc_title=title,
        doc_ref=tender.reference,
        doc_author=tender.buyer,
        **_labels(),
    )
    return html, title


def tender_report(
    session: Session, tender: Tender, user: User | str, progress: Progress = _quiet
) -> ReportDocument:
    """The tender evaluation report as a PDF."""
    progress(10, "Gathering scores, moderation and the audit record")
    html, title = tender_report_html(session, tender, user)
    progress(40, "Laying out the pages")
    pdf = render_pdf(html, title=title, author=tender.buyer, lang="en-GB", progress=progress)
    progress(100, "Done")
    return ReportDocument(
        filename=safe_filename(f"{tender.reference}-evaluation-report") + ".pdf",
        title=title,
        pdf=pdf,
    )


def summary_report(
    session: Session,
    tender: Tender,
    bid_label: str,
    user: User | str,
    progress: Progress = _quiet,
) -> ReportDocument:
    """One bidder's assessment summary as a PDF; ReportUnavailable when there is none."""
    progress(10, "Gathering the scores")
    report = report_service.summary_report(session, tender, bid_label, user)
    if report is None:
        raise ReportUnavailable(f"There is no assessment summary for Bid {bid_label}.")
    bid = report.summary.bid
    title = f"Assessment summary: Bid {bid.label} ({bid.supplier}), {tender.title}"
    html = render_template(
        "pdf/summary.html",
        report=report,
        doc_title=title,
        doc_ref=tender.reference,
        doc_author=tender.buyer,
        **_labels(),
    )
    progress(40, "Laying out the pages")
    pdf = render_pdf(html, title=title, author=tender.buyer, lang="en-GB", progress=progress)
    progress(100, "Done")
    return ReportDocument(
        filename=safe_filename(f"{tender.reference}-assessment-summary-{bid.label}") + ".pdf",
        title=title,
        pdf=pdf,
    )


def render_job(session: Session, job: Any, progress: Progress) -> tuple[str, bytes]:
    """Render a queued report job (the worker's renderer): (file name, PDF)."""
    from socialvalue.services.tenders import get_tender

    requested_by = job.requested_by
    if job.kind in ("tender", "summary"):
        tender = get_tender(session, job.tender_id)
        if tender is None:
            raise ReportUnavailable("The tender no longer exists.")
        if job.kind == "tender":
            document = tender_report(session, tender, requested_by, progress)
        else:
            document = summary_report(session, tender, job.bid_label, requested_by, progress)
        return document.filename, document.pdf
    if job.kind == "contract":
        document = contract_report(session, job.contract_id, requested_by, progress)
        return document.filename, document.pdf
    if job.kind == "programme":
        document = programme_report(session, requested_by, progress)
        return document.filename, document.pdf
    raise ReportUnavailable(f"Reports of kind {job.kind!r} are not available.")


CLI_AUTHOR = "socialvalue (batch render)"


@dataclass(frozen=True)
class BatchTask:
    """One report of a batch: a label for the progress bar and how to render it."""

    label: str
    render: Callable[[Session], ReportDocument]


def batch_tasks(
    session: Session,
    *,
    tender_ids: tuple[int, ...] = (),
    all_tenders: bool = False,
    contract_ids: tuple[int, ...] = (),
    programme: bool = False,
) -> list[BatchTask]:
    """The reports ``flask reports render`` was asked for, in order."""
    import sqlalchemy as sa

    from socialvalue.models.tender import TenderStatus

    ids = list(tender_ids)
    if all_tenders:
        ids += session.execute(
            sa.select(Tender.id)
            .where(Tender.status.in_((TenderStatus.PUBLISHED, TenderStatus.AWARDED)))
            .order_by(Tender.id)
        ).scalars()
    tasks: list[BatchTask] = []
    for tender_id in dict.fromkeys(ids):
        tasks.append(BatchTask(label=f"tender {tender_id}", render=_tender_task(tender_id)))
    for contract_id in dict.fromkeys(contract_ids):
        tasks.append(BatchTask(label=f"contract {contract_id}", render=_contract_task(contract_id)))
    if programme:
        tasks.append(BatchTask(label="programme", render=lambda s: programme_report(s)))
    return tasks


def _tender_task(tender_id: int) -> Callable[[Session], ReportDocument]:
    def render(session: Session) -> ReportDocument:
        from socialvalue.services.tenders import get_tender

        tender = get_tender(session, tender_id)
        if tender is None:
            raise ReportUnavailable(f"there is no tender {tender_id}")
        return tender_report(session, tender, CLI_AUTHOR)

    return render


def _contract_task(contract_id: int) -> Callable[[Session], ReportDocument]:
    def render(session: Session) -> ReportDocument:
        return contract_report(session, contract_id, CLI_AUTHOR)

    return render


def contract_report(
    session: Session,
    contract_id: int,
    user: User | str,
    progress: Progress = _quiet,
    today: dt.date | None = None,
) -> ReportDocument:
    """The contract follow-up report: KPIs, promised vs delivered, RAG, returns, evidence with
    hashes and the verification trail."""
    from socialvalue.services import contracts as contract_service

    progress(10, "Gathering KPIs, returns and evidence")
    contract = contract_service.get_contract(session, contract_id)
    if contract is None:
        raise ReportUnavailable(f"there is no contract {contract_id}")
    report = report_service.contract_report(session, contract, user, today)
    title = f"Contract follow-up report: {contract.title}"
    html = render_template(
        "pdf/contract_report.html",
        report=report,
        doc_title=title,
        doc_ref=contract.reference,
        doc_author=contract.buyer,
        **_labels(),
    )
    progress(40, "Laying out the pages")
    pdf = render_pdf(html, title=title, author=contract.buyer, lang="en-GB", progress=progress)
    progress(100, "Done")
    return ReportDocument(
        filename=safe_filename(f"{contract.reference}-follow-up-report") + ".pdf",
        title=title,
        pdf=pdf,
    )


PROGRAMME_AUTHOR = "Greater Manchester social value programme"


def programme_report(
    session: Session,
    user: User | str = CLI_AUTHOR,
    progress: Progress = _quiet,
    today: dt.date | None = None,
) -> ReportDocument:
    """The programme report: every contract, promised vs delivered by framework priority."""
    progress(10, "Measuring every contract")
    report = report_service.programme_report(session, user, today)
    title = "Social value programme report"
    html = render_template(
        "pdf/programme_report.html",
        report=report,
        doc_title=title,
        doc_ref=f"As at {report.as_of.isoformat()}",
        doc_author=PROGRAMME_AUTHOR,
        **_labels(),
    )
    progress(40, "Laying out the pages")
    pdf = render_pdf(html, title=title, author=PROGRAMME_AUTHOR, lang="en-GB", progress=progress)
    progress(100, "Done")
    return ReportDocument(
        filename=f"programme-report-{report.as_of.isoformat()}.pdf", title=title, pdf=pdf
    )
