"""Long work: PDF reports rendered by a background thread, with progress kept in the database.

A job row records what was asked for and by whom; the worker thread (in whichever app process
took the request) renders the report, writes its progress and a heartbeat to the row as it
goes, and stores the finished PDF in the row, so every app server can show the progress page
and serve the file. A job whose worker died (no heartbeat for ``STALE_AFTER``) shows as failed
and can be retried. Services flush, never commit, except the worker, which owns its own
transactions.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from socialvalue.models.base import utcnow
from socialvalue.models.report_job import ReportJob, ReportJobStatus
from socialvalue.models.tender import Tender
from socialvalue.models.user import User
from socialvalue.services.errors import DomainError, NotPermitted, StateConflict

log = logging.getLogger(__name__)

KINDS = ("tender", "summary", "contract", "programme")
#: A running job with no heartbeat for this long is treated as dead.
STALE_AFTER = dt.timedelta(seconds=60)
HEARTBEAT_EVERY = 5.0
#: Tenders with more bids than this get their evaluation report through a job.
SYNC_MAX_BIDS = 20
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class JobView:
    """A job as the progress page shows it (a dead worker shows as failed)."""

    job: ReportJob
    status: str
    progress: int
    message: str

    @property
    def done(self) -> bool:
        return self.status == ReportJobStatus.DONE

    @property
    def failed(self) -> bool:
        return self.status == ReportJobStatus.FAILED

    @property
    def pending(self) -> bool:
        return self.status in (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING)


def create_job(
    session: Session,
    actor: User,
    *,
    kind: str,
    title: str,
    tender: Tender | None = None,
    bid_label: str | None = None,
    contract_id: int | None = None,
) -> ReportJob:
    """Queue a report; the caller checks the actor may see it, commits, then starts a worker."""
    if kind not in KINDS:
        raise DomainError(f"Unknown report kind {kind!r}", "kind")
    if kind in ("tender", "summary") and tender is None:
        raise DomainError("Choose a tender", "tender")
    if kind == "contract" and contract_id is None:
        raise DomainError("Choose a contract", "contract")
    job = ReportJob(
        kind=kind,
        tender_id=None if tender is None else tender.id,
        contract_id=contract_id,
        bid_label=bid_label,
        title=title[:400],
        requested_by=actor,
        status=ReportJobStatus.QUEUED,
        progress=0,
        message="Waiting to start",
        error="",
        attempts=0,
    )
    session.add(job)
    session.flush()
    return job


def get_job_for(session: Session, actor: User, job_id: int) -> ReportJob | None:
    """The job, or None when unknown; NotPermitted unless ``actor`` asked for it."""
    # Always re-read the row: the worker updates it from another thread or server.
    job = session.get(ReportJob, job_id, populate_existing=True)
    if job is None:
        return None
    if job.requested_by_id != actor.id:
        raise NotPermitted("Only the person who asked for a report can see it")
    return job


def view(job: ReportJob, now: dt.datetime | None = None) -> JobView:
    """The job's state, treating a worker silent for ``STALE_AFTER`` as dead."""
    now = now or utcnow()
    status, message = job.status, job.message
    if status in (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING):
        last = job.heartbeat_at or job.updated_at or job.created_at
        if last is not None and now - last > STALE_AFTER:
            status = ReportJobStatus.FAILED
            message = "The report stopped: the server working on it did not finish."
    return JobView(job=job, status=status, progress=job.progress, message=message)


def retry_job(session: Session, actor: User, job: ReportJob) -> ReportJob:
    """Queue a failed (or dead) job again."""
    if job.requested_by_id != actor.id:
        raise NotPermitted("Only the person who asked for a report can retry it")
    if not view(job).failed:
        raise StateConflict("This report has not failed, so it cannot be retried")
    if job.attempts >= MAX_ATTEMPTS:
        raise StateConflict("This report has failed too often; ask for a new one")
    job.status = ReportJobStatus.QUEUED
    job.progress = 0
    job.message = "Waiting to start"
    job.error = ""
    job.heartbeat_at = utcnow()
    job.finished_at = None
    session.flush()
    return job


def job_pdf(session: Session, job: ReportJob) -> bytes | None:
    """The finished PDF (loaded only when asked for)."""
    if job.status != ReportJobStatus.DONE:
        return None
    return session.execute(sa.select(ReportJob.pdf).where(ReportJob.id == job.id)).scalar_one()


# -- the worker ------------------------------------------------------------------------------

Renderer = Callable[[Session, ReportJob, Callable[[int, str], None]], tuple[str, bytes]]


def start_worker(app: Flask, job_id: int, renderer: Renderer) -> threading.Thread:
    """Render job ``job_id`` in a background thread of this process."""
    thread = threading.Thread(
        target=run_job, args=(app, job_id, renderer), name=f"report-job-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _update(app: Flask, job_id: int, **values: object) -> None:
    from socialvalue.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.update(ReportJob).where(ReportJob.id == job_id).values(**values))


def run_job(app: Flask, job_id: int, renderer: Renderer) -> None:
    """Claim the job, render it with ``renderer`` (reporting progress), store the PDF.

    Claiming is a conditional update (queued -> running), so two workers never render the
    same job. A heartbeat thread keeps ``heartbeat_at`` fresh while WeasyPrint lays out pages.
    """
    from socialvalue.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        claimed = connection.execute(
            sa.update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.status == ReportJobStatus.QUEUED)
            .values(
                status=ReportJobStatus.RUNNING,
                progress=5,
                message="Starting",
                heartbeat_at=utcnow(),
                attempts=ReportJob.attempts + 1,
            )
        ).rowcount
    if not claimed:
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY):
            try:
                _update(app, job_id, heartbeat_at=utcnow())
            except Exception:  # pragma: no cover - a missed beat is retried next time
                log.exception("report job %s: heartbeat failed", job_id)

    def progress(percent: int, message: str) -> None:
        _update(
            app,
            job_id,
            progress=max(5, min(99, percent)),
            message=message[:300],
            heartbeat_at=utcnow(),
        )

    beater = threading.Thread(target=beat, name=f"report-job-{job_id}-heartbeat", daemon=True)
    beater.start()
    try:
        with app.app_context():
            session = db.session
            try:
                job = session.get(ReportJob, job_id)
                assert job is not None
                filename, pdf = renderer(session, job, progress)
            finally:
                session.rollback()
        _update(
            app,
            job_id,
            status=ReportJobStatus.DONE,
            progress=100,
            message="Your report is ready",
            filename=filename[:200],
            pdf=pdf,
            heartbeat_at=utcnow(),
            finished_at=utcnow(),
        )
    except Exception as error:
        log.exception("report job %s failed", job_id)
        _update(
            app,
            job_id,
            status=ReportJobStatus.FAILED,
            message="The report could not be produced.",
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=utcnow(),
        )
    finally:
        stop.set()
