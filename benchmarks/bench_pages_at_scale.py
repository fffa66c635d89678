"""Benchmark the main pages on a large installation, against a small one measured in the same run.

    .venv/bin/python benchmarks/bench_pages_at_scale.py \\
        [--tenders 10000] [--bids 200000] [--delivery-rows 1000000] [--repeat 15]
    .venv/bin/python benchmarks/bench_pages_at_scale.py --database-url URL --reuse

Starts a private PostgreSQL (tests/servers.py), generates the large installation
(benchmarks/large_installation.py; ``--reuse`` with ``--database-url`` uses one generated
before) and a small one (``--small-tenders`` 100, with bids and delivery rows in the same
proportions), then requests each main page as the person who uses it through the Flask test
client (in-process: what is measured is the application and the database, not a network):
lists on their first and last pages, a tender and its bids, the result of a typical tender and
of the largest, the moderation dashboard of the largest tender being evaluated, a contract with
the most returns, the audit histories, the public transparency page and the API's lists. For
each page: the median and 95th percentile of ``--repeat`` timings after one warm-up, the
number of SQL statements, and the ratio large/small. Paginated pages should stay near 1x-3x;
pages whose work grows with one tender's size (a result re-scores every bid) say so.

Then the query plans behind the indexes of migration 20261122_5d1c0a7e9b42: each key query is
EXPLAIN ANALYZEd on the large installation with its index, and as before the migration (in a
transaction rolled back afterwards: the index dropped, the single-column index it replaced put
back), best of three each, in the same run.

Timings on a shared machine are noisy: the ratio and the statement counts are the figures to
read; the absolute milliseconds only say "fast" or "not".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402
from large_installation import Sizes, generate, report  # noqa: E402

from socialvalue.extensions import db  # noqa: E402

PER_PAGE = 25


@dataclass
class Target:
    name: str
    role: str  # officer, auditor, anonymous, api
    url: str


@dataclass
class Measure:
    median: float
    p95: float
    statements: int
    status: int
    samples: list[float] = field(default_factory=list)


@dataclass
class Installation:
    label: str
    url: str
    app: Any
    users: dict[str, int]
    token: str
    facts: dict[str, Any]


# -- setting up -----------------------------------------------------------------------------


def make_app(url: str, instance: Path) -> Any:
    import os

    os.environ["SOCIALVALUE_INSTANCE_PATH"] = str(instance)
    from socialvalue.app import create_app

    return create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "SECRET_KEY": "bench-pages-at-scale-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(instance / "uploads"),
        }
    )


def prepare(label: str, url: str, instance: Path) -> Installation:
    """Users to act as, an API token, and the tenders and contracts worth timing."""
    from socialvalue.models import User
    from socialvalue.services.api_tokens import create_token

    app = make_app(url, instance)
    with app.app_context():
        session = db.session
        users = {}
        for role in ("officer", "auditor"):
            users[role] = session.scalar(
                sa.select(User.id).where(User.role == role).order_by(User.id).limit(1)
            )
        officer = session.get(User, users["officer"])
        assert officer is not None
        _token, secret = create_token(session, officer, f"bench {time.time():.0f}")
        session.commit()
        facts = facts_of(session)
    return Installation(label, url, app, users, secret, facts)


def facts_of(session: Any) -> dict[str, Any]:
    """The tenders and contracts the pages are timed on, found by SQL."""
    one = session.execute
    awarded = (
        "SELECT t.id, count(b.id) AS n FROM tenders t JOIN bids b ON b.tender_id = t.id "
        "WHERE t.status = 'awarded' GROUP BY t.id ORDER BY "
    )
    typical = one(sa.text(awarded + "abs(count(b.id) - 20), t.id LIMIT 1")).one()
    largest = one(sa.text(awarded + "n DESC, t.id LIMIT 1")).one()
    evaluating = one(
        sa.text(
            "SELECT t.id, count(b.id) AS n FROM tenders t JOIN bids b ON b.tender_id = t.id "
            "WHERE t.status = 'published' AND t.bid_deadline < now() "
            "GROUP BY t.id ORDER BY n DESC, t.id LIMIT 1"
        )
    ).one()
    contract = one(
        sa.text(
            "SELECT contract_id, count(*) AS n FROM delivery_returns GROUP BY contract_id "
            "ORDER BY n DESC, contract_id LIMIT 1"
        )
    ).one()
    contract_tender = one(
        sa.text("SELECT tender_id FROM contracts WHERE id = :c"), {"c": contract.contract_id}
    ).scalar_one()

    def count(sql: str, **params: Any) -> int:
        return int(one(sa.text(sql), params).scalar_one())

    return {
        "typical": typical.id,
        "typical_bids": typical.n,
        "largest": largest.id,
        "largest_bids": largest.n,
        "evaluating": evaluating.id,
        "evaluating_bids": evaluating.n,
        "contract": contract.contract_id,
        "contract_returns": contract.n,
        "contract_tender": contract_tender,
        "tenders": count("SELECT count(*) FROM tenders"),
        "awarded": count("SELECT count(*) FROM tenders WHERE status = 'awarded'"),
        "contracts": count("SELECT count(*) FROM contracts"),
        "events": count("SELECT count(*) FROM audit_events"),
        "contract_events": count(
            "SELECT count(*) FROM audit_events WHERE contract_id = :c", c=contract.contract_id
        ),
        "lines": count("SELECT count(*) FROM return_lines"),
        "bids": count("SELECT count(*) FROM bids"),
    }


def targets(facts: dict[str, Any]) -> list[Target]:
    def last(total: int, per_page: int = PER_PAGE) -> int:
        return max(1, math.ceil(total / per_page))

    t, c = facts["typical"], facts["contract"]
    return [
        Target("tenders list, page 1", "officer", "/tenders/"),
        Target("tenders list, last page", "officer", f"/tenders/?page={last(facts['tenders'])}"),
        Target(
            "tenders list, awarded, last page",
            "officer",
            f"/tenders/?status=awarded&page={last(facts['awarded'])}",
        ),
        Target("tender page (~20 bids)", "officer", f"/tenders/{t}/"),
        Target("bids, largest tender, page 1", "officer", f"/tenders/{facts['largest']}/bids"),
        Target("result, ~20-bid tender", "officer", f"/tenders/{t}/result"),
        Target("result, largest tender", "officer", f"/tenders/{facts['largest']}/result"),
        Target(
            "moderation dashboard, largest evaluating",
            "officer",
            f"/tenders/{facts['evaluating']}/moderation",
        ),
        Target("tender history, page 1", "auditor", f"/tenders/{t}/history"),
        Target("contracts list, page 1", "auditor", "/contracts/"),
        Target(
            "contracts list, last page", "auditor", f"/contracts/?page={last(facts['contracts'])}"
        ),
        Target("contract page (most returns)", "officer", f"/contracts/{c}/"),
        Target("contract history, page 1", "auditor", f"/contracts/{c}/history"),
        Target(
            "contract history, last page",
            "auditor",
            f"/contracts/{c}/history?page={last(facts['contract_events'], 50)}",
        ),
        Target("transparency page", "anonymous", f"/transparency/contracts/{c}"),
        Target("API tenders, page 1", "api", "/api/v1/tenders?per_page=100"),
        Target(
            "API tenders, last page",
            "api",
            f"/api/v1/tenders?per_page=100&page={last(facts['tenders'], 100)}",
        ),
        Target("API contracts, page 1", "api", "/api/v1/contracts?per_page=100"),
        Target(
            "API bids, largest tender",
            "api",
            f"/api/v1/tenders/{facts['largest']}/bids?per_page=100",
        ),
        Target("API returns of a contract", "api", f"/api/v1/contracts/{c}/returns?per_page=100"),
        Target("API audit log, page 1", "api", "/api/v1/audit-events?per_page=100"),
        Target(
            "API audit log, last page",
            "api",
            f"/api/v1/audit-events?per_page=100&page={last(facts['events'], 100)}",
        ),
        Target(
            "API audit log of a tender",
            "api",
            f"/api/v1/audit-events?per_page=100&tender_id={facts['contract_tender']}",
        ),
    ]


# -- timing ---------------------------------------------------------------------------------


@contextlib.contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def client_for(installation: Installation, role: str) -> Callable[[str], Any]:
    client = installation.app.test_client()
    if role == "api":
        headers = {"Authorization": f"Bearer {installation.token}"}
        return lambda url: client.get(url, headers=headers)
    if role != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = str(installation.users[role])
            session["_fresh"] = True
    return client.get


def measure(installation: Installation, target: Target, repeat: int) -> Measure:
    get = client_for(installation, target.role)
    response = get(target.url)  # warm-up: templates compiled, caches filled
    status = response.status_code
    with statements(installation.app) as seen:
        get(target.url)
    count = len(seen)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = get(target.url)
        samples.append(time.perf_counter() - start)
        status = max(status, response.status_code)
    samples.sort()
    p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
    return Measure(statistics.median(samples), p95, count, status, samples)


# -- query plans ----------------------------------------------------------------------------


@dataclass
class PlanCheck:
    why: str
    index: str
    sql: str
    #: The index this one replaced (name, columns), recreated for the "before" plan.
    replaced: tuple[str, str, str] | None = None


def plan_checks(facts: dict[str, Any], officer_id: int) -> list[PlanCheck]:
    """The app's own queries (compiled from the services) behind each index of the migration."""
    from socialvalue.models import AuditEvent, Contract, User
    from socialvalue.services import tenders as tender_service

    def compiled(query: Any) -> str:
        from sqlalchemy.dialects import postgresql

        return str(
            query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )

    officer = User(id=officer_id, role="officer")
    last_page = (max(1, math.ceil(facts["tenders"] / PER_PAGE)) - 1) * PER_PAGE
    return [
        PlanCheck(
            "tenders list, newest first (page 1)",
            "ix_tenders_created_at_id",
            compiled(tender_service.tenders_query(officer).limit(PER_PAGE)),
        ),
        PlanCheck(
            "tenders list, last page",
            "ix_tenders_created_at_id",
            compiled(tender_service.tenders_query(officer).limit(PER_PAGE).offset(last_page)),
        ),
        PlanCheck(
            "tenders list filtered by status (cancelled, page 1)",
            "ix_tenders_status_created_at_id",
            compiled(tender_service.tenders_query(officer, "cancelled").limit(PER_PAGE)),
            ("ix_tenders_status", "tenders", "status"),
        ),
        PlanCheck(
            "tenders list filtered by status (awarded, last page)",
            "ix_tenders_status_created_at_id",
            compiled(
                tender_service.tenders_query(officer, "awarded")
                .limit(PER_PAGE)
                .offset((max(1, math.ceil(facts["awarded"] / PER_PAGE)) - 1) * PER_PAGE)
            ),
            ("ix_tenders_status", "tenders", "status"),
        ),
        PlanCheck(
            "a tender's history (page 1)",
            "ix_audit_events_tender_id_sequence",
            compiled(
                sa.select(AuditEvent)
                .where(AuditEvent.tender_id == facts["typical"])
                .order_by(AuditEvent.sequence.desc())
                .limit(50)
            ),
            ("ix_audit_events_tender_id", "audit_events", "tender_id"),
        ),
        PlanCheck(
            "a contract's history (page 1)",
            "ix_audit_events_contract_id_sequence",
            compiled(
                sa.select(AuditEvent)
                .where(AuditEvent.contract_id == facts["contract"])
                .order_by(AuditEvent.sequence.desc())
                .limit(50)
            ),
            ("ix_audit_events_contract_id", "audit_events", "contract_id"),
        ),
        PlanCheck(
            "the audit log filtered by action (API, page 1)",
            "ix_audit_events_action_sequence",
            compiled(
                sa.select(AuditEvent)
                .where(AuditEvent.action == "tender.awarded")
                .order_by(AuditEvent.sequence.desc())
                .limit(100)
            ),
            ("ix_audit_events_action", "audit_events", "action"),
        ),
        PlanCheck(
            "contracts list, newest start first (page 1)",
            "ix_contracts_start_date_id",
            compiled(
                sa.select(Contract)
                .order_by(Contract.start_date.desc(), Contract.id.desc())
                .limit(PER_PAGE)
            ),
        ),
    ]


def explain(connection: sa.Connection, sql: str, tries: int = 3) -> tuple[float, str]:
    """Best execution time of ``tries`` EXPLAIN ANALYZE runs (ms), and the plan's node types."""
    best = math.inf
    nodes = ""
    for _ in range(tries):
        plan = connection.execute(sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).scalar_one()
        if isinstance(plan, str):
            plan = json.loads(plan)
        root = plan[0]
        best = min(best, float(root["Execution Time"]))
        nodes = "; ".join(plan_nodes(root["Plan"]))
    return best, nodes


def plan_nodes(node: dict[str, Any]) -> list[str]:
    """The plan's node types, depth first, with the index or table each one reads."""
    kinds: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop(0)
        kind = current["Node Type"]
        if "Index Name" in current:
            kind += f" using {current['Index Name']}"
        elif "Relation Name" in current:
            kind += f" on {current['Relation Name']}"
        if kind not in kinds and current["Node Type"] != "Limit":
            kinds.append(kind)
        stack[:0] = current.get("Plans", [])
    return kinds


def check_plans(url: str, checks: list[PlanCheck]) -> None:
    engine = sa.create_engine(url)
    print()
    print("Query plans on the large installation: with the index, and as before the migration")
    print("(the index dropped and the single-column index it replaced put back, in a")
    print("transaction rolled back afterwards); best of 3 EXPLAIN ANALYZE runs.")
    for check in checks:
        with engine.connect() as connection:
            with_index, plan_with = explain(connection, check.sql)
            connection.rollback()
            transaction = connection.begin()
            try:
                connection.execute(sa.text(f'DROP INDEX IF EXISTS "{check.index}"'))
                if check.replaced is not None:
                    name, table, column = check.replaced
                    connection.execute(sa.text(f'CREATE INDEX "{name}" ON "{table}" ("{column}")'))
                without, plan_without = explain(connection, check.sql)
            finally:
                transaction.rollback()
        print()
        print(f"  {check.why}  [{check.index}]")
        print(f"    before: {without:9.2f} ms  {plan_without}")
        print(f"    after:  {with_index:9.2f} ms  {plan_with}")
    engine.dispose()


# -- the run ----------------------------------------------------------------------------------


def build(
    cluster: Any, name: str, sizes: Sizes, instance: Path, seed: int
) -> tuple[str, dict[str, Any]]:
    from servers import migrated_database

    with migrated_database(cluster, name, instance) as url:
        engine = sa.create_engine(url)
        print(
            f"generating {name}: {sizes.tenders:,} tenders, {sizes.bids:,} bids, "
            f"{sizes.delivery_rows:,} delivery rows"
        )
        summary = generate(engine, sizes, seed=seed)
        engine.dispose()
        report(summary)
        return url, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenders", type=int, default=10_000)
    parser.add_argument("--bids", type=int, default=200_000)
    parser.add_argument("--delivery-rows", type=int, default=1_000_000)
    parser.add_argument("--small-tenders", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url", help="the large installation's database (with --reuse: already there)"
    )
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip-plans", action="store_true")
    args = parser.parse_args(argv)
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url")

    from servers import PostgresCluster

    from socialvalue.config import normalise_database_url

    scale = args.small_tenders / args.tenders
    small = Sizes(args.small_tenders, round(args.bids * scale), round(args.delivery_rows * scale))
    large = Sizes(args.tenders, args.bids, args.delivery_rows)
    instance = Path(tempfile.mkdtemp(prefix="socialvalue-bench-pages-"))
    with PostgresCluster() as cluster:
        started = time.perf_counter()
        small_url, _ = build(cluster, "small", small, instance, args.seed)
        if args.database_url:
            large_url = normalise_database_url(args.database_url)
            if not args.reuse:
                print("generating the large installation into --database-url")
                engine = sa.create_engine(large_url)
                report(generate(engine, large, seed=args.seed))
                engine.dispose()
        else:
            large_url, _ = build(cluster, "large", large, instance, args.seed)
        print(f"\ninstallations ready in {time.perf_counter() - started:.0f} s")
        installations = [
            prepare("small", small_url, instance),
            prepare("large", large_url, instance),
        ]
        for installation in installations:
            f = installation.facts
            print(
                f"{installation.label}: {f['tenders']:,} tenders, {f['bids']:,} bids, "
                f"{f['contracts']:,} contracts, {f['lines']:,} delivery rows, "
                f"{f['events']:,} audit events; typical tender {f['typical_bids']} bids, "
                f"largest {f['largest_bids']}, largest being evaluated {f['evaluating_bids']}, "
                f"contract with {f['contract_returns']} returns"
            )
        print()
        header = (
            f"{'page':<42}{'large ms':>10}{'p95':>8}{'SQL':>5}"
            f"{'small ms':>10}{'SQL':>5}{'large/small':>13}"
        )
        print(header)
        print("-" * len(header))
        failures = []
        plans = {i.label: targets(i.facts) for i in installations}
        for small_target, large_target in zip(plans["small"], plans["large"], strict=True):
            small_m = measure(installations[0], small_target, args.repeat)
            large_m = measure(installations[1], large_target, args.repeat)
            for label, target, m in (
                ("small", small_target, small_m),
                ("large", large_target, large_m),
            ):
                if m.status != 200:
                    failures.append(f"{label} {target.url}: HTTP {m.status}")
            ratio = large_m.median / small_m.median if small_m.median else math.inf
            print(
                f"{large_target.name:<42}{large_m.median * 1000:>10.1f}{large_m.p95 * 1000:>8.1f}"
                f"{large_m.statements:>5}{small_m.median * 1000:>10.1f}{small_m.statements:>5}"
                f"{ratio:>12.2f}x"
            )
        print()
        print(
            "Lists are 25 rows a page (the API's 100); 'result' pages re-run the scoring engine "
            "on the tender's own bids, so they grow with that tender, not with the installation."
        )
        if not args.skip_plans:
            check_plans(
                large_url,
                plan_checks(installations[1].facts, installations[1].users["officer"]),
            )
        for installation in installations:
            with installation.app.app_context():
                db.engine.dispose()
        if failures:
            print("\nFAILED:", *failures, sep="\n  ")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
