"""Generate a realistic large installation of socialvalue, straight into its database.

    .venv/bin/python benchmarks/large_installation.py --database-url URL \\
        [--tenders 10000] [--bids 200000] [--delivery-rows 1000000] [--seed 2026] [--migrate]

Six years of a Greater Manchester-wide service: buyer officers at 14 public bodies set up
tenders pinned to a framework version (the GM Social Value Framework 2020 mostly; PPN 06/20 and
PPN 002 too) with quality questions, social value measures and pass/fail gates; suppliers bid
(online or recorded by an officer), evaluators and citizen/VCSE panel members score, officers
moderate and award; each award becomes a contract whose social value commitments are KPIs,
with a delivery return for (nearly) every reporting period and every figure verified, queried
or rejected. Tenders end up in every state: draft, published and open for bids, "evaluating"
(published, bidding closed, not yet awarded), awarded and cancelled.

A **delivery row** is one figure of a delivery return: a ``return_lines`` row, one KPI's
reported quantity for one reporting period, with its verification. ``--delivery-rows`` is the
exact number of those rows (when the contracts' terms allow that many).

Every row is what the services would have written (the same columns, the same audit payloads),
but it is written in bulk: PostgreSQL ``COPY`` on PostgreSQL, batched inserts elsewhere. The
rules the application itself applies are reused, not copied: evaluation plans come from
``services.tenders.build_plan`` and are checked by the scoring engine; each award stores the
engine's own result for the tender's bundle (``scoring.score_tender``; computed in worker
processes); contract statuses come from ``services.contracts.contract_view``; the audit log is
one hash chain computed with ``services.audit.compute_event_hash``, continuing from the chain
head already in the database, so ``flask audit verify`` passes.

The installation is generated from ``--seed`` relative to today (open tenders have deadlines
ahead of now). Everyone's password is ``SCALE_PASSWORD`` below (generated data only).
"""

from __future__ import annotations

import abc
import argparse
import bisect
import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import heapq
import itertools
import json
import math
import operator
import os
import queue
import random
import resource
import sys
import threading
import time
import types
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from socialvalue import delivery, scoring
from socialvalue.models import Base
from socialvalue.models.audit import GENESIS_HASH, AuditEvent
from socialvalue.models.contract import LineStatus
from socialvalue.models.tender import Criterion, Gate, Tender
from socialvalue.services import accounts
from socialvalue.services import contracts as contract_service
from socialvalue.services import tenders as tender_service
from socialvalue.services.audit import compute_event_hash, to_jsonable
from socialvalue.services.bids import bid_label

SCALE_PASSWORD = "scale-installation-password-2026"  # noqa: S105 - generated data only
YEARS = 6
DEFAULT_SIZES = (10_000, 200_000, 1_000_000)
ONE_DAY = dt.timedelta(days=1)
UTC = dt.UTC

# -- the people and places of Greater Manchester ------------------------------------------------

#: (reference code, name, relative share of tenders)
BUYERS = (
    ("MCC", "Manchester City Council", 16),
    ("SCC", "Salford City Council", 8),
    ("BOL", "Bolton Council", 7),
    ("BRY", "Bury Council", 5),
    ("OLD", "Oldham Council", 6),
    ("RBC", "Rochdale Borough Council", 6),
    ("STO", "Stockport Council", 7),
    ("TMB", "Tameside Council", 6),
    ("TRA", "Trafford Council", 6),
    ("WIG", "Wigan Council", 7),
    ("GMCA", "Greater Manchester Combined Authority", 9),
    ("TFGM", "Transport for Greater Manchester", 7),
    ("GMFRS", "Greater Manchester Fire and Rescue Service", 3),
    ("NHSGM", "NHS Greater Manchester", 7),
)
PLACES = (
    "Ancoats",
    "Ashton-under-Lyne",
    "Atherton",
    "Bolton",
    "Bramhall",
    "Bury",
    "Cheadle",
    "Chorlton",
    "Denton",
    "Didsbury",
    "Eccles",
    "Failsworth",
    "Farnworth",
    "Heywood",
    "Hulme",
    "Hyde",
    "Irlam",
    "Leigh",
    "Levenshulme",
    "Littleborough",
    "Middleton",
    "Moss Side",
    "Oldham",
    "Partington",
    "Prestwich",
    "Radcliffe",
    "Ramsbottom",
    "Rochdale",
    "Royton",
    "Sale",
    "Salford",
    "Stalybridge",
    "Stockport",
    "Stretford",
    "Swinton",
    "Tyldesley",
    "Urmston",
    "Walkden",
    "Westhoughton",
    "Wigan",
    "Withington",
    "Wythenshawe",
)
SERVICES = (
    ("Home care services", "Care and support at home for adults with eligible needs."),
    ("Highways maintenance", "Carriageway and footway repairs, gully cleansing and patching."),
    ("School catering", "Nutritious school meals, kitchen staffing and food education."),
    ("Grounds maintenance", "Parks, verges and cemeteries: mowing, planting and litter."),
    ("Facilities management", "Cleaning, security and planned maintenance of civic buildings."),
    ("Supported housing", "Accommodation with support for young people leaving care."),
    ("Youth services", "Open-access youth work, detached outreach and holiday activities."),
    ("Domestic abuse support", "Refuge places, outreach and children's support workers."),
    ("IT managed services", "Service desk, end-user devices and network management."),
    ("Waste collection vehicles", "Supply and maintenance of refuse collection vehicles."),
    ("Street lighting renewal", "Replacement of columns and lanterns with LED units."),
    ("Community transport", "Door-to-door transport for people who cannot use buses."),
    ("Library refurbishment", "Design and build refurbishment of a district library."),
    ("Employment support", "Coaching and job brokerage for people out of work."),
    ("Energy efficiency retrofit", "Insulation and heat pumps for council-owned homes."),
    ("Temporary accommodation", "Self-contained temporary homes for homeless households."),
    ("Bus shelter maintenance", "Cleaning, repair and replacement of bus shelters."),
    ("Occupational health", "Occupational health and employee assistance programme."),
    ("Legal services", "External legal advice on property and procurement matters."),
    ("Recruitment services", "Temporary and interim staff for social care teams."),
    ("Leisure centre management", "Operation of swimming pools and leisure centres."),
    ("Fleet fuel cards", "Fuel cards and charging for the council fleet."),
    ("Mental health peer support", "Peer support and social prescribing in the community."),
    ("Print and mail services", "Design, print and hybrid mail."),
)
SUPPLIER_FIRST = (
    "Northern",
    "Pennine",
    "Irwell",
    "Mersey",
    "Medlock",
    "Tame",
    "Roch",
    "Irk",
    "Bridgewater",
    "Red Rose",
    "Mancunian",
    "Salford Quays",
    "Peak",
    "Moorside",
    "Cotton",
    "Mill",
    "Canal",
    "Viaduct",
    "Beacon",
    "Lowry",
    "Hallé",
    "Ringway",
    "Worsley",
    "Dunham",
    "Haigh",
    "Etherow",
    "Hartshead",
    "Werneth",
    "Saddleworth",
    "Crompton",
    "Wardle",
    "Holcombe",
    "Croal",
    "Kersal",
)
SUPPLIER_TRADE = (
    "Facilities",
    "Care",
    "Community Services",
    "Building Services",
    "Maintenance",
    "Catering",
    "Grounds",
    "Transport",
    "Digital",
    "Housing Support",
    "Energy",
    "Environmental",
    "Cleaning",
    "Security",
    "Consulting",
    "Construction",
    "Recycling",
    "Health",
    "Training",
    "Print",
)
SUPPLIER_SUFFIX = ("Ltd", "Ltd", "Ltd", "Limited", "plc", "CIC", "LLP", "Group Ltd", "Trust")
FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ellie",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jess",
    "Kwame",
    "Laura",
    "Mo",
    "Niamh",
    "Oliver",
    "Priya",
    "Qasim",
    "Rachel",
    "Sam",
    "Tariq",
    "Usha",
    "Vikram",
    "Wendy",
    "Xin",
    "Yusuf",
    "Zara",
    "Aaron",
    "Bethany",
    "Connor",
    "Deborah",
)
LAST_NAMES = (
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fletcher",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lee",
    "Murphy",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Taylor",
    "Uddin",
    "Walsh",
    "Williams",
    "Young",
    "Zielinski",
    "Begum",
    "Kaur",
    "Singh",
)
PANEL_ORGS = (
    "Salford CVS",
    "Citizen panel, Oldham",
    "Macc (Manchester VCSE)",
    "Bolton CVS",
    "Action Together",
    "Citizen panel, Wigan",
    "Stockport Homes residents",
    "Bury VCFA",
    "Trafford Community Collective",
    "Rochdale Borough Council for Voluntary Service",
)
QUALITY_QUESTIONS = (
    (
        "Service delivery approach",
        "Describe how you will deliver the service, including "
        "response times, quality checks and how you will handle peaks in demand.",
    ),
    (
        "Staffing and resilience",
        "Explain your staffing model, cover arrangements and how you "
        "will keep the service running during sickness and holidays.",
    ),
    (
        "Mobilisation plan",
        "Set out your plan for the first 90 days, with milestones and the risks you foresee.",
    ),
    ("Safeguarding", "How will you keep children and adults at risk safe, and report concerns?"),
    (
        "Contract management",
        "How will you report performance and work with the buyer to "
        "improve the service over the contract?",
    ),
    ("Health and safety", "Describe your health and safety management for this work."),
    ("Service user involvement", "How will people who use the service shape how it is run?"),
)
RESPONSE_SENTENCES = (
    "We already deliver a similar service for two Greater Manchester boroughs.",
    "Our team leader will hold a fortnightly review with the contract manager.",
    "We will recruit locally through the borough's employment hubs and Jobcentre Plus.",
    "Every member of staff completes induction, safeguarding and equality training.",
    "We use a digital job management system with photographs before and after each visit.",
    "Response times are monitored daily and reported monthly against the targets.",
    "We will work with local VCSE organisations on volunteering and community days.",
    "Our electric vans will cover most of the routes from the second year.",
    "Apprentices will be recruited each September with a local college.",
    "Complaints are acknowledged within two working days and resolved within ten.",
    "We pay at least the Real Living Wage to everyone working on the contract.",
    "We will publish an annual social value report with verified figures.",
    "A dedicated mobilisation manager will lead the first three months.",
    "We hold ISO 9001 and ISO 14001 certification.",
    "Our supply chain spend in Greater Manchester was 68% last year.",
)
RATIONALES = (
    "Clear and specific, with evidence from a comparable contract.",
    "Meets the requirement but gives little detail on delivery.",
    "Strong local commitments with named partners.",
    "Generic answer; not specific to Greater Manchester.",
    "Good detail on staffing; weaker on contingency.",
    "Exceeds the requirement with a credible, costed plan.",
    "Partly answers the question; timescales unclear.",
    "Well evidenced and realistic.",
    "Some good points but several commitments are vague.",
    "No evidence offered for the claims made.",
)
CONSENSUS_REASONS = (
    "Agreed at the moderation meeting after discussing the evidence.",
    "Panel view accepted: the answer is generic.",
    "Moderated up: the mobilisation detail was overlooked by one evaluator.",
    "Moderated down: claims were not evidenced.",
    "Evaluators agreed the middle score reflects the answer.",
)
NARRATIVES = (
    "Figures from our HR and payroll systems for the period.",
    "Delivery on track; see the attached summary.",
    "Two apprentices started this period; one placement ended early.",
    "Volunteering days with local food banks and schools.",
    "Spend figures from our purchase ledger, GM postcodes only.",
    "Lower than planned because of a delayed site start.",
    "",
)
QUERIES = (
    "Please send the payroll extract behind this figure.",
    "Which postcodes were counted as Greater Manchester?",
    "Please confirm these are new starts in this period.",
)
ANSWERS = (
    "Extract attached; the figure is unchanged.",
    "Only M, BL, OL, SK, WN and WA postcodes within GM were counted.",
    "Confirmed: all were new starts in this period.",
)
REJECTIONS = (
    "The evidence does not support this figure.",
    "These starts were counted in the previous period.",
)
AWARD_RATIONALES = (
    "Award to the highest-ranked compliant bid, as the published evaluation plan requires.",
    "The highest-scoring bid offers the best overall value, including its social value.",
)
#: Quantity ranges per unit for commitments over a whole contract (scaled by value).
UNIT_RANGES = {
    "percent of contract workforce": (Decimal(60), Decimal(100), 0),
    "percent of contract vehicle-miles": (Decimal(5), Decimal(80), 0),
    "miles": (Decimal(500), Decimal(60000), 0),
    "FTE-years": (Decimal(1), Decimal(40), 1),
    "starts": (Decimal(1), Decimal(20), 0),
    "placement-weeks": (Decimal(4), Decimal(200), 0),
    "hours": (Decimal(40), Decimal(3000), 0),
    "GBP": (Decimal(5000), Decimal(400000), 2),
    "tCO2e": (Decimal(5), Decimal(500), 1),
}
WEIGHT_PRESETS = (
    (40, 40, 20),
    (50, 30, 20),
    (60, 30, 10),
    (30, 50, 20),
    (40, 30, 30),
    (45, 35, 20),
)
TERM_YEARS = (2, 3, 3, 4, 5, 5, 7)
#: Why officers cancel tenders (one is chosen for each cancelled tender).
CANCELLATION_REASONS = (
    "The budget for this service was withdrawn.",
    "The requirement changed after publication; a new tender will be run with a revised plan.",
    "Too few compliant bids were received to secure value for money.",
    "The service is being brought in house.",
    "Demand fell below the level the contract was sized for.",
)

# -- sizes and helpers ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sizes:
    tenders: int = DEFAULT_SIZES[0]
    bids: int = DEFAULT_SIZES[1]
    delivery_rows: int = DEFAULT_SIZES[2]


class RawJson(str):
    """A JSON document already serialised (written as is by COPY)."""


def _d(value: float | int | str, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def _split(total: int, count: int, rng: random.Random) -> list[Decimal]:
    """``count`` whole-number weights (at least 1 each) summing exactly to ``total``."""
    if count == 0:
        return []
    cuts = sorted(rng.sample(range(1, total), count - 1)) if count > 1 else []
    bounds = [0, *cuts, total]
    return [Decimal(bounds[i + 1] - bounds[i]) for i in range(count)]


def _working_time(rng: random.Random, day: dt.date) -> dt.datetime:
    while day.weekday() >= 5:
        day += ONE_DAY
    seconds = rng.randrange(8 * 3600 + 1800, 17 * 3600 + 1800)
    micro = rng.randrange(1_000_000)
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) + dt.timedelta(
        seconds=seconds, microseconds=micro
    )


def _after(rng: random.Random, moment: dt.datetime, low: float, high: float) -> dt.datetime:
    """A moment ``low``..``high`` days after ``moment`` (to the microsecond)."""
    return moment + dt.timedelta(seconds=rng.uniform(low, high) * 86400)


def _first_of_month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.sample(RESPONSE_SENTENCES, sentences))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


# -- writing rows -------------------------------------------------------------------------------


class Sink(abc.ABC):
    """Buffers rows per table and writes them in dependency order (parents first); how rows
    reach the database is the subclass's: COPY on PostgreSQL, batched INSERTs elsewhere."""

    BATCH = 50_000

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.tables = {t.name: t for t in Base.metadata.sorted_tables}
        self.order = [t.name for t in Base.metadata.sorted_tables]
        self.buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.pending = 0
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.next_ids: dict[str, int] = {}
        self.index_seconds: dict[str, float] = defaultdict(float)
        self._defaults: dict[str, list[tuple[str, Any, bool]]] = {}
        self._getters: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {}
        with engine.connect() as connection:
            for name, table in self.tables.items():
                if "id" in table.c:
                    top = connection.execute(sa.select(sa.func.max(table.c.id))).scalar()
                    self.next_ids[name] = (top or 0) + 1
        for name, table in self.tables.items():
            columns = []
            for column in table.columns:
                default = column.default
                scalar = default is not None and default.is_scalar
                columns.append(
                    (column.name, default.arg if scalar else None, scalar or column.nullable)
                )
            self._defaults[name] = columns
            self._getters[name] = operator.itemgetter(*(c for c, _, _ in columns))

    def new_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.buffers[table].append(row)
        self.pending += 1
        if self.pending >= self.BATCH:
            self.flush()

    def _tuples(self, table: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        columns = self._defaults[table]
        for name, _, optional in columns:  # (a row missing a value would fail NOT NULL)
            if not optional and name not in rows[0]:
                raise KeyError(f"{table}.{name} has no value and no default")
        getter = self._getters[table]
        try:
            return [getter(row) for row in rows]  # every column given: the fast path
        except KeyError:
            pairs = [(name, default) for name, default, _ in columns]
            return [tuple([row.get(name, default) for name, default in pairs]) for row in rows]

    def flush(self) -> None:
        for name in self.order:
            rows = self.buffers.pop(name, None)
            if not rows:
                continue
            start = time.perf_counter()
            self.write(name, self._tuples(name, rows))
            self.seconds[name] += time.perf_counter() - start
            self.rows[name] += len(rows)
        self.pending = 0

    @abc.abstractmethod
    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Write ``rows`` (tuples in the table's column order) to ``table``."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[dict[str, Any]] | None = None) -> None:
        """Run one statement after the rows written so far."""

    @abc.abstractmethod
    def close(self, log: Callable[[str], None] = print) -> None:
        """Finish writing (indexes and constraints back, statistics) and release the database."""


class CopySink(Sink):
    """PostgreSQL: COPY ... FROM STDIN in one transaction, from a writer thread (so that
    generating rows and the server storing them overlap). The loaded tables' foreign keys,
    unique constraints and secondary indexes are dropped first and rebuilt at the end, in the
    same transaction: building an index once is far faster than updating it row by row (a
    failure rolls everything back, constraints included)."""

    LOADED = (
        "users",
        "api_tokens",
        "tenders",
        "criteria",
        "gates",
        "tender_members",
        "bids",
        "bid_commitments",
        "bid_responses",
        "bid_gate_answers",
        "individual_scores",
        "consensus_scores",
        "award_decisions",
        "contracts",
        "contract_members",
        "kpis",
        "delivery_returns",
        "return_lines",
        "audit_events",
    )

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self.connection = engine.raw_connection()
        self.driver = cast(Any, self.connection).driver_connection
        self.json_columns = {
            name: [i for i, column in enumerate(table.columns) if isinstance(column.type, sa.JSON)]
            for name, table in self.tables.items()
        }
        with self.driver.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
            cursor.execute("SET maintenance_work_mem TO '256MB'")
        self.rebuild: list[tuple[str, str]] = self._drop_constraints()
        self.queue: queue.Queue[tuple[str, list[tuple[Any, ...]]] | None] = queue.Queue(3)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._writer, name="copy-writer", daemon=True)
        self.thread.start()

    def _drop_constraints(self) -> list[tuple[str, str]]:
        """Drop what slows COPY down; return (name, DDL) to rebuild it, indexes first."""
        dialect = self.engine.dialect
        drops: list[str] = []
        indexes: list[tuple[str, str]] = []
        keys: list[tuple[str, str]] = []
        for name in self.LOADED:
            table = self.tables[name]
            for constraint in table.constraints:
                if isinstance(constraint, sa.ForeignKeyConstraint):
                    ddl = str(sa.schema.AddConstraint(constraint).compile(dialect=dialect))
                    keys.append((f"{name}.{constraint.name}", ddl))
                    drops.insert(0, f'ALTER TABLE "{name}" DROP CONSTRAINT "{constraint.name}"')
                elif isinstance(constraint, sa.UniqueConstraint):
                    ddl = str(sa.schema.AddConstraint(constraint).compile(dialect=dialect))
                    indexes.append((f"{name}.{constraint.name}", ddl))
                    drops.append(f'ALTER TABLE "{name}" DROP CONSTRAINT "{constraint.name}"')
            for index in table.indexes:
                ddl = str(sa.schema.CreateIndex(index).compile(dialect=dialect))
                indexes.append((f"{name}.{index.name}", ddl))
                drops.append(f'DROP INDEX "{index.name}"')
        with self.driver.cursor() as cursor:
            for statement in drops:
                cursor.execute(statement)
        return indexes + keys

    def _writer(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.failure is not None:
                continue
            table, rows = item
            try:
                start = time.perf_counter()
                self._copy(table, rows)
                self.seconds[table] += time.perf_counter() - start
            except BaseException as error:
                self.failure = error

    def _copy(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(f'"{c}"' for c, _, _ in self._defaults[table])
        json_at = self.json_columns[table]
        with (
            self.driver.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
        ):
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        value = row[i]
                        if value is not None and not isinstance(value, RawJson):
                            row[i] = json.dumps(value, ensure_ascii=False)
                copy.write_row(row)

    def flush(self) -> None:
        for name in self.order:
            rows = self.buffers.pop(name, None)
            if rows:
                self.write(name, self._tuples(name, rows))
                self.rows[name] += len(rows)
        self.pending = 0

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        if self.failure is not None:
            raise self.failure
        if not self.thread.is_alive():
            raise RuntimeError("rows written after the COPY writer finished")
        self.queue.put((table, rows))

    def _drain(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None:
            raise self.failure

    def execute(self, sql: str, params: Sequence[dict[str, Any]] | None = None) -> None:
        if self.thread.is_alive():
            self._drain()
        with self.driver.cursor() as cursor:
            if params:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql)

    def close(self, log: Callable[[str], None] = print) -> None:
        self.flush()
        if self.thread.is_alive():
            self._drain()
        start = time.perf_counter()
        with self.driver.cursor() as cursor:
            for name, ddl in self.rebuild:
                begin = time.perf_counter()
                cursor.execute(ddl)
                table = name.split(".")[0]
                self.index_seconds[table] += time.perf_counter() - begin
            for name, table in self.tables.items():
                if "id" in table.c and self.rows.get(name):
                    # Table names from our own metadata, never from input.
                    sql = f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    sql += f'(SELECT max(id) FROM "{name}"))'  # noqa: S608
                    cursor.execute(sql)
        log(
            f"rebuilt {len(self.rebuild)} indexes and constraints in "
            f"{time.perf_counter() - start:.0f} s"
        )
        self.driver.commit()
        self.connection.close()


class InsertSink(Sink):
    """Any database (SQLite in the tests): batched INSERTs through SQLAlchemy Core."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self.connection = engine.connect()
        self.transaction = self.connection.begin()

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        names = [c for c, _, _ in self._defaults[table]]
        json_names = {c.name for c in self.tables[table].columns if isinstance(c.type, sa.JSON)}
        dicts = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            for name in json_names:
                if isinstance(record[name], RawJson):
                    record[name] = json.loads(record[name])
            dicts.append(record)
        self.connection.execute(self.tables[table].insert(), dicts)

    def execute(self, sql: str, params: Sequence[dict[str, Any]] | None = None) -> None:
        if params:
            self.connection.execute(sa.text(sql), list(params))
        else:
            self.connection.execute(sa.text(sql))

    def close(self, log: Callable[[str], None] = print) -> None:
        self.flush()
        self.transaction.commit()
        self.connection.close()


# -- the framework library and the people ---------------------------------------------------


@dataclasses.dataclass
class Version:
    id: int
    framework_id: str
    version: str
    content_hash: str
    effective_from: dt.date
    qualitative: list[dict[str, Any]]
    quantitative: list[dict[str, Any]]
    pass_fail: list[dict[str, Any]]
    themes: dict[str, str]

    @property
    def key(self) -> str:
        return f"{self.framework_id}@{self.version}"


def load_versions(connection: sa.Connection) -> dict[str, Version]:
    versions: dict[str, Version] = {}
    rows = connection.execute(
        sa.text(
            "SELECT id, framework_id, version, content_hash, effective_from FROM framework_versions"
        )
    ).all()
    for row in rows:
        effective = row.effective_from
        if isinstance(effective, str):
            effective = dt.date.fromisoformat(effective)
        version = Version(
            row.id, row.framework_id, row.version, row.content_hash, effective, [], [], [], {}
        )
        measures = connection.execute(
            sa.text(
                "SELECT id, code, title, description, kind, unit, scale, evidence_expected, "
                "theme_code FROM framework_measures WHERE framework_version_id = :v "
                "ORDER BY position"
            ),
            {"v": row.id},
        ).all()
        for m in measures:
            scale = m.scale
            if isinstance(scale, str):
                scale = json.loads(scale)
            record = dict(m._mapping) | {"scale": scale}
            getattr(version, m.kind).append(record)
        for theme in connection.execute(
            sa.text("SELECT code, title FROM framework_themes WHERE framework_version_id = :v"),
            {"v": row.id},
        ):
            version.themes[theme.code] = theme.title
        versions[version.key] = version
    return versions


@dataclasses.dataclass
class Person:
    id: int
    email: str
    name: str
    role: str
    organisation: str | None

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


# -- the plan of one tender -----------------------------------------------------------------


@dataclasses.dataclass
class CriterionPlan:
    id: int
    code: str
    title: str
    question: str
    group: str
    kind: str
    weight: Decimal
    scale_min: int | None = None
    scale_max: int | None = None
    descriptors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    measure: dict[str, Any] | None = None
    unit: str | None = None
    minimum_score: Decimal | None = None
    target: Decimal | None = None
    quantitative_method: str | None = None
    position: int = 0


@dataclasses.dataclass
class TenderPlan:
    index: int
    seed: int
    status: str  # draft, open, evaluating, awarded, cancelled
    created_at: dt.datetime
    buyer: tuple[str, str, int]
    version: Version
    published_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    award_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    cancellation_reason: str = ""
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    bids: int = 0
    kpis: int = 0  # quantitative social value criteria (each becomes a KPI)
    frequency: str = "quarterly"
    #: (period index, submitted at) of each delivery return filed
    returns: list[tuple[int, dt.datetime]] = dataclasses.field(default_factory=list)


# -- the installation -----------------------------------------------------------------------


class Installation:
    """Plans the installation (statuses, dates, sizes), then writes it in time order."""

    def __init__(
        self,
        engine: sa.Engine,
        sizes: Sizes,
        *,
        seed: int = 2026,
        now: dt.datetime | None = None,
        workers: int | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.engine = engine
        self.sizes = sizes
        self.seed = seed
        self.now = (now or dt.datetime.now(UTC)).astimezone(UTC)
        self.today = self.now.date()
        self.start = self.now - dt.timedelta(days=365 * YEARS)
        self.rng = random.Random(seed)
        self.log = log
        if workers is None:
            # One process for the award results beside this one (and the database server).
            workers = max(1, (os.cpu_count() or 2) - 1) if sizes.tenders >= 200 else 0
        self.workers = workers
        with engine.connect() as connection:
            self.versions = load_versions(connection)
            head = connection.execute(
                sa.text("SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1")
            ).first()
            existing = connection.execute(sa.text("SELECT count(*) FROM tenders")).scalar_one()
        if "gm-social-value-framework@2020" not in self.versions:
            raise SystemExit("Load the framework library first: flask frameworks sync")
        if existing:
            raise SystemExit("The database already has tenders: generate into an empty one")
        # Nobody else may use the database meanwhile: the sink holds its tables locked.
        self.sink: Sink = (
            CopySink(engine) if engine.dialect.name == "postgresql" else InsertSink(engine)
        )
        self.sequence = head.last_sequence if head else 0
        self.last_hash = head.last_hash if head else GENESIS_HASH
        self.had_head = head is not None
        self.events = 0
        self.references: set[str] = set()
        self.reference_counter: dict[tuple[str, int], int] = defaultdict(int)
        self.contract_status: list[dict[str, Any]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.nudged = 0

    # -- people -----------------------------------------------------------------------------

    def make_people(self) -> None:
        rng = self.rng
        password_hash = generate_password_hash(SCALE_PASSWORD, method=accounts.PASSWORD_HASH_METHOD)
        scale = max(1, self.sizes.tenders // 10_000)
        self.officers: dict[str, list[Person]] = {}
        self.admins: list[Person] = []
        self.panel: list[Person] = []
        self.auditors: list[Person] = []
        self.supplier_users: dict[str, Person] = {}
        used: set[str] = set()

        def person(role: str, local: str, name: str, organisation: str | None) -> Person:
            email = f"{local}@scale.socialvalue.test"
            assert email not in used
            used.add(email)
            user = Person(self.sink.new_id("users"), email, name, role, organisation)
            joined = _working_time(rng, (self.start - dt.timedelta(days=30)).date())
            self.sink.add(
                "users",
                {
                    "id": user.id,
                    "email": email,
                    "display_name": name,
                    "role": role,
                    "organisation": organisation,
                    "password_hash": password_hash,
                    "active": True,
                    "last_sign_in_at": None,
                    "created_at": joined,
                    "updated_at": joined,
                },
            )
            return user

        for number in range(1, 3):
            self.admins.append(person("admin", f"admin{number}", _name(rng), None))
        for code, buyer, share in BUYERS:
            count = max(2, round(share * 0.6 * scale))
            self.officers[code] = [
                person("officer", f"officer.{code.lower()}{n}", _name(rng), buyer)
                for n in range(1, count + 1)
            ]
        for number in range(1, 1 + max(4, 120 * scale if self.sizes.tenders >= 1000 else 8)):
            self.panel.append(person("panel", f"panel{number}", _name(rng), rng.choice(PANEL_ORGS)))
        for number in range(1, 4):
            self.auditors.append(person("auditor", f"auditor{number}", _name(rng), "GM Audit"))
        # Supplier organisations: about one for every 2.5 tenders, half of them online.
        names: list[str] = []
        seen: set[str] = set()
        target = max(30, self.sizes.tenders * 2 // 5)
        while len(names) < target:
            name = (
                f"{rng.choice(SUPPLIER_FIRST)} {rng.choice(SUPPLIER_TRADE)} "
                f"{rng.choice(SUPPLIER_SUFFIX)}"
            )
            if len(seen) > 0.8 * len(SUPPLIER_FIRST) * len(SUPPLIER_TRADE) * 3:
                name = f"{name} ({rng.choice(PLACES)})"
            if name not in seen:
                seen.add(name)
                names.append(name)
        self.suppliers = names
        for number, name in enumerate(names):
            if number % 2 == 0:
                self.supplier_users[name] = person(
                    "supplier", f"supplier{number // 2 + 1}", _name(rng), name
                )
        # Popularity: some suppliers bid for a great deal, most for a little.
        self.supplier_weights = list(
            itertools.accumulate(1 / (1 + i) ** 0.6 for i in range(len(names)))
        )
        self.counts["users"] = sum(1 for _ in used)

    def pick_suppliers(self, rng: random.Random, count: int) -> list[str]:
        count = min(count, len(self.suppliers))
        chosen: dict[str, None] = {}
        total = self.supplier_weights[-1]
        while len(chosen) < count:
            index = bisect.bisect_left(self.supplier_weights, rng.random() * total)
            chosen.setdefault(self.suppliers[min(index, len(self.suppliers) - 1)])
        return list(chosen)

    # -- pass 1: statuses, dates and sizes --------------------------------------------------

    def plan(self) -> list[TenderPlan]:
        rng = self.rng
        n = self.sizes.tenders
        shares = (("draft", 6), ("open", 6), ("evaluating", 8), ("cancelled", 4))
        statuses: list[str] = []
        for status, share in shares:
            statuses += [status] * max(1 if n >= 20 else 0, round(n * share / 100))
        statuses += ["awarded"] * (n - len(statuses))
        rng.shuffle(statuses)
        weights = list(itertools.accumulate(share for _, _, share in BUYERS))
        gm = self.versions["gm-social-value-framework@2020"]
        ppn0620 = self.versions.get("uk-social-value-model@ppn-06-20")
        ppn002 = self.versions.get("uk-social-value-model@ppn-002")
        plans = []
        span = (self.now - self.start).total_seconds()
        for index, status in enumerate(statuses):
            t_rng = random.Random(self.seed * 1_000_003 + index)
            buyer = BUYERS[bisect.bisect_left(weights, t_rng.random() * weights[-1])]
            draft_days = t_rng.uniform(5, 35)
            bidding_days = t_rng.uniform(28, 50)
            evaluation_days = t_rng.uniform(25, 75)
            if status == "draft":
                days_ago = t_rng.uniform(1, 45) if t_rng.random() < 0.7 else t_rng.uniform(1, 700)
                created = self.now - dt.timedelta(days=days_ago)
            elif status == "open":
                published = self.now - dt.timedelta(days=t_rng.uniform(0.5, bidding_days - 1))
                created = published - dt.timedelta(days=draft_days)
            elif status == "evaluating":
                deadline = self.now - dt.timedelta(days=t_rng.uniform(1, 110))
                created = deadline - dt.timedelta(days=draft_days + bidding_days)
            else:
                # Awarded and cancelled tenders: any time in the six years, a little more
                # often lately as more buyers joined.
                latest = span - (draft_days + bidding_days + evaluation_days + 2) * 86400
                created = self.start + dt.timedelta(seconds=latest * t_rng.random() ** 0.85)
            created = _working_time(t_rng, created.date())
            created = min(created, self.now - dt.timedelta(hours=1))
            version = gm
            if ppn002 and created.date() >= ppn002.effective_from and t_rng.random() < 0.12:
                version = ppn002
            elif (
                ppn0620
                and dt.date(2021, 1, 1) <= created.date() < dt.date(2025, 2, 24)
                and t_rng.random() < 0.08
            ):
                version = ppn0620
            plan = TenderPlan(index, t_rng.randrange(2**31), status, created, buyer, version)
            if status != "draft":
                plan.published_at = _working_time(
                    t_rng, (created + dt.timedelta(days=draft_days)).date()
                )
                if plan.published_at <= created:
                    plan.published_at = created + dt.timedelta(hours=2)
                plan.published_at = min(plan.published_at, self.now - dt.timedelta(minutes=30))
                deadline_day = (plan.published_at + dt.timedelta(days=bidding_days)).date()
                plan.deadline = dt.datetime.combine(deadline_day, dt.time(12, 0), tzinfo=UTC)
                if status == "open" and plan.deadline <= self.now:
                    plan.deadline = self.now + dt.timedelta(days=t_rng.uniform(1, 30))
                    plan.deadline = plan.deadline.replace(minute=0, second=0, microsecond=0)
                if status != "open" and plan.deadline >= self.now:
                    plan.deadline = (self.now - dt.timedelta(hours=2)).replace(
                        second=0, microsecond=0
                    )
                if status == "awarded":
                    plan.award_at = min(
                        _working_time(
                            t_rng, (plan.deadline + dt.timedelta(days=evaluation_days)).date()
                        ),
                        self.now - dt.timedelta(minutes=5),
                    )
                if status == "cancelled":
                    plan.cancelled_at = min(
                        _after(t_rng, plan.published_at, 3, 60), self.now - dt.timedelta(hours=1)
                    )
                    plan.cancellation_reason = t_rng.choice(CANCELLATION_REASONS)
            expected_award = (
                plan.award_at
                or (plan.deadline + dt.timedelta(days=evaluation_days) if plan.deadline else None)
                or created + dt.timedelta(days=draft_days + bidding_days + evaluation_days)
            )
            plan.contract_start = _first_of_month_after(
                (expected_award + dt.timedelta(days=t_rng.uniform(10, 60))).date()
            )
            plan.contract_end = _add_years(plan.contract_start, t_rng.choice(TERM_YEARS)) - ONE_DAY
            plan.frequency = "monthly" if t_rng.random() < 0.75 else "quarterly"
            plans.append(plan)
        plans.sort(key=lambda p: p.created_at)
        self.allocate_bids(plans)
        self.allocate_delivery(plans)
        return plans

    def allocate_bids(self, plans: list[TenderPlan]) -> None:
        """Heavy-tailed bid counts summing exactly to the target (none for drafts)."""
        rng = self.rng
        eligible = [p for p in plans if p.status != "draft"]
        if not eligible:
            return
        raw = []
        for _plan in eligible:
            if rng.random() < 0.01:
                raw.append(rng.uniform(150, 600))  # frameworks and dynamic purchasing systems
            else:
                raw.append(math.exp(rng.gauss(math.log(12), 0.7)))
        total = sum(raw)
        target = max(self.sizes.bids, len(eligible))
        counts = [max(1, int(r * target / total)) for r in raw]
        order = list(range(len(eligible)))
        while sum(counts) != target:
            rng.shuffle(order)
            difference = target - sum(counts)
            for i in order[: abs(difference)]:
                if difference > 0:
                    counts[i] += 1
                elif counts[i] > 1:
                    counts[i] -= 1
        # Bids are lettered A..Z, AA..: at most 8 characters, plenty.
        for plan, count in zip(eligible, counts, strict=True):
            plan.bids = count

    def allocate_delivery(self, plans: list[TenderPlan]) -> None:
        """KPIs per tender and which delivery returns were filed, for the exact row target."""
        rng = self.rng
        gm_awarded = [p for p in plans if p.status == "awarded" and p.version.quantitative]
        filable: dict[int, list[tuple[int, dt.datetime]]] = {}
        total_periods = 0
        for plan in gm_awarded:
            assert plan.contract_start and plan.contract_end and plan.award_at
            p_rng = random.Random(plan.seed + 7)
            periods = delivery.reporting_periods(
                plan.contract_start, plan.contract_end, plan.frequency
            )
            rows = []
            for period in periods:
                day = period.end + dt.timedelta(days=p_rng.choice((1, 3, 5, 8, 12, 15, 19, 24, 33)))
                submitted = _working_time(p_rng, day)
                if submitted < self.now and submitted > plan.award_at:
                    rows.append((period.number - 1, submitted))
            filable[plan.index] = rows
            total_periods += len(rows)
        target = self.sizes.delivery_rows
        quantitative_max = max((len(p.version.quantitative) for p in plans), default=0)
        # One single-KPI contract with a dozen returns or more lets the count land exactly; the
        # one with the fewest such returns, so that little of the other contracts' room is lost.
        single = min(
            (p for p in gm_awarded if len(filable[p.index]) >= 12),
            key=lambda p: len(filable[p.index]),
            default=max(gm_awarded, key=lambda p: len(filable[p.index]), default=None),
        )
        single_periods = len(filable[single.index]) if single else 0
        rest = total_periods - single_periods
        mean = (target - single_periods) / (0.94 * rest) if rest > 0 else 1
        mean = min(max(mean, 1.0), float(quantitative_max or 1))
        for plan in plans:
            if not plan.version.quantitative:
                plan.kpis = 0
                continue
            k = round(rng.gauss(mean, 1.2))
            plan.kpis = min(max(1, k), len(plan.version.quantitative))
        if single is not None:
            single.kpis = 1
        capacity = sum(len(filable[p.index]) * p.kpis for p in gm_awarded)
        candidates = [(p, i) for p in gm_awarded for i in range(len(filable[p.index]))]
        rng.shuffle(candidates)
        drop: set[tuple[int, int]] = set()
        excess = capacity - target
        # Overdue returns: drop whole returns, the single-KPI contract's last.
        candidates.sort(key=lambda c: c[0].kpis == 1)
        for plan, i in candidates:
            if excess <= 0:
                break
            if plan.kpis <= excess and (i > 0 or plan.kpis == 1):
                drop.add((plan.index, i))
                excess -= plan.kpis
        self.delivery_shortfall = max(0, target - capacity)
        for plan in gm_awarded:
            plan.returns = [
                row for i, row in enumerate(filable[plan.index]) if (plan.index, i) not in drop
            ]

    # -- the audit chain ---------------------------------------------------------------------

    def record(
        self,
        occurred_at: dt.datetime,
        actor: Person | None,
        action: str,
        entity_type: str,
        entity_id: object,
        *,
        tender_id: int | None = None,
        contract_id: int | None = None,
        before: Any = None,
        after: Any = None,
        summary: str = "",
        ready: bool = False,
    ) -> dict[str, Any]:
        """An audit event to append later. ``ready``: before/after are already plain JSON
        (what services.audit.to_jsonable would make of them), built so on the hot paths."""
        if not ready:
            before = to_jsonable(before) if before is not None else None
            after = to_jsonable(after) if after is not None else None
        return {
            "occurred_at": occurred_at,
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "tender_id": tender_id,
            "contract_id": contract_id,
            "before": before,
            "after": after,
            "summary": summary,
        }

    def append_event(self, event: dict[str, Any]) -> None:
        """Chain one event onto the log exactly as services.audit.record_event would."""
        self.sequence += 1
        actor: Person | None = event["actor"]
        row = {
            "id": self.sink.new_id("audit_events"),
            "sequence": self.sequence,
            "occurred_at": event["occurred_at"],
            "actor_id": actor.id if actor else None,
            "actor_label": actor.label if actor else "system",
            "action": event["action"],
            "entity_type": event["entity_type"],
            "entity_id": event["entity_id"],
            "tender_id": event["tender_id"],
            "contract_id": event["contract_id"],
            "summary": event["summary"],
            "before": event["before"],
            "after": event["after"],
            "prev_hash": self.last_hash,
        }
        # compute_event_hash reads the fields of an AuditEvent; a plain namespace carries them.
        row["event_hash"] = compute_event_hash(cast(AuditEvent, types.SimpleNamespace(**row)))
        self.last_hash = row["event_hash"]
        self.sink.add("audit_events", row)
        self.events += 1

    # -- pass 2: everything, in time order ----------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.make_people()
        plans = self.plan()
        self.log(
            f"planned {len(plans):,} tenders in {time.perf_counter() - started:.1f} s: "
            + ", ".join(
                f"{status} {sum(1 for p in plans if p.status == status):,}"
                for status in ("draft", "open", "evaluating", "awarded", "cancelled")
            )
        )
        pool = (
            concurrent.futures.ProcessPoolExecutor(max_workers=self.workers)
            if self.workers
            else None
        )
        self.pool = pool
        try:
            self._merge(plans, started)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        self.finish()
        return self.summary(time.perf_counter() - started)

    def _merge(self, plans: list[TenderPlan], started: float) -> None:
        heap: list[tuple[dt.datetime, int, Iterator[dict[str, Any]], dict[str, Any]]] = []
        counter = itertools.count()
        for plan in plans:
            life = self._in_order(TenderLife(self, plan).events())
            first = next(life, None)
            if first is not None:
                heapq.heappush(heap, (first["occurred_at"], next(counter), life, first))
        last_report = time.perf_counter()
        while heap:
            when, _, life, event = heapq.heappop(heap)
            self.append_event(event)
            following = next(life, None)
            if following is not None:
                heapq.heappush(heap, (following["occurred_at"], next(counter), life, following))
            if time.perf_counter() - last_report > 15:
                last_report = time.perf_counter()
                self.log(
                    f"  {time.perf_counter() - started:6.0f} s  at {when:%Y-%m-%d}: "
                    f"{self.events:,} audit events, "
                    + ", ".join(
                        f"{name} {self.sink.rows[name] + len(self.sink.buffers.get(name, [])):,}"
                        for name in ("tenders", "bids", "individual_scores", "return_lines")
                    )
                )

    def _in_order(self, events: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """One tender's events in time order and never after now (a guard: the plan keeps
        them so; an event nudged here is counted)."""
        last: dt.datetime | None = None
        for event in events:
            when = event["occurred_at"]
            if last is not None and when < last:
                event["occurred_at"] = when = last
                self.nudged += 1
            if when > self.now:
                event["occurred_at"] = when = self.now
                self.nudged += 1
            last = when
            yield event

    def finish(self) -> None:
        sink = self.sink
        sink.flush()
        if self.contract_status:
            sink.execute(
                "UPDATE contracts SET status = %(status)s, version_id = %(version)s "
                "WHERE id = %(id)s"
                if isinstance(sink, CopySink)
                else "UPDATE contracts SET status = :status, version_id = :version WHERE id = :id",
                self.contract_status,
            )
        params = {"s": self.sequence, "h": self.last_hash}
        if isinstance(sink, CopySink):
            sql = (
                "UPDATE audit_chain_head SET last_sequence = %(s)s, last_hash = %(h)s WHERE id = 1"
                if self.had_head
                else "INSERT INTO audit_chain_head (id, last_sequence, last_hash) "
                "VALUES (1, %(s)s, %(h)s)"
            )
        else:
            sql = (
                "UPDATE audit_chain_head SET last_sequence = :s, last_hash = :h WHERE id = 1"
                if self.had_head
                else "INSERT INTO audit_chain_head (id, last_sequence, last_hash) "
                "VALUES (1, :s, :h)"
            )
        sink.execute(sql, [params])
        start = time.perf_counter()
        sink.close(self.log)
        self.close_seconds = time.perf_counter() - start
        if self.engine.dialect.name == "postgresql":
            start = time.perf_counter()
            with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
            self.analyze_seconds = time.perf_counter() - start
        else:
            self.analyze_seconds = 0.0

    def summary(self, seconds: float) -> dict[str, Any]:
        return {
            "seconds": seconds,
            "rows": dict(self.sink.rows),
            "copy_seconds": dict(self.sink.seconds),
            "index_seconds": dict(self.sink.index_seconds),
            "analyze_seconds": self.analyze_seconds,
            "events": self.events,
            "last_sequence": self.sequence,
            "delivery_shortfall": self.delivery_shortfall,
            "nudged": self.nudged,
            "cpu_seconds": resource.getrusage(resource.RUSAGE_SELF).ru_utime
            + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
            "worker_cpu_seconds": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
        }


def _canonical_json(data: object) -> str:
    """``scoring.bundle.canonical_json`` (sorted keys, 2-space indent), byte for byte, but
    built directly: the standard library's indenting encoder is pure Python and several times
    slower, and an award result runs to hundreds of kilobytes. ``_award`` checks the two agree.
    """
    parts: list[str] = []
    add = parts.append
    quote = json.encoder.encode_basestring  # type: ignore[attr-defined]

    def walk(value: object, indent: str) -> None:
        if isinstance(value, str):
            add(quote(value))
        elif isinstance(value, dict):
            if not value:
                add("{}")
                return
            inner = indent + "  "
            add("{\n" + inner)
            for number, key in enumerate(sorted(value)):
                if number:
                    add(",\n" + inner)
                add(quote(key) + ": ")
                walk(value[key], inner)
            add("\n" + indent + "}")
        elif isinstance(value, list | tuple):
            if not value:
                add("[]")
                return
            inner = indent + "  "
            add("[\n" + inner)
            for number, item in enumerate(value):
                if number:
                    add(",\n" + inner)
                walk(item, inner)
            add("\n" + indent + "]")
        else:
            add(json.dumps(value))

    walk(data, "")
    return "".join(parts) + "\n"


_checked_awards = 0


@dataclasses.dataclass(frozen=True)
class Award:
    """What award_tender works out: the engine's status, winner, result hash and the stored
    {bundle, result} document (already JSON), or the pairs still missing."""

    status: str
    winner: str | None = None
    result_hash: str = ""
    document: str = ""
    missing: tuple[tuple[str, str], ...] = ()


def _award(bundle: scoring.TenderBundle) -> Award:
    """Run the engine as award_tender does (in a worker process)."""
    global _checked_awards
    result = scoring.score_tender(bundle)
    if result.status != "final":
        return Award(
            result.status, missing=tuple((m.bid_id, m.criterion_id) for m in result.missing)
        )
    text = _canonical_json(result.to_dict())
    if _checked_awards < 3:  # the first few in each process: the same bytes as the engine's
        _checked_awards += 1
        if text != scoring.result_to_json(result):
            raise AssertionError("_canonical_json differs from scoring.result_to_json")
    document = (
        '{"bundle": '
        + json.dumps(scoring.bundle_to_dict(bundle), ensure_ascii=False)
        + ', "result": '
        + text
        + "}"
    )
    digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return Award(result.status, result.winner_id, digest, document)


class TenderLife:
    """One tender from creation to its last delivery return: rows now, audit events lazily."""

    def __init__(self, installation: Installation, plan: TenderPlan) -> None:
        self.i = installation
        self.plan = plan
        self.rng = random.Random(plan.seed)

    # -- rows ---------------------------------------------------------------------------------

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.i.sink.add(table, row)

    def new_id(self, table: str) -> int:
        return self.i.sink.new_id(table)

    def event(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.i.record(*args, **kwargs)

    # -- set-up ---------------------------------------------------------------------------------

    def _reference(self) -> str:
        code = self.plan.buyer[0]
        year = self.plan.created_at.year
        self.i.reference_counter[(code, year)] += 1
        reference = f"{code}-{year}-{self.i.reference_counter[(code, year)]:04d}"
        assert reference not in self.i.references
        self.i.references.add(reference)
        return reference

    def _criteria(self, tender: Tender) -> list[CriterionPlan]:
        rng, plan = self.rng, self.plan
        version = plan.version
        price, quality, social = rng.choice(WEIGHT_PRESETS)
        self.weights = (Decimal(price), Decimal(quality), Decimal(social))
        questions = rng.sample(QUALITY_QUESTIONS, rng.choice((2, 2, 3, 3, 4)))
        quality_weights = _split(quality, len(questions), rng)
        plans: list[CriterionPlan] = []
        descriptors = [
            {"value": v, "label": label, "description": text}
            for v, label, text in tender_service.DEFAULT_0_TO_5_DESCRIPTORS
        ]
        for number, ((title, question), weight) in enumerate(
            zip(questions, quality_weights, strict=True), 1
        ):
            top = 5 if rng.random() < 0.85 else 10
            plans.append(
                CriterionPlan(
                    id=self.new_id("criteria"),
                    code=f"Q{number}",
                    title=title,
                    question=question,
                    group="quality",
                    kind="qualitative",
                    weight=weight,
                    scale_min=0,
                    scale_max=top,
                    descriptors=descriptors if top == 5 else [],
                    minimum_score=Decimal(1) if number == 1 and rng.random() < 0.3 else None,
                )
            )
        social_measures: list[dict[str, Any]] = []
        if version.quantitative:
            social_measures += rng.sample(version.quantitative, plan.kpis)
            if version.qualitative and rng.random() < 0.7:
                social_measures.insert(0, rng.choice(version.qualitative))
        else:
            social_measures += rng.sample(version.qualitative, rng.randint(1, 3))
        social_weights = (
            _split(social, len(social_measures), rng) if social >= len(social_measures) else None
        )
        if social_weights is None:
            # Weights may be decimals: 10 split 11 ways.
            base = (Decimal(social) / len(social_measures)).quantize(Decimal("0.01"))
            social_weights = [base] * len(social_measures)
            social_weights[-1] = Decimal(social) - base * (len(social_measures) - 1)
        against_target = rng.random() < 0.2
        for number, (measure, weight) in enumerate(
            zip(social_measures, social_weights, strict=True), 1
        ):
            quantitative = measure["kind"] == "quantitative"
            scale = measure["scale"] or {}
            unit = measure["unit"]
            target = None
            if quantitative and against_target:
                low, high, places = UNIT_RANGES.get(unit, (Decimal(1), Decimal(50), 0))
                target = _d(float(low + (high - low) / 2), places)
            plans.append(
                CriterionPlan(
                    id=self.new_id("criteria"),
                    code=f"SV{number}",
                    title=measure["title"],
                    question=measure["description"],
                    group="social_value",
                    kind="quantitative" if quantitative else "qualitative",
                    weight=weight,
                    scale_min=None if quantitative else int(scale.get("minimum", 0)),
                    scale_max=None if quantitative else int(scale.get("maximum", 5)),
                    descriptors=[] if quantitative else list(scale.get("descriptors", [])),
                    measure=measure,
                    unit=unit,
                    target=target,
                    quantitative_method="against_target" if target is not None else None,
                )
            )
        for position, criterion in enumerate(plans):
            criterion.position = position
        return plans

    def _build_orm(self) -> Tender:
        """A transient Tender (never added to a session) for the services' pure functions."""
        plan, rng = self.plan, self.rng
        version = plan.version
        tender = Tender(
            id=self.new_id("tenders"),
            reference=self._reference(),
            title=f"{self.service[0]} – {rng.choice(PLACES)}"
            + (f" (lot {rng.randint(1, 4)})" if rng.random() < 0.2 else ""),
            buyer=plan.buyer[1],
            description=self.service[1],
            estimated_value=Decimal(
                max(20_000, round(math.exp(rng.gauss(math.log(600_000), 1.1)), -3))
            ),
            contract_start=plan.contract_start,
            contract_end=plan.contract_end,
            bid_deadline=plan.deadline
            or _working_time(rng, (plan.created_at + dt.timedelta(days=60)).date()).replace(
                minute=0, second=0, microsecond=0
            ),
            status=plan.status if plan.status in ("draft", "awarded", "cancelled") else "published",
            framework_version_id=version.id,
            framework_id=version.framework_id,
            framework_version_label=version.version,
            framework_hash=version.content_hash,
            price_method="lowest_price_ratio",
            quantitative_method="relative_to_best",
            moderation_mode="consensus_required" if rng.random() < 0.8 else "mean_for_unflagged",
            flag_range_percent=Decimal(rng.choice((40, 40, 30, 50))),
            panel_share_percent=None,
            tie_break=["highest_social_value", "lowest_price"],
            require_rationale=True,
            anonymise_for_panel=True,
        )
        self.criteria = self._criteria(tender)
        tender.weight_price, tender.weight_quality, tender.weight_social_value = self.weights
        if rng.random() < 0.3 and any(
            c.group == "social_value" and c.kind == "qualitative" for c in self.criteria
        ):
            tender.panel_share_percent = Decimal(rng.choice((25, 30, 50)))
        tender.criteria = [
            Criterion(
                id=c.id,
                code=c.code,
                title=c.title,
                question=c.question,
                group=c.group,
                kind=c.kind,
                weight=c.weight,
                scale_min=c.scale_min,
                scale_max=c.scale_max,
                descriptors=c.descriptors,
                measure_id=c.measure["id"] if c.measure else None,
                measure_code=c.measure["code"] if c.measure else None,
                unit=c.unit,
                proxy_value_gbp=None,
                minimum_score=c.minimum_score,
                target=c.target,
                quantitative_method=c.quantitative_method,
                position=c.position,
            )
            for c in self.criteria
        ]
        gates = []
        if version.pass_fail and rng.random() < 0.6:
            measure = version.pass_fail[0]
            gates.append(
                Gate(
                    id=self.new_id("gates"),
                    code="G1",
                    title=measure["title"],
                    evidence_expected=measure["evidence_expected"] or "",
                    measure_id=measure["id"],
                    measure_code=measure["code"],
                    position=0,
                )
            )
        tender.gates = gates
        return tender

    def _tender_row(self, tender: Tender, updates: int) -> dict[str, Any]:
        plan = self.plan
        columns = [c.name for c in Tender.__table__.columns]
        row = {name: getattr(tender, name) for name in columns if name not in ("created_at",)}
        row["plan_published_at"] = plan.published_at
        row["plan_published_by_id"] = self.officer.id if plan.published_at else None
        row["created_by_id"] = self.officer.id
        row["cancelled_at"] = plan.cancelled_at
        row["cancelled_by_id"] = self.officer.id if plan.cancelled_at else None
        row["cancellation_reason"] = plan.cancellation_reason
        row["version_id"] = updates + 1
        row["created_at"] = plan.created_at
        last = plan.award_at or plan.cancelled_at or plan.published_at or plan.created_at
        row["updated_at"] = last
        return row

    # -- the life -------------------------------------------------------------------------------

    def events(self) -> Iterator[dict[str, Any]]:
        plan, rng, i = self.plan, self.rng, self.i
        self.service = rng.choice(SERVICES)
        officers = i.officers[plan.buyer[0]]
        self.officer = rng.choice(officers)
        tender = self._build_orm()
        self.tender = tender
        created = plan.created_at
        defaults = {
            "weight_price": Decimal(40),
            "weight_quality": Decimal(40),
            "weight_social_value": Decimal(20),
            "price_method": "lowest_price_ratio",
            "quantitative_method": "relative_to_best",
            "moderation_mode": "consensus_required",
            "flag_range_percent": Decimal(40),
            "panel_share_percent": None,
            "tie_break": ["highest_social_value", "lowest_price"],
            "require_rationale": True,
            "anonymise_for_panel": True,
        }
        final = tender_service.snapshot_tender(tender)
        initial = final | defaults | {"status": "draft"}
        rules_changed = any(initial[k] != final[k] for k in defaults)
        updates = int(rules_changed) + int(plan.published_at is not None)
        updates += int(plan.award_at is not None) + int(plan.cancelled_at is not None)
        self.add("tenders", self._tender_row(tender, updates))
        for c, orm in zip(self.criteria, tender.criteria, strict=True):
            self.add(
                "criteria",
                {
                    "id": c.id,
                    "tender_id": tender.id,
                    "code": c.code,
                    "title": c.title,
                    "question": c.question,
                    "group": c.group,
                    "kind": c.kind,
                    "weight": c.weight,
                    "scale_min": c.scale_min,
                    "scale_max": c.scale_max,
                    "descriptors": c.descriptors,
                    "measure_id": orm.measure_id,
                    "measure_code": orm.measure_code,
                    "unit": c.unit,
                    "proxy_value_gbp": None,
                    "minimum_score": c.minimum_score,
                    "target": c.target,
                    "quantitative_method": c.quantitative_method,
                    "position": c.position,
                },
            )
        for gate in tender.gates:
            self.add(
                "gates",
                {
                    "id": gate.id,
                    "tender_id": tender.id,
                    "code": gate.code,
                    "title": gate.title,
                    "evidence_expected": gate.evidence_expected,
                    "measure_id": gate.measure_id,
                    "measure_code": gate.measure_code,
                    "position": gate.position,
                },
            )
        tid = tender.id
        officer = self.officer
        moment = created
        yield self.event(
            moment,
            officer,
            "tender.created",
            "tender",
            tid,
            tender_id=tid,
            after=initial
            | {"framework": tender.framework_key, "framework_hash": tender.framework_hash},
            summary=f"Tender {tender.reference} created under {tender.framework_key}",
        )
        end_of_setup = plan.published_at or min(
            i.now - dt.timedelta(minutes=1), created + dt.timedelta(days=30)
        )

        qualitative = [c for c in tender.criteria if c.kind == "qualitative"]
        social_questions = [c for c in qualitative if c.group == "social_value"]
        steps = int(rules_changed) + len(tender.criteria) + len(tender.gates) + 4
        stride = (end_of_setup - created).total_seconds() / (steps + 1)

        def step() -> dt.datetime:
            nonlocal moment
            moment = moment + dt.timedelta(seconds=stride * rng.uniform(0.3, 1.0))
            return moment

        if rules_changed:
            yield self.event(
                step(),
                officer,
                "plan.rules_changed",
                "tender",
                tid,
                tender_id=tid,
                before=initial,
                after=final | {"status": "draft"},
                summary="Evaluation rules changed",
            )
        for orm in tender.criteria:
            yield self.event(
                step(),
                officer,
                "criterion.added",
                "criterion",
                orm.code,
                tender_id=tid,
                after=tender_service.snapshot_criterion(orm),
                summary=f"Criterion {orm.code} ({orm.title}) added",
            )
        for gate in tender.gates:
            yield self.event(
                step(),
                officer,
                "gate.added",
                "gate",
                gate.code,
                tender_id=tid,
                after={"code": gate.code, "title": gate.title, "measure_code": gate.measure_code},
                summary=f"Pass/fail gate {gate.code} ({gate.title}) added",
            )
        # Evaluators: the officer and a colleague score everything; panel members score the
        # social value questions.
        colleagues = [o for o in officers if o.id != officer.id]
        evaluators: list[tuple[Person, str, list[Criterion]]] = [
            (officer, "evaluator", qualitative)
        ]
        if colleagues:
            evaluators.append((rng.choice(colleagues), "evaluator", qualitative))
        if social_questions:
            for member in rng.sample(i.panel, rng.choice((1, 1, 2))):
                evaluators.append((member, "panel", social_questions))
        self.members: list[dict[str, Any]] = []
        for person, role, criteria in evaluators:
            member = {
                "id": self.new_id("tender_members"),
                "tender_id": tid,
                "user_id": person.id,
                "role": role,
                "criterion_ids": sorted(c.id for c in criteria),
                "declared_at": None,
                "has_conflict": None,
                "conflict_details": "",
                "removed_at": None,
                "removed_reason": "",
                "created_at": step(),
                "updated_at": moment,
                "_person": person,
                "_criteria": criteria,
            }
            self.members.append(member)
            yield self.event(
                moment,
                officer,
                "member.assigned",
                "tender_member",
                member["id"],
                tender_id=tid,
                after={
                    "user": person.email,
                    "role": role,
                    "criteria": [c.code for c in tender.criteria if c in criteria],
                },
                summary=f"{person.name} assigned as {role}",
            )
        if plan.status == "draft":
            self._add_members()
            return
        assert plan.published_at is not None and plan.deadline is not None
        moment = plan.published_at
        yield self.event(
            moment,
            officer,
            "plan.published",
            "tender",
            tid,
            tender_id=tid,
            after={
                "plan": tender_service.plan_snapshot(tender),
                "framework": tender.framework_key,
                "framework_hash": tender.framework_hash,
            },
            summary="Evaluation plan published and locked",
        )
        yield from self._bids()
        if plan.status == "cancelled":
            self._add_members()
            assert plan.cancelled_at is not None
            yield self.event(
                max(plan.cancelled_at, self.last_moment),
                officer,
                "tender.cancelled",
                "tender",
                tid,
                tender_id=tid,
                before={"status": "published", "cancellation_reason": ""},
                after={"status": "cancelled", "cancellation_reason": plan.cancellation_reason},
                summary="Tender cancelled",
            )
            return
        if plan.status == "open":
            self._add_members()
            return
        yield from self._evaluation()

    def _add_members(self) -> None:
        for member in self.members:
            self.add("tender_members", {k: v for k, v in member.items() if not k.startswith("_")})

    # -- bids --------------------------------------------------------------------------------

    def _bids(self) -> Iterator[dict[str, Any]]:
        plan, rng, i, tender = self.plan, self.rng, self.i, self.tender
        assert plan.published_at is not None and plan.deadline is not None
        tid = tender.id
        names = i.pick_suppliers(rng, plan.bids)
        while len(names) < plan.bids:
            names.append(f"{rng.choice(SUPPLIER_FIRST)} Bidder {len(names) + 1} Ltd")
        close = min(plan.deadline, i.now - dt.timedelta(minutes=1))
        window = (close - plan.published_at).total_seconds()
        moments = sorted(
            plan.published_at + dt.timedelta(seconds=window * (0.2 + 0.8 * rng.random() ** 0.4))
            for _ in names
        )
        quantitative = [c for c in tender.criteria if c.kind == "quantitative"]
        qualitative = [c for c in tender.criteria if c.kind == "qualitative"]
        value = float(tender.estimated_value)
        self.bids: list[dict[str, Any]] = []
        invitations = []
        for index, (name, moment) in enumerate(zip(names, moments, strict=True)):
            supplier = i.supplier_users.get(name) if rng.random() < 0.7 else None
            submitted = True
            if supplier is not None and plan.status == "open" and rng.random() < 0.25:
                submitted = False  # a draft the supplier is still preparing
            quality = rng.gauss(0, 1)  # how good this bid is, for scoring
            price = _d(value * rng.uniform(0.78, 1.25), 2)
            commitments = {}
            for c in quantitative:
                low, high, places = UNIT_RANGES.get(c.unit or "", (Decimal(1), Decimal(50), 0))
                spread = float(high - low)
                amount = float(low) + spread * min(1.0, max(0.0, rng.betavariate(2, 3)))
                if c.unit == "GBP":
                    amount *= max(0.2, value / 600_000)
                commitments[c.id] = _d(amount, places)
            bid = {
                "id": self.new_id("bids"),
                "label": bid_label(index),
                "supplier_name": name,
                "supplier": supplier,
                "price": price,
                "submitted": submitted,
                "moment": moment,
                "quality": quality,
                "commitments": commitments,
                "responses": {c.id: _text(rng, rng.randint(2, 4)) for c in qualitative},
                "gates": {g.id: rng.random() > 0.03 for g in tender.gates},
            }
            self.bids.append(bid)
            if supplier is not None:
                invitations.append(supplier)
        for supplier in invitations:
            member = {
                "id": self.new_id("tender_members"),
                "tender_id": tid,
                "user_id": supplier.id,
                "role": "supplier",
                "criterion_ids": [],
                "declared_at": None,
                "has_conflict": None,
                "conflict_details": "",
                "removed_at": None,
                "removed_reason": "",
                "created_at": _after(rng, plan.published_at, 0, 0.2),
                "_person": supplier,
                "_criteria": [],
            }
            member["updated_at"] = member["created_at"]
            self.members.append(member)
        for member in self.members[len(self.members) - len(invitations) :]:
            yield self.event(
                member["created_at"],
                self.officer,
                "member.assigned",
                "tender_member",
                member["id"],
                tender_id=tid,
                after={"user": member["_person"].email, "role": "supplier", "criteria": []},
                summary=f"{member['_person'].name} assigned as supplier",
            )
        self.last_moment = plan.published_at
        for bid in self.bids:
            supplier = bid["supplier"]
            status = "submitted" if bid["submitted"] else "draft"
            moment = max(bid["moment"], self.last_moment)
            self.last_moment = moment
            self.add(
                "bids",
                {
                    "id": bid["id"],
                    "tender_id": tid,
                    "label": bid["label"],
                    "supplier_name": bid["supplier_name"],
                    "supplier_user_id": supplier.id if supplier else None,
                    "price": bid["price"],
                    "status": status,
                    "entered_by_officer": supplier is None,
                    "submitted_at": moment if bid["submitted"] else None,
                    "submitted_by_id": (supplier or self.officer).id if bid["submitted"] else None,
                    "version_id": 1,
                    "created_at": moment,
                    "updated_at": moment,
                },
            )
            for criterion_id, quantity in bid["commitments"].items():
                self.add(
                    "bid_commitments",
                    {
                        "id": self.new_id("bid_commitments"),
                        "bid_id": bid["id"],
                        "criterion_id": criterion_id,
                        "quantity": quantity,
                        "narrative": "Delivered through our Greater Manchester team.",
                        "evidence_plan": "Quarterly figures from payroll and purchase ledger.",
                    },
                )
            for criterion_id, text in bid["responses"].items():
                self.add(
                    "bid_responses",
                    {
                        "id": self.new_id("bid_responses"),
                        "bid_id": bid["id"],
                        "criterion_id": criterion_id,
                        "response": text,
                    },
                )
            for gate_id, passed in bid["gates"].items():
                self.add(
                    "bid_gate_answers",
                    {
                        "id": self.new_id("bid_gate_answers"),
                        "bid_id": bid["id"],
                        "gate_id": gate_id,
                        "passed": passed,
                        "evidence": "Charter membership confirmed." if passed else "",
                    },
                )
            snapshot = {
                "label": bid["label"],
                "supplier_name": bid["supplier_name"],
                "price": str(bid["price"]),
                "status": status,
                "commitments": {
                    str(k): {
                        "quantity": str(v),
                        "narrative": "Delivered through our Greater Manchester team.",
                        "evidence_plan": "Quarterly figures from payroll and purchase ledger.",
                    }
                    for k, v in sorted(bid["commitments"].items())
                },
                "responses": {str(k): v for k, v in sorted(bid["responses"].items())},
                "gate_answers": {
                    str(k): {
                        "passed": v,
                        "evidence": "Charter membership confirmed." if v else "",
                    }
                    for k, v in sorted(bid["gates"].items())
                },
            }
            if supplier is None:
                yield self.event(
                    moment,
                    self.officer,
                    "bid.recorded",
                    "bid",
                    bid["id"],
                    tender_id=tid,
                    after=snapshot,
                    summary=f"Bid {bid['label']} from {bid['supplier_name']} recorded by "
                    "an officer",
                    ready=True,
                )
            else:
                verb = "submitted" if bid["submitted"] else "saved as a draft"
                yield self.event(
                    moment,
                    supplier,
                    "bid.submitted" if bid["submitted"] else "bid.draft_saved",
                    "bid",
                    bid["id"],
                    tender_id=tid,
                    after=snapshot,
                    summary=f"Bid {bid['label']} {verb} by the supplier",
                    ready=True,
                )
        self.submitted = [b for b in self.bids if b["submitted"]]

    # -- evaluation --------------------------------------------------------------------------

    def _consensus(
        self,
        when: dt.datetime,
        moderator: Person,
        bid: dict[str, Any],
        criterion: Criterion,
        value: Decimal,
        reason: str,
        *,
        ready: bool = False,
    ) -> dict[str, Any]:
        """A moderator's consensus score row and its audit event (as the service records it)."""
        consensus_id = self.new_id("consensus_scores")
        self.add(
            "consensus_scores",
            {
                "id": consensus_id,
                "tender_id": self.tender.id,
                "bid_id": bid["id"],
                "criterion_id": criterion.id,
                "score": value,
                "reason": reason,
                "recorded_by_id": moderator.id,
                "version_id": 1,
                "created_at": when,
                "updated_at": when,
            },
        )
        return self.event(
            when,
            moderator,
            "consensus.recorded",
            "consensus_score",
            consensus_id,
            tender_id=self.tender.id,
            # Plain JSON already (a string for the exact number), so ``ready`` may skip
            # converting it on the hot path.
            after={
                "bid": bid["label"],
                "criterion": criterion.code,
                "score": str(value),
                "reason": reason,
            },
            summary=f"Consensus score for bid {bid['label']} on {criterion.code}",
            ready=ready,
        )

    def _score(self, criterion: Criterion, bid: dict[str, Any], evaluator: int) -> int:
        low, high = criterion.scale_min or 0, criterion.scale_max or 5
        rng = self.rng
        centre = (low + high) / 2 + bid["quality"] * (high - low) / 5
        value = round(centre + rng.gauss(0, (high - low) / 8) + (evaluator - 1) * 0.3)
        return min(high, max(low, value))

    def _evaluation(self) -> Iterator[dict[str, Any]]:
        plan, rng, i, tender = self.plan, self.rng, self.i, self.tender
        assert plan.deadline is not None
        tid = tender.id
        moment = max(plan.deadline, self.last_moment)
        ends = plan.award_at or i.now - dt.timedelta(minutes=1)
        # Declarations, then scores spread over most of the evaluation window.
        declarations = []
        for member in self.members:
            if member["role"] == "supplier":
                continue
            when = _after(rng, moment, 0.01, min(3.0, (ends - moment).total_seconds() / 86400 / 6))
            member["declared_at"] = when
            member["has_conflict"] = False
            member["updated_at"] = when
            declarations.append((when, member))
        self._add_members()
        for when, member in sorted(declarations, key=lambda d: d[0]):
            yield self.event(
                when,
                member["_person"],
                "member.no_conflict_declared",
                "tender_member",
                member["id"],
                tender_id=tid,
                after={"has_conflict": False, "details": "", "removed": False},
                summary=f"{member['_person'].name} declared no conflict of interest",
            )
        declared = max((d[0] for d in declarations), default=moment)
        awarded = plan.status == "awarded"
        scoring_end = declared + (ends - declared) * (0.7 if awarded else 0.95)
        scores = []
        for number, member in enumerate(m for m in self.members if m["role"] != "supplier"):
            person: Person = member["_person"]
            # In an unfinished evaluation some evaluators have not finished.
            share = 1.0 if awarded else rng.choice((1.0, 1.0, 0.6, 0.3, 0.0))
            for criterion in member["_criteria"]:
                for bid in self.submitted:
                    if rng.random() >= share:
                        continue
                    when = declared + (scoring_end - declared) * rng.random()
                    scores.append(
                        (
                            when,
                            person,
                            member["role"],
                            criterion,
                            bid,
                            self._score(criterion, bid, number),
                        )
                    )
        scores.sort(key=lambda s: s[0])
        by_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
        individual = []
        for when, person, role, criterion, bid, value in scores:
            score_id = self.new_id("individual_scores")
            rationale = rng.choice(RATIONALES)
            evaluator_role = "panel" if role == "panel" else "officer"
            draft = not awarded and rng.random() < 0.05
            self.add(
                "individual_scores",
                {
                    "id": score_id,
                    "tender_id": tid,
                    "bid_id": bid["id"],
                    "criterion_id": criterion.id,
                    "evaluator_id": person.id,
                    "evaluator_role": evaluator_role,
                    "score": Decimal(value),
                    "rationale": rationale,
                    "submitted_at": None if draft else when,
                    "version_id": 1,
                    "created_at": when,
                    "updated_at": when,
                },
            )
            if not draft:
                by_pair[(bid["id"], criterion.id)].append(value)
                individual.append(
                    scoring.IndividualScore(
                        bid_id=bid["label"],
                        criterion_id=criterion.code,
                        evaluator_id=person.email,
                        evaluator_role=evaluator_role,
                        score=Decimal(value),
                        rationale=rationale,
                    )
                )
            yield self.event(
                when,
                person,
                "score.draft_saved" if draft else "score.submitted",
                "individual_score",
                score_id,
                tender_id=tid,
                after={
                    "bid": bid["label"],
                    "criterion": criterion.code,
                    "score": str(value),
                    "rationale": rationale,
                    "submitted": not draft,
                },
                summary=f"{'Draft' if draft else 'Submitted'} score for bid {bid['label']} on "
                f"{criterion.code}",
                ready=True,
            )
        if not awarded:
            return
        assert plan.award_at is not None
        # Moderation: a consensus for every pair, or only where the spread is flagged.
        flag = Fraction(tender.flag_range_percent) / 100
        moderators = [m["_person"] for m in self.members if m["role"] == "evaluator"]
        consensus_rows = []
        mean_mode = tender.moderation_mode == "mean_for_unflagged"
        start = scoring_end
        for criterion in [c for c in tender.criteria if c.kind == "qualitative"]:
            for bid in self.submitted:
                values = by_pair.get((bid["id"], criterion.id))
                if not values:
                    continue
                spread = max(values) - min(values)
                width = (criterion.scale_max or 0) - (criterion.scale_min or 0)
                if mean_mode and spread < flag * width:
                    continue
                consensus_rows.append((criterion, bid, round(sum(values) / len(values))))
        consensus = [
            scoring.ConsensusScore(
                bid_id=bid["label"],
                criterion_id=criterion.code,
                score=Decimal(value),
                reason=CONSENSUS_REASONS[(bid["id"] + criterion.id) % len(CONSENSUS_REASONS)],
                recorded_by=moderators[0].email,
            )
            for criterion, bid, value in consensus_rows
        ]
        bundle_bids = tuple(
            scoring.Bid(
                id=b["label"],
                label=b["label"],
                supplier=b["supplier_name"],
                price=b["price"] or Decimal(0),
                commitments=tuple(
                    (c.code, b["commitments"][c.id])
                    for c in tender.criteria
                    if c.kind == "quantitative"
                ),
                gate_answers=tuple((g.code, b["gates"][g.id]) for g in tender.gates),
            )
            for b in sorted(self.submitted, key=lambda b: (len(b["label"]), b["label"]))
        )
        plan_engine = tender_service.build_plan(tender)
        bundle = scoring.TenderBundle(
            plan=plan_engine,
            bids=bundle_bids,
            individual_scores=tuple(individual),
            consensus=tuple(consensus),
        )
        future = i.pool.submit(_award, bundle) if i.pool is not None else None
        window = (plan.award_at - start).total_seconds()
        moments = sorted(
            start + dt.timedelta(seconds=window * 0.9 * rng.random()) for _ in consensus_rows
        )
        for when, (criterion, bid, value), engine_row in zip(
            moments, consensus_rows, consensus, strict=True
        ):
            yield self._consensus(
                when, moderators[0], bid, criterion, Decimal(value), engine_row.reason, ready=True
            )
        award = future.result() if future else _award(bundle)
        if award.status != "final":
            # The engine wants a consensus where this generator thought the mean would do.
            bids_by_label = {b["label"]: b for b in self.submitted}
            codes = {c.code: c for c in tender.criteria}
            extra = []
            when = moments[-1] if moments else start
            for bid_label_, code in award.missing:
                bid, criterion = bids_by_label[bid_label_], codes[code]
                values = by_pair[(bid["id"], criterion.id)]
                value = Decimal(round(sum(values) / len(values)))
                reason = CONSENSUS_REASONS[0]
                extra.append(
                    scoring.ConsensusScore(bid_label_, code, value, reason, moderators[0].email)
                )
                when = when + (plan.award_at - when) / 4
                yield self._consensus(when, moderators[0], bid, criterion, value, reason)
            bundle = dataclasses.replace(bundle, consensus=bundle.consensus + tuple(extra))
            award = _award(bundle)
            if award.status != "final":
                raise AssertionError(f"{tender.reference}: incomplete: {award.missing[:3]}")
        winner_label = award.winner
        if winner_label is None:
            raise AssertionError(f"{tender.reference}: no winner")
        winner = next(b for b in self.submitted if b["label"] == winner_label)
        rationale = rng.choice(AWARD_RATIONALES)
        result_hash = award.result_hash
        decided = max(plan.award_at, moments[-1] if moments else plan.award_at)
        self.add(
            "award_decisions",
            {
                "id": self.new_id("award_decisions"),
                "tender_id": tid,
                "bid_id": winner["id"],
                "decided_by_id": self.officer.id,
                "decided_at": decided,
                "rationale": rationale,
                "result": RawJson(award.document),
                "result_hash": result_hash,
            },
        )
        yield self.event(
            decided,
            self.officer,
            "tender.awarded",
            "tender",
            tid,
            tender_id=tid,
            before={"status": "published"},
            after={
                "status": "awarded",
                "winning_bid": winner_label,
                "supplier": winner["supplier_name"],
                "result_hash": result_hash,
                "rationale": rationale,
            },
            summary=f"Contract awarded to bid {winner_label} ({winner['supplier_name']})",
        )
        yield from ContractLife(self, winner, decided).events()


class ContractLife:
    """The contract from an award: KPIs, delivery returns and their verification."""

    def __init__(self, tender_life: TenderLife, winner: dict[str, Any], created: dt.datetime):
        self.t = tender_life
        self.i = tender_life.i
        self.winner = winner
        self.created = created
        self.rng = random.Random(tender_life.plan.seed + 11)

    def events(self) -> Iterator[dict[str, Any]]:
        t, i, rng = self.t, self.i, self.rng
        tender, plan, winner = t.tender, t.plan, self.winner
        officer = t.officer
        contract_id = t.new_id("contracts")
        supplier: Person | None = winner["supplier"]
        name = winner["supplier_name"]
        measures = {c.id: c.measure for c in t.criteria if c.measure}
        kpis = []
        for position, criterion in enumerate(
            c
            for c in tender.criteria
            if c.group == "social_value"
            and c.kind == "quantitative"
            and c.id in winner["commitments"]
        ):
            measure = measures.get(criterion.id) or {}
            quantity = winner["commitments"][criterion.id]
            theme = measure.get("theme_code", "")
            kpis.append(
                {
                    "id": t.new_id("kpis"),
                    "contract_id": contract_id,
                    "position": position,
                    "criterion_code": criterion.code,
                    "title": criterion.title,
                    "framework_id": tender.framework_id,
                    "framework_version_label": tender.framework_version_label,
                    "framework_hash": tender.framework_hash,
                    "measure_code": criterion.measure_code,
                    "theme_code": theme,
                    "theme_title": plan.version.themes.get(theme, ""),
                    "unit": criterion.unit or "",
                    "committed_quantity": quantity,
                    "proxy_value_gbp": None,
                    "committed_value_gbp": contract_service._decimal(
                        delivery.monetised(quantity, None, criterion.unit)
                    ),
                    "accrual": "even",
                    "version_id": 1,
                }
            )
        monthly = plan.frequency == "monthly"
        contract = {
            "id": contract_id,
            "tender_id": tender.id,
            "bid_id": winner["id"],
            "reference": tender.reference,
            "title": tender.title,
            "buyer": tender.buyer,
            "supplier_name": name,
            "supplier_key": contract_service.supplier_key(name),
            "supplier_user_id": supplier.id if supplier else None,
            "start_date": tender.contract_start,
            "end_date": tender.contract_end,
            "reporting_frequency": plan.frequency,
            "due_days": delivery.DEFAULT_DUE_DAYS,
            "green_from": Decimal(90),
            "amber_from": Decimal(60),
            "status": "not_due",
            "framework_id": tender.framework_id,
            "framework_version_label": tender.framework_version_label,
            "framework_hash": tender.framework_hash,
            "created_by_id": officer.id,
            "version_id": 1,
            "created_at": self.created,
            "updated_at": self.created,
        }
        self.i.sink.add("contracts", contract)
        for kpi in kpis:
            self.i.sink.add("kpis", kpi)
        verifier = rng.choice(i.panel) if rng.random() < 0.5 else None
        members = []
        if supplier is not None:
            members.append((supplier, "supplier", self.created))
        first_return = plan.returns[0][1] if plan.returns else i.now
        room = min(600 * 60.0, (min(first_return, i.now) - self.created).total_seconds() / 2)
        settings_at = self.created + dt.timedelta(seconds=rng.uniform(0.1, 1.0) * max(room, 1))
        if verifier is not None:
            members.append((verifier, "panel", settings_at + dt.timedelta(minutes=3)))
        member_ids = {}
        for person, role, when in members:
            member_ids[role] = t.new_id("contract_members")
            self.i.sink.add(
                "contract_members",
                {
                    "id": member_ids[role],
                    "contract_id": contract_id,
                    "user_id": person.id,
                    "role": role,
                    "added_by_id": officer.id,
                    "added_at": when,
                },
            )
        cid = contract_id
        tid = tender.id
        noun = "social value KPI" if len(kpis) == 1 else "social value KPIs"
        yield t.event(
            self.created,
            officer,
            "contract.created",
            "contract",
            cid,
            tender_id=tid,
            contract_id=cid,
            after={
                "reference": tender.reference,
                "supplier": name,
                "term": [tender.contract_start, tender.contract_end],
                "reporting_frequency": "quarterly",
                "kpis": [
                    {
                        "code": k["criterion_code"],
                        "measure": k["measure_code"],
                        "framework": f"{k['framework_id']}@{k['framework_version_label']}",
                        "committed": k["committed_quantity"],
                        "unit": k["unit"],
                        "value_gbp": k["committed_value_gbp"],
                    }
                    for k in kpis
                ],
            },
            summary=f"Contract {tender.reference} created from the award to {name} with "
            f"{len(kpis)} {noun}",
        )
        updates = 0
        if monthly:
            updates += 1
            settings = {"green_from": Decimal(90), "amber_from": Decimal(60)}
            yield t.event(
                settings_at,
                officer,
                "contract.settings_changed",
                "contract",
                cid,
                tender_id=tid,
                contract_id=cid,
                before=settings | {"reporting_frequency": "quarterly"},
                after=settings | {"reporting_frequency": "monthly"},
                summary="Reporting frequency and RAG bands saved",
            )
        if verifier is not None:
            yield t.event(
                settings_at + dt.timedelta(minutes=3),
                officer,
                "contract.member_added",
                "contract_member",
                member_ids["panel"],
                tender_id=tid,
                contract_id=cid,
                after={"user": verifier.email, "role": "panel"},
                summary=f"{verifier.name} assigned to verify",
            )
        # Delivery: every row now (its final state), its events in time order later.
        periods = delivery.reporting_periods(
            tender.contract_start, tender.contract_end, plan.frequency
        )
        on_behalf = supplier is None
        filer = supplier or officer
        deciders = [officer] + ([verifier] if verifier else [])
        performance = {k["id"]: rng.uniform(0.55, 1.2) for k in kpis}
        pending: list[tuple[dt.datetime, int, tuple[Any, ...]]] = []
        order = itertools.count()
        reported: dict[int, Decimal] = defaultdict(Decimal)
        verified: dict[int, Decimal] = defaultdict(Decimal)
        rejected: dict[int, Decimal] = defaultdict(Decimal)
        unverified: dict[int, Decimal] = defaultdict(Decimal)
        ends = []
        last_activity = settings_at + dt.timedelta(minutes=3)
        for period_index, submitted_at in plan.returns:
            period = periods[period_index]
            return_id = t.new_id("delivery_returns")
            narrative = rng.choice(NARRATIVES)
            self.i.sink.add(
                "delivery_returns",
                {
                    "id": return_id,
                    "contract_id": cid,
                    "period_start": period.start,
                    "period_end": period.end,
                    "due_on": period.due,
                    "narrative": narrative,
                    "submitted_at": submitted_at,
                    "submitted_by_id": filer.id,
                    "on_behalf": on_behalf,
                    "version_id": 1,
                },
            )
            ends.append(period.end)
            share = Fraction(
                (period.end - period.start).days + 1,
                (tender.contract_end - tender.contract_start).days + 1,
            )
            quantities = {}
            age = (i.now - submitted_at).total_seconds() / 86400
            for kpi in kpis:
                places = UNIT_RANGES.get(kpi["unit"], (0, 0, 1))[2]
                expected = kpi["committed_quantity"] * Decimal(share.numerator) / share.denominator
                amount = _d(
                    float(expected) * performance[kpi["id"]] * rng.uniform(0.7, 1.3), places
                )
                quantities[kpi["criterion_code"]] = str(amount)
                line_id = t.new_id("return_lines")
                roll = rng.random()
                decider = rng.choice(deciders)
                decided_at = _after(rng, submitted_at, 1, 25)
                row: dict[str, Any] = {
                    "id": line_id,
                    "return_id": return_id,
                    "kpi_id": kpi["id"],
                    "reported_quantity": amount,
                    "status": LineStatus.PENDING,
                    "query_text": "",
                    "queried_by_id": None,
                    "queried_at": None,
                    "answer_text": "",
                    "answered_by_id": None,
                    "answered_at": None,
                    "rejection_reason": "",
                    "decided_by_id": None,
                    "decided_at": None,
                    "version_id": 1,
                }
                steps: list[tuple[dt.datetime, str]] = []
                if decided_at < i.now and age > 3:
                    if roll < 0.9:
                        row.update(
                            status="verified", decided_by_id=decider.id, decided_at=decided_at
                        )
                        steps.append((decided_at, "verified"))
                    elif roll < 0.93:
                        row.update(
                            status="rejected",
                            rejection_reason=rng.choice(REJECTIONS),
                            decided_by_id=decider.id,
                            decided_at=decided_at,
                        )
                        steps.append((decided_at, "rejected"))
                    else:
                        asked = decided_at
                        row.update(
                            status="queried",
                            query_text=rng.choice(QUERIES),
                            queried_by_id=decider.id,
                            queried_at=asked,
                        )
                        steps.append((asked, "queried"))
                        answered = _after(rng, asked, 1, 10)
                        if answered < i.now and roll < 0.985:
                            row.update(
                                answer_text=rng.choice(ANSWERS),
                                answered_by_id=filer.id,
                                answered_at=answered,
                            )
                            steps.append((answered, "answered"))
                            final = _after(rng, answered, 1, 10)
                            if final < i.now:
                                row.update(
                                    status="verified", decided_by_id=decider.id, decided_at=final
                                )
                                steps.append((final, "verified"))
                row["version_id"] = 1 + len(steps)
                self.i.sink.add("return_lines", row)
                reported[kpi["id"]] += amount
                if row["status"] == "verified":
                    verified[kpi["id"]] += amount
                elif row["status"] == "rejected":
                    rejected[kpi["id"]] += amount
                else:
                    unverified[kpi["id"]] += amount
                figure = (
                    kpi["criterion_code"],
                    str(amount),
                    row["query_text"],
                    row["answer_text"],
                    row["rejection_reason"],
                )
                for when, what in steps:
                    actor = filer if what == "answered" else decider
                    pending.append(
                        (when, next(order), ("line", what, line_id, figure, period.end, actor))
                    )
                    last_activity = max(last_activity, when)
            pending.append(
                (
                    submitted_at,
                    next(order),
                    (
                        "return",
                        return_id,
                        period,
                        quantities,
                        narrative,
                        on_behalf,
                        submitted_at,
                        period.due,
                    ),
                )
            )
            last_activity = max(last_activity, submitted_at)
        # The contract's status, exactly as services.contracts.contract_view measures it.
        status, as_at, by_kpi = self._status(contract, kpis, ends, verified, rejected, unverified)
        if status != "not_due":
            updates += 1
            pending.append(
                (
                    min(last_activity + dt.timedelta(seconds=1), i.now),
                    next(order),
                    ("status", status, as_at, by_kpi),
                )
            )
        i.contract_status.append({"id": cid, "status": status, "version": 1 + updates})
        pending.sort(key=lambda p: (p[0], p[1]))
        for when, _, item in pending:
            kind = item[0]
            if kind == "return":
                _, return_id, period, quantities, narrative, behalf, submitted_at, due = item
                label = period.label()
                yield t.event(
                    when,
                    filer,
                    "return.recorded_on_behalf" if behalf else "return.submitted",
                    "delivery_return",
                    return_id,
                    tender_id=tid,
                    contract_id=cid,
                    after={
                        "period": [period.start.isoformat(), period.end.isoformat()],
                        "quantities": quantities,
                        "narrative": narrative,
                        "evidence": [],
                        "on_behalf": behalf,
                        "source": "form",
                        "late": submitted_at.date() > due,
                    },
                    summary=f"Return for {label} "
                    + (
                        "recorded by an officer on the supplier's behalf"
                        if behalf
                        else "filed by the supplier"
                    ),
                    ready=True,
                )
            elif kind == "line":
                _, what, line_id, figure, period_end, actor = item
                code = figure[0]
                before, after = self._states(what, figure)
                if what == "answered":
                    summary = f"Query on {code} answered"
                else:
                    summary = f"{code} figure for the period to {period_end:%d %B %Y} {what}"
                yield t.event(
                    when,
                    actor,
                    f"return_line.{what}",
                    "return_line",
                    line_id,
                    tender_id=tid,
                    contract_id=cid,
                    before=before,
                    after=after,
                    summary=summary,
                    ready=True,
                )
            else:
                yield t.event(
                    when,
                    None,
                    "contract.status_changed",
                    "contract",
                    cid,
                    tender_id=tid,
                    contract_id=cid,
                    before={"status": "not_due"},
                    after={"status": item[1], "as_at": item[2], "kpis": item[3]},
                    summary="Contract status changed from not due to "
                    f"{delivery.Rag(item[1]).label}",
                )

    @staticmethod
    def _states(what: str, figure: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The figure's state before and after a decision, as decide_line records them."""
        code, reported, query, answer, reason = figure
        pending = {
            "kpi": code,
            "reported": reported,
            "status": "pending",
            "query": "",
            "answer": "",
            "rejection_reason": "",
        }
        asked = pending | {"status": "queried", "query": query}
        if what == "queried":
            return pending, asked
        if what == "answered":
            return asked, asked | {"answer": answer}
        if what == "rejected":
            return pending, pending | {"status": "rejected", "rejection_reason": reason}
        if query:
            answered = asked | {"answer": answer}
            return answered, answered | {"status": "verified"}
        return pending, pending | {"status": "verified"}

    def _status(
        self,
        contract: dict[str, Any],
        kpis: list[dict[str, Any]],
        ends: list[dt.date],
        verified: dict[int, Decimal],
        rejected: dict[int, Decimal],
        unverified: dict[int, Decimal],
    ) -> tuple[str, dt.date | None, dict[str, str]]:
        """contract_view on stand-ins: the returned periods, and per KPI one figure per status."""
        ns = types.SimpleNamespace
        lines = []
        for kpi in kpis:
            for status, amounts in (
                ("verified", verified),
                ("rejected", rejected),
                ("pending", unverified),
            ):
                lines.append(
                    ns(kpi_id=kpi["id"], reported_quantity=amounts[kpi["id"]], status=status)
                )
        returns = [ns(period_end=end, lines=[]) for end in ends]
        if returns:
            returns[-1].lines = lines
        stand_in = ns(
            **{
                k: contract[k]
                for k in (
                    "start_date",
                    "end_date",
                    "reporting_frequency",
                    "due_days",
                    "green_from",
                    "amber_from",
                )
            },
            returns=returns,
            kpis=[
                ns(
                    id=k["id"],
                    committed_quantity=k["committed_quantity"],
                    accrual="even",
                    milestones=[],
                    proxy_value_gbp=None,
                    unit=k["unit"],
                )
                for k in kpis
            ],
        )
        view = contract_service.contract_view(cast(Any, stand_in), self.i.today)
        codes = {k["id"]: k["criterion_code"] for k in kpis}
        return (
            view.rag.value,
            view.as_at,
            {codes[v.kpi.id]: v.status.rag.value for v in view.kpis},
        )


# -- command line ---------------------------------------------------------------------------


def generate(
    engine: sa.Engine,
    sizes: Sizes,
    *,
    seed: int = 2026,
    workers: int | None = None,
    log: Callable[[str], None] = print,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Generate the installation into ``engine``'s (migrated, framework-synced) database."""
    installation = Installation(engine, sizes, seed=seed, workers=workers, log=log, now=now)
    return installation.run()


def report(summary: dict[str, Any], log: Callable[[str], None] = print) -> None:
    log("")
    log(f"{'table':<22}{'rows':>12}{'write s':>10}{'index s':>10}")
    for name, rows in sorted(summary["rows"].items(), key=lambda kv: -kv[1]):
        log(
            f"{name:<22}{rows:>12,}{summary['copy_seconds'].get(name, 0):>10.1f}"
            f"{summary['index_seconds'].get(name, 0):>10.1f}"
        )
    log(
        f"total {sum(summary['rows'].values()):,} rows in {summary['seconds']:.0f} s "
        f"({summary['events']:,} audit events; chain now ends at {summary['last_sequence']:,})"
    )
    log(
        f"CPU: {summary['cpu_seconds']:.0f} s in this process, "
        f"{summary['worker_cpu_seconds']:.0f} s in the award workers; "
        f"VACUUM ANALYZE {summary['analyze_seconds']:.0f} s"
    )
    if summary["delivery_shortfall"]:
        log(
            f"note: the contracts' terms allowed {summary['delivery_shortfall']:,} fewer "
            "delivery rows than asked for"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tenders", type=int, default=DEFAULT_SIZES[0])
    parser.add_argument("--bids", type=int, default=DEFAULT_SIZES[1])
    parser.add_argument("--delivery-rows", type=int, default=DEFAULT_SIZES[2])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="processes for the award results")
    parser.add_argument(
        "--migrate", action="store_true", help="run the migrations and sync the frameworks first"
    )
    parser.add_argument("--verify", action="store_true", help="verify the audit chain afterwards")
    args = parser.parse_args(argv)
    from socialvalue.app import create_app
    from socialvalue.config import normalise_database_url
    from socialvalue.extensions import db

    url = normalise_database_url(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if args.migrate:
            from flask_migrate import upgrade

            from socialvalue import framework_registry as registry
            from socialvalue.services.frameworks import sync_frameworks

            upgrade()
            sync_frameworks(db.session, registry.load_library(Path(app.config["FRAMEWORKS_DIR"])))
            db.session.commit()
        summary = generate(
            db.engine,
            Sizes(args.tenders, args.bids, args.delivery_rows),
            seed=args.seed,
            workers=args.workers,
        )
        report(summary)
        if args.verify:
            from socialvalue.services.audit import verify_chain

            start = time.perf_counter()
            chain = verify_chain(db.session)
            print(
                f"audit chain: {chain.events_checked:,} events checked in "
                f"{time.perf_counter() - start:.0f} s: {'intact' if chain.ok else chain.reason}"
            )
            if not chain.ok:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
