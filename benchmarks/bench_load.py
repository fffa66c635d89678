"""Load benchmark: 64 evaluators scoring at once against gunicorn and PostgreSQL, with wrk.

    .venv/bin/python benchmarks/bench_load.py [--clients 64] [--duration 30] [--workers N]

What it builds, all private to the run: a throwaway PostgreSQL cluster on 127.0.0.1 (fsync on,
as in production; ``--no-durable`` turns it off), a migrated database with the framework
library, and a tender in evaluation made through the services: 15 bids (each with written
answers of about 3,000 characters and two social value commitments) on 10 criteria (5 quality
questions, 3 social value questions, 2 quantitative framework measures) and 2 pass/fail gates
(the Good Employment Charter and a safety certificate), and one evaluator per
client, every one of whom has declared no conflict of interest: three in four are officers
scoring the 8 scored criteria (120 bid x criterion pairs each), one in four are citizen/VCSE
panel members scoring the 3 social value questions anonymised (45 pairs). Then gunicorn in
production mode (``--workers``, default 2 x cores + 1, sync workers), and each evaluator signs in
from Python so their session cookie and CSRF token can be handed to wrk.

What it measures, with ``wrk -t2 -c<clients>`` for ``--duration`` seconds per phase after a
short warm-up, in this order:

* ``bare``: ``GET /healthz/db``, a readiness probe of the same stack (same gunicorn, Flask app,
  SQLAlchemy pool and PostgreSQL) that reads one row. This is the baseline.
* ``floor``: the lightest page an evaluator opens, ``GET /tenders/<id>/declaration`` once they
  have declared ("Your declaration of interests": a heading and two sentences). It does what
  every signed-in tender page must do before showing anything: read the user (the session
  epoch, so that a sign-out ends every session at once), the tender with its criteria, and the
  user's membership of it (so that removing someone from a panel takes effect on their next
  request, on every app server). It shows how much of the ratio is that check, not the page.
* ``mixed``: the evaluators at work. Each request alternates between saving a draft score
  through the real scoring form (``POST /tenders/<id>/evaluate/<bid>/<criterion>`` with the
  CSRF token, the form's version field, a score and a justification: the same service call,
  optimistic-concurrency check, audit-chain append and commit as in a browser) and opening the
  evaluator's dashboard (``GET /tenders/<id>/evaluate``: their worklist with progress counts,
  which reflects the drafts just saved). See benchmarks/load/plan.lua for how the per-user plan
  is kept in wrk's per-thread Lua state.
* ``scores`` and ``dashboard`` (only with ``--phases``): the two kinds of request on their own.

By default the phases are ``bare,floor,mixed``.

For each phase it prints requests, throughput, p50/p95/p99/max latency and errors. A response
counts as an error unless it is what a browser expects: a 302 back to the score page for a
draft saved (a 302 anywhere else, e.g. to sign-in, is an error), a 200 worklist page for the
dashboard, a 200 declaration page for the floor, a 200 ``{"status": "ok"}`` for the bare read.
After each writing phase it checks in the database that the writes landed: the drafts
accepted by the server equal the new ``score.draft_saved`` audit events and the growth in the
scores' version numbers (a request cut off by the end of the run may still land, so up to one
per client more is allowed), and at the end it verifies the whole audit hash chain. It also
prints the CPU time each request cost the gunicorn workers, the PostgreSQL backends and wrk
(from /proc): with every client sending its next request as soon as the last is answered, the
server is saturated, so latency is queueing and follows CPU per request, and CPU per request
hardly depends on what else the machine runs.
``--rounds N`` repeats the phases and takes each phase's best round for the ratio.

Target: p95 of the mixed phase at most 3 x p95 of the bare read, with no errors and every
accepted write in the database. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers import (  # noqa: E402 - needs the path above
    GunicornServer,
    HttpClient,
    PostgresCluster,
    migrated_database,
    pushed_app,
    server_environment,
)

TARGET_RATIO = 3.0
LUA_SCRIPT = Path(__file__).resolve().parent / "load" / "plan.lua"
PASSWORD = "benchmark-evaluator-password-2024"  # noqa: S105 - throwaway accounts
GM_FRAMEWORK = ("gm-social-value-framework", "2020")
MEASURES = ("GMSVF-P3-LOCAL-EMPLOYMENT", "GMSVF-P3-APPRENTICESHIPS")
GATE_MEASURE = "GMSVF-P1-GEC-STATUS"  # Good Employment Charter status, a pass/fail measure
DASHBOARD_MARKERS = ('<h1 class="govuk-heading-l">Bids to score</h1>', ">Your scoring</h1>")
FLOOR_MARKERS = ('<h1 class="govuk-heading-l">Your declaration of interests</h1>',)
PHASES = ("bare", "floor", "mixed", "scores", "dashboard")
DEFAULT_PHASES = ("bare", "floor", "mixed")
WRITING = ("mixed", "scores")
RATIONALE = (
    "The response sets out a credible delivery plan with named roles, a mobilisation timetable "
    "and measurable service levels; the evidence on local recruitment is specific. Draft "
)
ANSWER = (
    "We will deliver the service from our depot in Bolton with a named contract manager, a "
    "mobile team of twelve operatives and a helpdesk open from 7am to 7pm. Every request is "
    "logged, triaged within fifteen minutes and tracked against the agreed service levels; the "
    "monthly report shows response times, first-time fix rates and complaints. "
)
QUALITY_QUESTIONS = (
    ("Service delivery approach", 10),
    ("Staffing, training and resilience", 10),
    ("Mobilisation and exit", 8),
    ("Quality assurance and performance management", 6),
    ("Health, safety and safeguarding", 6),
)
SOCIAL_QUESTIONS = (
    ("Social value delivery plan", 5, 100),
    ("Environmental sustainability and net zero", 5, 5),
    ("Community engagement and volunteering", 4, 5),
)
SUPPLIERS = (
    "Irwell Facilities Ltd",
    "Pennine Property Services",
    "Mersey Maintenance CIC",
    "Tameside Works Ltd",
    "Roch Valley Cleaning",
    "Medlock Group plc",
    "Croal Building Care",
    "Bollin Trust",
    "Etherow Services Ltd",
    "Goyt Partnership",
    "Beal Contracts Ltd",
    "Douglas Estates Care",
    "Glaze Brook Co-operative",
    "Sankey Services Ltd",
    "Weaver Facilities",
)


# -- the tender and its evaluators ----------------------------------------------------------


@dataclass
class Evaluator:
    user_id: int
    email: str
    panel: bool
    criterion_ids: list[int]
    cookie: str = ""
    csrf: str = ""


@dataclass
class World:
    tender_id: int
    bids: dict[int, str]  # bid id -> label
    criteria: dict[int, tuple[str, int]]  # criterion id -> (code, scale maximum)
    evaluators: list[Evaluator] = field(default_factory=list)

    @property
    def dashboard_path(self) -> str:
        return f"/tenders/{self.tender_id}/evaluate"

    @property
    def floor_path(self) -> str:
        return f"/tenders/{self.tender_id}/declaration"

    def pairs(self, evaluator: Evaluator) -> list[tuple[int, int]]:
        return [(bid, criterion) for criterion in evaluator.criterion_ids for bid in self.bids]


@contextlib.contextmanager
def app_for(url: str, instance: Path) -> Iterator[Any]:
    """The Flask app against ``url`` with an app context pushed (for seeding and checking).

    Its instance folder is ``instance`` (never the checkout's ``instance/``)."""
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "load-benchmark-seeding-key-0123456789abcdef",
    }
    with pushed_app(config, instance) as app:
        yield app


def seed(url: str, clients: int, bid_count: int) -> World:
    """The tender in evaluation and ``clients`` evaluators, through the services; committed."""
    import sqlalchemy as sa

    from socialvalue.extensions import db
    from socialvalue.models import FrameworkMeasure, FrameworkVersion, MemberRole, Role, User
    from socialvalue.models.base import utcnow
    from socialvalue.services import bids as bid_service
    from socialvalue.services import evaluation as evaluation_service
    from socialvalue.services import tenders as tender_service
    from socialvalue.services.accounts import create_user
    from socialvalue.services.demo import s1_plan_rules

    session = db.session
    lead = create_user(
        session,
        email="lead.officer@bench.socialvalue.test",
        display_name="Lead Officer",
        role=Role.OFFICER,
        password=PASSWORD,
    )
    version = session.execute(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.framework_id == GM_FRAMEWORK[0],
            FrameworkVersion.version == GM_FRAMEWORK[1],
        )
    ).scalar_one()
    tender = tender_service.create_tender(
        session,
        lead,
        {
            "reference": "GM-BENCH-0001",
            "title": "Facilities management for Greater Manchester civic buildings",
            "buyer": "Greater Manchester Combined Authority",
            "description": "Cleaning, maintenance and helpdesk for 40 civic buildings.",
            "estimated_value": Decimal("2400000"),
            "contract_start": dt.date(2027, 4, 1),
            "contract_end": dt.date(2030, 3, 31),
            "bid_deadline": (utcnow() + dt.timedelta(days=30)).replace(second=0, microsecond=0),
            "framework_version_id": version.id,
        },
    )
    tender_service.update_plan_rules(
        session, lead, tender, s1_plan_rules(panel_share_percent=Decimal(25))
    )
    quality, social = [], []
    for title, weight in QUALITY_QUESTIONS:
        quality.append(
            tender_service.add_question_criterion(
                session,
                lead,
                tender,
                {
                    "title": title,
                    "question": f"{title}: describe your approach.",
                    "group": "quality",
                    "scale_max": 5,
                    "weight": Decimal(weight),
                },
            )
        )
    for title, weight, scale_max in SOCIAL_QUESTIONS:
        social.append(
            tender_service.add_question_criterion(
                session,
                lead,
                tender,
                {
                    "title": title,
                    "question": f"{title}: what will you commit to?",
                    "group": "social_value",
                    "scale_max": scale_max,
                    "weight": Decimal(weight),
                },
            )
        )
    measures = []
    for code in MEASURES:
        measure = session.execute(
            sa.select(FrameworkMeasure).where(
                FrameworkMeasure.framework_version_id == version.id, FrameworkMeasure.code == code
            )
        ).scalar_one()
        measures.append(
            tender_service.add_measure_criterion(
                session,
                lead,
                tender,
                {"measure_id": measure.id, "group": "social_value", "weight": Decimal(3)},
            )
        )
    charter = session.execute(
        sa.select(FrameworkMeasure).where(
            FrameworkMeasure.framework_version_id == version.id,
            FrameworkMeasure.code == GATE_MEASURE,
        )
    ).scalar_one()
    gates = [
        tender_service.add_gate(
            session,
            lead,
            tender,
            {
                "title": charter.title,
                "evidence_expected": "Charter certificate",
                "measure": charter,
            },
        ),
        tender_service.add_gate(
            session,
            lead,
            tender,
            {
                "title": "Holds ISO 45001 or equivalent health and safety certification",
                "evidence_expected": "Certificate and scope",
            },
        ),
    ]
    tender_service.publish_plan(session, lead, tender)
    scored = quality + social
    for n in range(bid_count):
        supplier = SUPPLIERS[n % len(SUPPLIERS)] + ("" if n < len(SUPPLIERS) else f" {n + 1}")
        bid_service.record_bid(
            session,
            lead,
            tender,
            {
                "supplier_name": supplier,
                "price": Decimal(2_100_000 + 7_919 * ((n * 37) % 41)),
                "commitments": {
                    criterion.id: {
                        "quantity": Decimal((n * 13 + i * 5) % 17 + 2),
                        "narrative": f"Commitment {i + 1} of bid {n + 1}: hired and trained "
                        "through Greater Manchester jobcentres and colleges.",
                        "evidence_plan": "Payroll postcodes and training records, quarterly.",
                    }
                    for i, criterion in enumerate(measures)
                },
                "responses": {
                    criterion.id: f"Answer to {criterion.code}, bid {n + 1}. " + ANSWER * 9
                    for criterion in scored
                },
                "gate_answers": {
                    gate.id: {"passed": True, "evidence": f"Certificate {n + 1}-{i + 1}"}
                    for i, gate in enumerate(gates)
                },
            },
        )
    panel_count = clients // 4
    evaluators = []
    for n in range(clients):
        panel = n >= clients - panel_count
        user = create_user(
            session,
            email=f"evaluator{n + 1:03d}@bench.socialvalue.test",
            display_name=f"{'Panel member' if panel else 'Evaluator'} {n + 1}",
            role=Role.PANEL if panel else Role.OFFICER,
            password=PASSWORD,
        )
        criteria = social if panel else scored
        tender_service.assign_member(
            session,
            lead,
            tender,
            user,
            MemberRole.PANEL if panel else MemberRole.EVALUATOR,
            [c.id for c in criteria],
        )
        evaluators.append(Evaluator(user.id, user.email, panel, [c.id for c in criteria]))
    tender_service.close_bidding(session, lead, tender)
    session.commit()
    for evaluator in evaluators:
        user = session.get(User, evaluator.user_id)
        assert user is not None
        evaluation_service.declare_interests(session, user, tender, has_conflict=False, details="")
    session.commit()
    bids = bid_service.load_bids(session, tender)
    return World(
        tender_id=tender.id,
        bids={bid.id: bid.label for bid in bids},
        criteria={c.id: (c.code, int(c.scale_max or 0)) for c in tender.criteria},
        evaluators=evaluators,
    )


def sign_in_all(world: World, base_url: str) -> None:
    """Each evaluator signs in and opens a score page: keep their cookie and CSRF token."""
    for evaluator in world.evaluators:
        client = HttpClient(base_url)
        client.sign_in(evaluator.email, PASSWORD)
        bid_id, criterion_id = world.pairs(evaluator)[0]
        path = score_path(world, bid_id, criterion_id)
        evaluator.csrf = client.csrf_token(path)
        evaluator.cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def score_path(world: World, bid_id: int, criterion_id: int) -> str:
    label, code = world.bids[bid_id], world.criteria[criterion_id][0]
    return f"/tenders/{world.tender_id}/evaluate/{label}/{code}"


# -- database checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteCounts:
    audit_events: int
    version_total: int


def write_counts(world: World) -> WriteCounts:
    import sqlalchemy as sa

    from socialvalue.extensions import db
    from socialvalue.models import AuditEvent, IndividualScore

    db.session.remove()
    events = db.session.execute(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.tender_id == world.tender_id, AuditEvent.action == "score.draft_saved")
    ).scalar_one()
    versions = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(IndividualScore.version_id), 0)).where(
            IndividualScore.tender_id == world.tender_id
        )
    ).scalar_one()
    db.session.remove()
    return WriteCounts(int(events), int(versions))


def settled_write_counts(world: World, timeout: float = 30.0) -> WriteCounts:
    """The counts once requests still queued in gunicorn when wrk stopped have finished."""
    deadline = time.monotonic() + timeout
    last = write_counts(world)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = write_counts(world)
        if now == last:
            return now
        last = now
    return last


def current_versions(world: World) -> dict[tuple[int, int, int], int]:
    """(evaluator, bid, criterion) -> the score row's version (absent: no row yet, version 0)."""
    import sqlalchemy as sa

    from socialvalue.extensions import db
    from socialvalue.models import IndividualScore

    rows = db.session.execute(
        sa.select(
            IndividualScore.evaluator_id,
            IndividualScore.bid_id,
            IndividualScore.criterion_id,
            IndividualScore.version_id,
        ).where(IndividualScore.tender_id == world.tender_id)
    ).all()
    db.session.remove()
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows}


def verify_audit_chain() -> tuple[bool, int, str]:
    from socialvalue.extensions import db
    from socialvalue.services.audit import verify_chain

    report = verify_chain(db.session)
    db.session.remove()
    return report.ok, report.events_checked, report.reason


# -- wrk --------------------------------------------------------------------------------------


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_prelude(
    world: World, mode: str, threads: int, versions: dict[Any, int], run_id: str
) -> str:
    """The data wrk's Lua script needs: each thread's users, with cookies, tokens and pairs."""
    plans: list[list[str]] = [[] for _ in range(threads)]
    for index, evaluator in enumerate(world.evaluators):
        pairs = []
        for bid_id, criterion_id in world.pairs(evaluator):
            version = versions.get((evaluator.user_id, bid_id, criterion_id), 0)
            pairs.append(
                f"{{path={lua_string(score_path(world, bid_id, criterion_id))},"
                f"version={version},max={world.criteria[criterion_id][1]},offset={index}}}"
            )
        plans[index % threads].append(
            f"{{cookie={lua_string(evaluator.cookie)},csrf={lua_string(evaluator.csrf)},"
            f"pairs={{{','.join(pairs)}}}}}"
        )
    lines = [
        "-- generated by benchmarks/bench_load.py",
        f"MODE = {lua_string(mode)}",
        f"BARE_PATH = {lua_string('/healthz/db')}",
        f"DASHBOARD_PATH = {lua_string(world.dashboard_path)}",
        f"FLOOR_PATH = {lua_string(world.floor_path)}",
        "PAGE_MARKERS = {"
        + ",".join(lua_string(m) for m in (FLOOR_MARKERS if mode == "floor" else DASHBOARD_MARKERS))
        + "}",
        # A different justification on every save of every run: a save that changed nothing
        # would not move the row's version, and the plan counts versions up by one per save.
        f"RATIONALE = {lua_string(urllib.parse.quote_plus(f'{RATIONALE}{run_id} '))}",
        "PLANS = {",
        *(f"  {{users={{{','.join(users)}}}}}," for users in plans),
        "}",
        "",
    ]
    return "\n".join(lines)


@dataclass
class PhaseResult:
    name: str
    figures: dict[str, int]
    writes: WriteCounts | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds: app, postgres, wrk
    round: int = 1

    @property
    def seconds(self) -> float:
        return self.figures["duration_us"] / 1e6

    @property
    def requests(self) -> int:
        return self.figures["requests"]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, key: str) -> float:
        return self.figures[key] / 1000

    @property
    def errors(self) -> int:
        names = [k for k in self.figures if k.startswith(("err_", "socket_"))]
        return sum(self.figures[k] for k in names)

    def cpu_ms_per_request(self, part: str) -> float:
        return self.cpu.get(part, 0.0) * 1000 / self.requests if self.requests else 0.0

    def error_detail(self) -> str:
        labels = {
            "err_redirect": "redirected elsewhere",
            "err_409": "409",
            "err_412": "412 stale version",
            "err_422": "422 invalid",
            "err_4xx": "other 4xx",
            "err_5xx": "5xx",
            "err_page": "unexpected page",
            "err_other": "other status",
            "socket_connect": "connect",
            "socket_read": "read",
            "socket_write": "write",
            "socket_timeout": "timeout",
        }
        parts = [f"{self.figures[k]} {label}" for k, label in labels.items() if self.figures[k]]
        return ", ".join(parts) or "none"


class CpuMeter:
    """CPU time used by process trees (the gunicorn master and its workers; the postmaster and
    its backends), read from /proc, so a phase can report CPU per request: unlike latency on a
    shared machine, that hardly depends on what else is running. Linux only; else zeros."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @staticmethod
    def _tree(pid: int) -> list[int]:
        found, stack = [], [pid]
        while stack:
            current = stack.pop()
            found.append(current)
            with contextlib.suppress(OSError):
                text = Path(f"/proc/{current}/task/{current}/children").read_text()
                stack.extend(int(child) for child in text.split())
        return found

    def _ticks(self, pid: int) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0
        return int(fields[11]) + int(fields[12])  # utime + stime

    def snapshot(self) -> dict[str, dict[int, int]]:
        return {
            name: {pid: self._ticks(pid) for pid in self._tree(root)}
            for name, root in self.roots.items()
        }

    def since(self, before: dict[str, dict[int, int]]) -> dict[str, float]:
        """CPU seconds per tree since ``before`` (processes started since count in full)."""
        now = self.snapshot()
        return {
            name: sum(ticks - before[name].get(pid, 0) for pid, ticks in now[name].items())
            / self.tick
            for name in self.roots
        }


def postmaster_pid(cluster: PostgresCluster) -> int:
    """The PID of the cluster's postmaster, from the first line of its postmaster.pid."""
    return int((cluster.data_dir / "postmaster.pid").read_text().split()[0])


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    world: World,
    base_url: str,
    mode: str,
    *,
    clients: int,
    threads: int,
    duration: float,
    versions: dict[Any, int],
    wrk: str,
) -> dict[str, int]:
    script = LUA_SCRIPT.read_text()
    run_id = f"{mode}-{time.monotonic_ns()}"
    prelude = lua_prelude(world, mode, threads, versions, run_id)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-load-", delete=False) as f:
        f.write(prelude + script)
        path = f.name
    try:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{clients}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "60s",
            "-s",
            path,
            base_url,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    figures = {
        match.group(1): int(match.group(2))
        for match in re.finditer(r"^RESULT (\w+) (-?\d+)$", result.stdout, re.MULTILINE)
    }
    if "requests" not in figures:
        raise RuntimeError(f"wrk printed no results:\n{result.stdout}\n{result.stderr}")
    return figures


def run_phase(
    world: World,
    base_url: str,
    mode: str,
    args: argparse.Namespace,
    duration: float,
    wrk: str,
    meter: CpuMeter | None = None,
) -> PhaseResult:
    before = write_counts(world) if mode in WRITING else None
    versions = current_versions(world) if mode != "bare" else {}
    cpu_before = meter.snapshot() if meter is not None else None
    wrk_before = children_cpu()
    figures = run_wrk(
        world,
        base_url,
        mode,
        clients=args.clients,
        threads=args.threads,
        duration=duration,
        versions=versions,
        wrk=wrk,
    )
    result = PhaseResult(mode, figures)
    if meter is not None and cpu_before is not None:
        result.cpu = {**meter.since(cpu_before), "wrk": children_cpu() - wrk_before}
    if before is not None:
        after = settled_write_counts(world)
        result.writes = WriteCounts(
            after.audit_events - before.audit_events, after.version_total - before.version_total
        )
    return result


# -- report -----------------------------------------------------------------------------------


PHASE_LABELS = {
    "bare": "bare: GET /healthz/db (one row)",
    "mixed": "ours: score POST + dashboard GET",
    "scores": "ours: score POSTs only",
    "dashboard": "ours: dashboard GETs only",
    "floor": "floor: signed-in tender page",
}


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def writes_landed(result: PhaseResult, clients: int) -> tuple[bool, str]:
    """Accepted drafts = new audit events = growth in versions (+ up to one cut off per client)."""
    assert result.writes is not None
    accepted = result.figures["saved"]
    events, versions = result.writes.audit_events, result.writes.version_total
    ok = events == versions and accepted <= events <= accepted + clients
    text = (
        f"{accepted:,} drafts accepted (302 to the score page); {events:,} new "
        f"'score.draft_saved' audit events; score versions grew by {versions:,}"
    )
    return ok, text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (evaluators)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per measured phase")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default 2 x cores + 1)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--bids", type=int, default=15)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per kind")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the phases N times over; the ratio uses each phase's best round (the lowest "
        "p95: other processes on a shared machine only ever add time)",
    )
    parser.add_argument(
        "--phases",
        default=",".join(DEFAULT_PHASES),
        help=f"comma-separated, in order, from: {', '.join(PHASES)} (bare and mixed required)",
    )
    parser.add_argument(
        "--durable",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="PostgreSQL with fsync and synchronous commit on, as in production",
    )
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not {"bare", "mixed"} <= set(phases) or not set(phases) <= set(PHASES):
        parser.error(f"--phases must include bare and mixed, from: {', '.join(PHASES)}")
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.threads = max(1, min(args.threads, args.clients))
    workers = args.workers or default_workers()
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: run scripts/bootstrap --dev (or apt-get install wrk)")
        return 2

    load_before = load_average()
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(PostgresCluster(durable=args.durable))
        instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        url = stack.enter_context(migrated_database(pg, "bench_load", instance))
        stack.enter_context(app_for(url, instance / "seeding"))
        started = time.perf_counter()
        world = seed(url, args.clients, args.bids)
        seeded = time.perf_counter() - started
        server = stack.enter_context(
            GunicornServer(server_environment(url, instance), workers=workers)
        )
        sign_in_all(world, server.base_url)
        officers = sum(1 for e in world.evaluators if not e.panel)
        panel = len(world.evaluators) - officers
        version = pg.psql("SHOW server_version").strip()
        print(
            f"stack: gunicorn {workers} sync workers (wsgi:app, production mode), PostgreSQL "
            f"{version} ({'fsync on' if args.durable else 'fsync off'}) on 127.0.0.1"
        )
        print(
            f"load: wrk -t{args.threads} -c{args.clients} -d{round(args.duration)}s per phase "
            f"after {args.warmup:g} s warm-up; {os.cpu_count()} CPU cores shared by wrk, "
            "gunicorn and PostgreSQL"
        )
        scored, social = len(QUALITY_QUESTIONS) + len(SOCIAL_QUESTIONS), len(SOCIAL_QUESTIONS)
        print(
            f"tender: {len(world.bids)} bids x {len(world.criteria)} criteria, 2 pass/fail gates; "
            f"{args.clients} evaluators signed in ({officers} officers on {scored} scored "
            f"criteria = {len(world.bids) * scored} pairs each, {panel} panel members on "
            f"{social} = {len(world.bids) * social} pairs each); seeded in {seeded:.1f} s"
        )
        print(f"load average before: {load_before}")
        assert server.process is not None
        meter = CpuMeter({"app": server.process.pid, "postgres": postmaster_pid(pg)})
        if args.warmup > 0:
            for mode in ("mixed", "bare"):
                run_phase(world, server.base_url, mode, args, args.warmup, wrk)
        results = []
        for round_number in range(1, args.rounds + 1):
            for mode in phases:
                result = run_phase(world, server.base_url, mode, args, args.duration, wrk, meter)
                result.round = round_number
                results.append(result)
        chain_ok, chain_events, chain_reason = verify_audit_chain()
        log = server.log()
    print(f"load average after:  {load_average()}")

    best: dict[str, PhaseResult] = {}
    for r in results:
        if r.name not in best or r.ms("latency_p95_us") < best[r.name].ms("latency_p95_us"):
            best[r.name] = r
    print()
    label = "phase" + (" (round)" if args.rounds > 1 else "")
    header = (
        f"{label:38} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        name = PHASE_LABELS[r.name] + (f" ({r.round})" if args.rounds > 1 else "")
        print(
            f"{name:38} {r.requests:9,} {r.throughput:8.1f} "
            f"{r.ms('latency_p50_us'):8.1f} {r.ms('latency_p95_us'):8.1f} "
            f"{r.ms('latency_p99_us'):8.1f} {r.ms('latency_max_us'):8.1f} {r.errors:7,}"
        )
    print()
    print("CPU per request (ms), which the latencies under saturation follow:")
    print(f"  {'phase':36} {'gunicorn':>9} {'postgres':>9} {'wrk':>6} {'total':>7}")
    for r in results:
        name = PHASE_LABELS[r.name] + (f" ({r.round})" if args.rounds > 1 else "")
        parts = [r.cpu_ms_per_request(part) for part in ("app", "postgres", "wrk")]
        print(f"  {name:36} {parts[0]:9.2f} {parts[1]:9.2f} {parts[2]:6.2f} {sum(parts):7.2f}")
    print()
    writes_ok = True
    for r in results:
        if r.errors:
            print(f"{r.name} errors: {r.error_detail()}")
        if r.writes is not None:
            ok, text = writes_landed(r, args.clients)
            writes_ok = writes_ok and ok and r.figures["saved"] > 0
            print(f"{r.name} writes landed: {text}: {_verdict(ok)}")
        if r.name in ("mixed", "dashboard"):
            print(f"{r.name} dashboard pages served: {r.figures['pages']:,}")
        if r.name == "floor":
            print(f"floor declaration pages served: {r.figures['pages']:,}")
        if r.name == "bare":
            print(f'bare reads answered {{"status": "ok"}}: {r.figures["bare_ok"]:,}')
    print(
        f"audit chain after the run: {chain_events:,} events, "
        f"{'intact' if chain_ok else 'BROKEN: ' + chain_reason}"
    )
    if "Traceback" in log:
        print("gunicorn log has tracebacks:\n" + log[-3000:])

    ours, bare = best["mixed"], best["bare"]
    if args.rounds > 1:
        print(f"best of {args.rounds} rounds: mixed round {ours.round}, bare round {bare.round}")
    bare_p95 = bare.ms("latency_p95_us")
    ratio = ours.ms("latency_p95_us") / bare_p95 if bare_p95 else float("inf")
    errors = sum(r.errors for r in results)
    ratio_ok = ratio <= TARGET_RATIO
    print()
    print(f"ratio p95 ours / p95 bare:      {ratio:.2f}")
    if "floor" in best:
        floor_p95 = best["floor"].ms("latency_p95_us")
        print(
            f"ratio p95 floor / p95 bare:     {floor_p95 / bare_p95:.2f} "
            "(the access check every signed-in tender page makes, and a small page)"
        )
        print(f"ratio p95 ours / p95 floor:     {ours.ms('latency_p95_us') / floor_p95:.2f}")
    print(
        f"throughput ours / bare:         {ours.throughput / bare.throughput:.2f} "
        f"({ours.throughput:.1f} / {bare.throughput:.1f} req/s)"
    )
    print(f"target p95 ratio <= {TARGET_RATIO:.0f}:        {_verdict(ratio_ok)} ({ratio:.2f})")
    print(f"target no errors:               {_verdict(errors == 0)} ({errors:,})")
    print(f"target writes landed:           {_verdict(writes_ok)}")
    print(f"target audit chain intact:      {_verdict(chain_ok)}")
    return 0 if ratio_ok and errors == 0 and writes_ok and chain_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
