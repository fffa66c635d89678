"""Scale-out: two app servers (gunicorn instances on different ports) on one PostgreSQL.

The migrations run once, as a release step, before either server starts; the servers then
connect as a database role that can read and write rows but cannot change the schema, so they
demonstrably neither need nor run migrations. Everything a person does on one server is then
visible and usable on the other: the signed session cookie and its CSRF token (the servers
share SOCIALVALUE_SECRET_KEY and nothing else), an edit, the sign-in throttle (counted in the
database), a report job (its progress and PDF are kept in the database) and an evidence file
(stored under UPLOAD_DIR, which the two servers share, as they must when scaled out). Each
server also has its own instance folder, as two machines would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from scale_support import (
    PASSWORD,
    ContractSeed,
    EvaluationSeed,
    WebClient,
    database_app,
    make_user,
    seed_contracts,
    seed_evaluation,
    signed_in,
)
from servers import (
    REPO_ROOT,
    GunicornServer,
    PostgresCluster,
    flask_command,
    server_environment,
)

from socialvalue.extensions import db

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

APP_ROLE = "socialvalue_app"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Pair:
    a: GunicornServer
    b: GunicornServer
    pg: PostgresCluster
    database: str
    heads: str
    uploads: Path
    evaluation: EvaluationSeed
    contract: ContractSeed
    officer: str
    supplier: str
    throttled: str


def app_role_url(pg: PostgresCluster, database: str) -> str:
    """A login for the app servers: rows yes, schema no (it owns nothing, may create nothing)."""
    pg.psql(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}'")
    for statement in (
        f"GRANT CONNECT ON DATABASE {database} TO {APP_ROLE}",
        f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
    ):
        pg.psql(statement, database)
    return f"postgresql+psycopg://{APP_ROLE}:{APP_ROLE}@127.0.0.1:{pg.port}/{database}"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("scale-out")
    uploads = root / "shared-uploads"  # one volume mounted by both servers
    with PostgresCluster() as pg:
        database = "scaleout"
        owner_url = pg.create_database(database)
        # The release step, once, from one place, with the schema owner's login.
        release = server_environment(owner_url, root / "release")
        flask_command(release, "db", "upgrade")
        flask_command(release, "frameworks", "sync")
        heads = ScriptDirectory(str(REPO_ROOT / "migrations")).get_current_head()
        assert heads is not None
        with database_app(owner_url, uploads):
            evaluation = seed_evaluation(evaluators=1, bids=2, prefix="so")
            (contract,), officer = seed_contracts(1, prefix="so")
            make_user("officer", "throttled@example.org", "Throttled Officer")
            db.session.commit()
        url = app_role_url(pg, database)
        servers = [
            GunicornServer(
                server_environment(url, root / name, SOCIALVALUE_UPLOAD_DIR=str(uploads)),
                workers=2,
            )
            for name in ("instance-a", "instance-b")
        ]
        with contextlib.ExitStack() as stack, ThreadPoolExecutor(2) as pool:
            for server in servers:
                stack.callback(server.stop)
            list(pool.map(GunicornServer.start, servers))  # both at once, as in a deploy
            a, b = servers
            assert a.port != b.port
            yield Pair(
                a,
                b,
                pg,
                database,
                heads,
                uploads,
                evaluation,
                contract,
                officer,
                "so-supplier@example.org",
                "throttled@example.org",
            )
            for server in (a, b):
                assert "Traceback" not in server.log(), server.log()[-4000:]
            list(pool.map(GunicornServer.stop, servers))


def test_migrations_ran_once_before_the_servers_which_cannot_change_the_schema(
    pair: Pair,
) -> None:
    for server in (pair.a, pair.b):
        status, _, body = WebClient(server.base_url).get("/healthz")
        assert status == 200 and '"ok"' in body
        # Neither server migrated on start-up: their logs show no Alembic at all...
        assert "alembic" not in server.log().lower()
    # ...and their database login could not have: it may not create or alter anything.
    assert (
        pair.pg.psql(
            f"SELECT has_schema_privilege('{APP_ROLE}', 'public', 'CREATE')", pair.database
        ).strip()
        == "f"
    )
    owners = pair.pg.psql(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", pair.database
    ).split()
    assert owners == ["socialvalue"]
    # The schema is exactly the release's migration head.
    assert pair.pg.psql("SELECT version_num FROM alembic_version", pair.database).split() == [
        pair.heads
    ]


def score_path(pair: Pair) -> str:
    return f"/tenders/{pair.evaluation.tender_id}/evaluate/A/SV1"


def form_fields(html: str) -> tuple[str, str]:
    token = re.search(WebClient.CSRF_PATTERN, html)
    version = re.search(r'name="version" value="([^"]*)"', html)
    assert token and version
    return token.group(1), version.group(1)


def test_a_session_and_its_csrf_token_work_on_either_server(pair: Pair) -> None:
    evaluator = pair.evaluation.evaluator_emails[0]
    on_a = signed_in(pair.a.base_url, evaluator)
    on_b = on_a.via(pair.b.base_url)  # the same browser, routed to the other server
    status, _, home = on_b.get("/")
    assert status == 200 and "Signed in as so evaluator 0" in home
    assert WebClient(pair.b.base_url).get(score_path(pair))[0] == 302  # no cookie: sign in

    # A form from A posted to B (its CSRF token and version came from A).
    _, _, page = on_a.get(score_path(pair))
    token, version = form_fields(page)
    status, _, _ = on_b.request(
        "POST",
        score_path(pair),
        {
            "csrf_token": token,
            "version": version,
            "score": "61",
            "rationale": "Saved through B",
            "action": "draft",
        },
    )
    assert status == 302, status
    # Seen on A at once (there is no per-server cache), then edited on A and seen on B.
    _, _, page = on_a.get(score_path(pair))
    assert "Saved through B" in page
    token, version = form_fields(page)
    status, _, _ = on_a.request(
        "POST",
        score_path(pair),
        {
            "csrf_token": token,
            "version": version,
            "score": "62",
            "rationale": "Changed on A",
            "action": "draft",
        },
    )
    assert status == 302
    _, _, page = on_b.get(score_path(pair))
    assert "Changed on A" in page and "Saved through B" not in page

    # The form read before that edit is stale on either server: refused, nothing saved.
    stale = on_b.request(
        "POST",
        score_path(pair),
        {
            "csrf_token": token,
            "version": version,
            "score": "63",
            "rationale": "Too late",
            "action": "draft",
        },
    )
    assert stale[0] == 412 and "Someone else changed this score" in stale[2]


def test_sign_in_throttling_counts_failures_on_both_servers(pair: Pair) -> None:
    from socialvalue.services.accounts import MAX_FAILURES_PER_ACCOUNT

    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        server = pair.a if attempt % 2 == 0 else pair.b
        status, _, _ = WebClient(server.base_url).post_form(
            "/sign-in", {"email": pair.throttled, "password": "not the password at all"}
        )
        assert status == 200, status  # "Enter a correct email address and password"
    # Failures were spread over both servers; the right password is now refused on either.
    for server in (pair.a, pair.b):
        status, _, html = WebClient(server.base_url).post_form(
            "/sign-in", {"email": pair.throttled, "password": PASSWORD}
        )
        assert status == 429 and "Too many failed attempts" in html


def test_a_report_started_on_one_server_is_followed_and_downloaded_on_the_other(
    pair: Pair,
) -> None:
    on_a = signed_in(pair.a.base_url, pair.evaluation.owner_email)
    on_b = on_a.via(pair.b.base_url)
    tender_id = pair.evaluation.tender_id
    status, headers, _ = on_a.post_form(
        f"/tenders/{tender_id}/report",
        {"report": "evaluation"},
        form_page=f"/tenders/{tender_id}/result",
    )
    assert status == 302, status
    job_path = urllib.parse.urlsplit(headers["location"]).path
    assert re.fullmatch(r"/reports/jobs/\d+", job_path)
    # Rendered by a thread in A's worker; its progress and result are rows that B reads.
    deadline = time.monotonic() + 90
    while True:
        status, _, page = on_b.get(job_path)
        assert status == 200
        if "Your report is ready" in page:
            break
        assert "could not be produced" not in page, page
        assert time.monotonic() < deadline, "the report was not ready in 90 s"
        time.sleep(0.5)
    status, headers, pdf = on_b.get_bytes(job_path + "/download")
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert pdf.startswith(b"%PDF-")


def test_evidence_uploaded_through_one_server_downloads_from_the_other(pair: Pair) -> None:
    from socialvalue.models import EvidenceFile
    from socialvalue.services import contracts as contract_service

    contract_id = pair.contract.contract_id
    with database_app(pair.pg.url(pair.database), pair.uploads):
        contract = contract_service.get_contract(db.session, contract_id)
        assert contract is not None
        kpi_ids = [kpi.id for kpi in contract.kpis]
    supplier_a = signed_in(pair.a.base_url, pair.supplier)
    period = dt.date(2026, 6, 30).isoformat()
    form_path = f"/contracts/{contract_id}/returns/new?period={period}"
    token = supplier_a.csrf_token(form_path)
    status, headers, body = supplier_a.post_multipart(
        f"/contracts/{contract_id}/returns/new",
        {
            "csrf_token": token,
            "period_end": period,
            "narrative": "First quarter, filed through server A.",
            **{f"quantity-{kpi_id}": "1" for kpi_id in kpi_ids},
        },
        [("evidence", "payroll-q1.pdf", "application/pdf", PDF)],
    )
    assert status == 302, body[:3000]
    with database_app(pair.pg.url(pair.database), pair.uploads):
        evidence = db.session.execute(
            sa.select(EvidenceFile).where(EvidenceFile.original_name == "payroll-q1.pdf")
        ).scalar_one()
        evidence_id = evidence.id
    # Stored once, on the shared volume, where both servers look.
    assert [p.read_bytes() for p in pair.uploads.rglob("*") if p.is_file()] == [PDF]
    officer_b = signed_in(pair.b.base_url, pair.officer)
    status, headers, data = officer_b.get_bytes(f"/contracts/{contract_id}/evidence/{evidence_id}")
    assert status == 200 and data == PDF
    assert headers["content-disposition"].startswith("attachment")
