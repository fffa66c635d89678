"""The load benchmark (benchmarks/bench_load.py) keeps working, and its baseline endpoint too.

The benchmark is run in a tiny mode (4 clients for 2 seconds a phase, 5 bids): this proves that
it builds its stack, signs its evaluators in, drives wrk, and that what it measured was real work
(every score save it counted landed in the database and the audit chain holds), not that any
figure meets its target: speed is for the benchmark itself to print, on a quiet machine.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from socialvalue.extensions import db
from socialvalue.models import FrameworkVersion

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(
    r"^(?P<label>(?:bare|floor|ours): [^\n]+?)\s+(?P<requests>[\d,]+)\s+(?P<rate>[\d.]+)"
    r"\s+(?P<p50>[\d.]+)\s+(?P<p95>[\d.]+)\s+(?P<p99>[\d.]+)\s+(?P<max>[\d.]+)"
    r"\s+(?P<errors>[\d,]+)$",
    re.MULTILINE,
)


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_load", ROOT / "benchmarks" / "bench_load.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module
    spec.loader.exec_module(module)
    return module


def test_bare_endpoint_reads_one_framework_row(client: Any, synced_frameworks: Any) -> None:
    first = db.session.execute(
        sa.select(FrameworkVersion).order_by(FrameworkVersion.id).limit(1)
    ).scalar_one()
    response = client.get("/healthz/db")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "framework": {
            "id": first.id,
            "key": f"{first.framework_id}@{first.version}",
            "content_hash": first.content_hash,
        },
    }
    # A readiness probe: no session cookie is set, and nobody needs to sign in.
    assert "Set-Cookie" not in response.headers


def test_bare_endpoint_answers_before_any_framework_is_loaded(client: Any) -> None:
    response = client.get("/healthz/db")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "framework": None}


@pytest.mark.postgres
@pytest.mark.slow
def test_tiny_run_prints_figures_and_its_writes_landed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (scripts/bootstrap --dev installs it)")
    bench = load_benchmark()
    code = bench.main(
        [
            "--clients",
            "4",
            "--duration",
            "2",
            "--warmup",
            "1",
            # Two bids: every pair comes round several times in 2 s, so a save whose version
            # the plan counted but wrk never sent would be refused as stale, as an error.
            "--bids",
            "2",
            "--workers",
            "2",
            "--no-durable",
        ]
    )
    out = capsys.readouterr().out
    assert code in (0, 1), out

    assert re.search(r"gunicorn \d+ sync workers", out), out
    assert "wrk -t2 -c4 -d2s" in out
    assert "load average before:" in out
    rows = list(ROW.finditer(out))
    bare = next(row for row in rows if row["label"].startswith("bare:"))
    ours = next(row for row in rows if row["label"].startswith("ours:"))
    floor = next(row for row in rows if row["label"].startswith("floor:"))
    for row in (bare, floor, ours):
        assert int(row["requests"].replace(",", "")) > 0, out
        assert float(row["rate"]) > 0
        assert float(row["p50"]) <= float(row["p95"]) <= float(row["p99"]) <= float(row["max"])
        # A tiny load on a correct server: every response is the one a browser expects.
        assert row["errors"] == "0", out

    # The bare endpoint answered every time with its JSON, through the same gunicorn.
    answered = re.search(r'bare reads answered \{"status": "ok"\}: ([\d,]+)', out)
    assert answered is not None, out
    assert int(answered.group(1).replace(",", "")) == int(bare["requests"].replace(",", ""))

    # Every draft the server accepted is in the database: one audit event and one new version
    # each (plus at most one per client cut off by the end of the run), and the chain holds.
    landed = re.search(
        r"mixed writes landed: ([\d,]+) drafts accepted .*?; ([\d,]+) new 'score.draft_saved' "
        r"audit events; score versions grew by ([\d,]+): PASS",
        out,
    )
    assert landed is not None, out
    accepted, events, versions = (int(g.replace(",", "")) for g in landed.groups())
    assert accepted > 0
    assert events == versions
    assert accepted <= events <= accepted + 4
    # The floor phase got the evaluators' declaration page every time.
    served = re.search(r"floor declaration pages served: ([\d,]+)", out)
    assert served is not None, out
    assert int(served.group(1).replace(",", "")) == int(floor["requests"].replace(",", ""))
    pages = re.search(r"mixed dashboard pages served: ([\d,]+)", out)
    assert pages is not None and int(pages.group(1).replace(",", "")) > 0
    assert re.search(r"audit chain after the run: [\d,]+ events, intact", out), out

    # The figures and the verdicts are printed (whatever they are on a busy machine).
    assert re.search(r"ratio p95 ours / p95 bare:\s+[\d.]+", out)
    assert re.search(r"ratio p95 floor / p95 bare:\s+[\d.]+", out)
    assert re.search(r"ratio p95 ours / p95 floor:\s+[\d.]+", out)
    assert re.search(r"target p95 ratio <= 3:\s+(PASS|FAIL)", out)
    assert re.search(r"target no errors:\s+PASS", out)
    assert re.search(r"target writes landed:\s+PASS", out)
    assert re.search(r"target audit chain intact:\s+PASS", out)
    assert re.search(r"CPU per request", out)
    assert "gunicorn log has tracebacks" not in out
