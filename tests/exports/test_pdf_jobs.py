"""Long report work: a report job renders in a background thread, shows its progress on a
self-refreshing page, then offers the download; a dead worker shows as failed with a retry."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from click.testing import CliRunner
from pdf_support import client_for, final_s1, make_user, pdf_text

from socialvalue.extensions import db
from socialvalue.models import ReportJob, ReportJobStatus
from socialvalue.services import report_jobs

pytestmark = [pytest.mark.usefixtures("synced_frameworks"), pytest.mark.slow]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _wait_until_done(client: Any, url: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url).get_data(as_text=True)
        if "Your report is ready" in html or "could not be produced" in html:
            return html
        assert '<meta http-equiv="refresh" content="2">' in html
        assert re.search(r"\d+% done", html)
        time.sleep(0.2)
    raise AssertionError("the report job did not finish")


def test_large_tender_report_goes_through_a_job(app: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(report_jobs, "SYNC_MAX_BIDS", 2)
    scenario = final_s1()
    tid = scenario.tender_id
    officer = client_for(app, scenario.officer)
    page = officer.get(f"/tenders/{tid}/report.pdf")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Prepare the evaluation report" in html and "3 bids" in html
    token = _csrf(html)
    refused = officer.post(f"/tenders/{tid}/report", data={"csrf_token": token})
    assert refused.status_code == 422 and "Choose which report" in refused.get_data(as_text=True)
    assert db.session.query(ReportJob).count() == 0
    response = officer.post(
        f"/tenders/{tid}/report", data={"csrf_token": token, "report": "evaluation"}
    )
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert re.fullmatch(r"/reports/jobs/\d+", job_url)
    html = _wait_until_done(officer, job_url)
    assert "Your report is ready" in html
    assert '<meta http-equiv="refresh"' not in html
    job_id = int(job_url.rsplit("/", 1)[1])
    download = officer.get(f"/reports/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    text = pdf_text(download.data)
    assert "87.10" in text and "77.00" in text and "76.50" in text
    job = db.session.get(ReportJob, job_id)
    db.session.refresh(job)
    assert job.status == ReportJobStatus.DONE and job.progress == 100 and job.attempts == 1
    # Only the person who asked sees the job; unknown jobs are 404.
    other = client_for(app, make_user("auditor", "Audrey Auditor"))
    assert other.get(job_url).status_code == 403
    assert other.get(f"/reports/jobs/{job_id}/download").status_code == 403
    assert officer.get("/reports/jobs/999999").status_code == 404
    assert officer.get("/reports/jobs/99999999999999999999999").status_code == 404
    panel = client_for(app, scenario.panel[0])
    assert panel.get(job_url).status_code == 403


def test_a_dead_worker_shows_failed_and_can_be_retried(app: Any) -> None:
    scenario = final_s1()
    job = report_jobs.create_job(
        db.session, scenario.officer, kind="tender", tender=scenario.tender, title="Report"
    )
    # A worker claimed it and then died: no heartbeat for longer than STALE_AFTER.
    job.status = ReportJobStatus.RUNNING
    job.progress = 40
    job.heartbeat_at = dt.datetime.now(dt.UTC) - report_jobs.STALE_AFTER * 2
    db.session.commit()
    officer = client_for(app, scenario.officer)
    html = officer.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert "Your report could not be produced" in html and "Try again" in html
    assert '<meta http-equiv="refresh"' not in html
    assert officer.get(f"/reports/jobs/{job.id}/download").status_code == 404
    response = officer.post(f"/reports/jobs/{job.id}/retry", data={"csrf_token": _csrf(html)})
    assert response.status_code == 302
    html = _wait_until_done(officer, f"/reports/jobs/{job.id}")
    assert "Your report is ready" in html
    # A finished job cannot be retried.
    response = officer.post(f"/reports/jobs/{job.id}/retry", data={"csrf_token": _csrf(html)})
    assert response.status_code == 302
    followed = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "has not failed" in followed


def test_a_render_error_marks_the_job_failed(app: Any) -> None:
    scenario = final_s1()
    job = report_jobs.create_job(
        db.session,
        scenario.officer,
        kind="summary",
        tender=scenario.tender,
        title="Summary",
        bid_label="Z",
    )
    db.session.commit()
    from socialvalue.exports.documents import render_job

    report_jobs.run_job(app, job.id, render_job)
    db.session.refresh(job)
    assert job.status == ReportJobStatus.FAILED
    assert "no assessment summary for Bid Z" in job.error
    assert report_jobs.view(job).failed


def test_cli_renders_reports_in_batch_with_a_progress_bar(app: Any, tmp_path: Any) -> None:
    first = final_s1()
    runner = app.test_cli_runner()
    out = tmp_path / "out"
    result = runner.invoke(
        args=["reports", "render", "--tender", str(first.tender_id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Rendering reports" in result.output and "1 report(s) written" in result.output
    files = sorted(out.glob("*.pdf"))
    assert len(files) == 1
    assert "87.10" in pdf_text(files[0].read_bytes())
    result = runner.invoke(args=["reports", "render", "--all-tenders", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 report(s) written" in result.output
    missing = runner.invoke(args=["reports", "render", "--tender", "999999", "--out", str(out)])
    assert missing.exit_code == 1 and "there is no tender 999999" in missing.output
    nothing = runner.invoke(args=["reports", "render", "--out", str(out)])
    assert nothing.exit_code == 2 and "Nothing to render" in nothing.output
    assert isinstance(runner, type(app.test_cli_runner())) and CliRunner
