"""Benchmark the tender evaluation report PDF on a 200-bid tender.

    .venv/bin/python benchmarks/bench_pdf.py [--bids 200] [--repeat 3]

Builds a tender in a temporary SQLite database (scenario S1's plan through the services; the
bids through ``record_bid``; three evaluators' submitted scores with rationales and a consensus
score on every qualitative pair as bulk inserts, so the result is final and the report has every
section at full size). Then times:

* ours: the full report path ``exports.documents.tender_report`` = gather (engine result,
  moderation, audit anchor) + render the print template + WeasyPrint (PDF/UA-1, tagged, with
  the static-only URL fetcher and metadata);
* WeasyPrint alone: ``weasyprint.HTML(string=<the same final HTML>).write_pdf()`` with its
  default options.

Target: ours / WeasyPrint <= 1.3. Timings are the best of ``--repeat`` runs, the two paths
interleaved (other processes on a shared machine only ever add time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "views"))

TARGET_RATIO = 1.3
SUPPLIERS = ("Northern", "Pennine", "Irwell", "Mersey", "Tame", "Roch", "Medlock", "Croal")


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = run()
        best = min(best, time.perf_counter() - start)
    return best, value


def build(bids: int) -> int:
    """The tender id of a final 200-bid S1-style tender in the current app's database."""
    from evaluation_support import S1_CONSENSUS, build_scenario, declare_all

    from socialvalue.extensions import db
    from socialvalue.models import ConsensusScore, IndividualScore
    from socialvalue.services import frameworks as framework_service

    framework_service.sync_frameworks(db.session, _library())
    db.session.commit()
    rows = [
        (
            f"{SUPPLIERS[n % len(SUPPLIERS)]} Services {n + 1} Ltd",
            Decimal(100000 + 250 * ((n * 37) % 200)),
            Decimal((n * 7) % 11 + 1),
        )
        for n in range(bids)
    ]
    scenario = build_scenario(bid_rows=rows, panel_count=2)
    declare_all(scenario)
    now = dt.datetime.now(dt.UTC)
    scored = []
    consensus = []
    for position, bid in enumerate(scenario.bids.values()):
        for code, by_bid in S1_CONSENSUS.items():
            criterion = scenario.criteria[code]
            base = list(by_bid.values())[position % 3]
            for user in scenario.evaluators:
                scored.append(
                    IndividualScore(
                        tender_id=scenario.tender_id,
                        bid_id=bid.id,
                        criterion_id=criterion.id,
                        evaluator_id=user.id,
                        evaluator_role="panel" if user in scenario.panel else "officer",
                        score=Decimal(base),
                        rationale=(
                            f"{user.display_name}: the answer on {code} for Bid {bid.label} "
                            "sets out a credible plan with named staff and clear milestones."
                        ),
                        submitted_at=now,
                    )
                )
            consensus.append(
                ConsensusScore(
                    tender_id=scenario.tender_id,
                    bid_id=bid.id,
                    criterion_id=criterion.id,
                    score=Decimal(base),
                    reason=f"Panel agreed {base} for Bid {bid.label} on {code}.",
                    recorded_by_id=scenario.officer.id,
                )
            )
    db.session.add_all(scored + consensus)
    db.session.commit()
    return scenario.tender_id


def _library() -> object:
    from socialvalue import framework_registry as registry

    return registry.load_library(ROOT / "frameworks")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SOCIALVALUE_INSTANCE_PATH"] = tmp
        from flask_migrate import upgrade
        from weasyprint import HTML

        from socialvalue.app import create_app
        from socialvalue.exports import documents
        from socialvalue.extensions import db
        from socialvalue.services.tenders import get_tender

        app = create_app(
            {
                "ENV_NAME": "testing",
                "TESTING": True,
                "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-123456",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "UPLOAD_DIR": f"{tmp}/uploads",
                "FRAMEWORKS_DIR": str(ROOT / "frameworks"),
            }
        )
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            tender_id = build(args.bids)
            print(f"built a {args.bids}-bid tender in {time.perf_counter() - start:.1f} s")

            def ours() -> documents.ReportDocument:
                db.session.expire_all()
                tender = get_tender(db.session, tender_id)
                assert tender is not None
                return documents.tender_report(db.session, tender, "Benchmark")

            with app.test_request_context():
                tender = get_tender(db.session, tender_id)
                assert tender is not None
                html, _title = documents.tender_report_html(db.session, tender, "Benchmark")
            base_url = (ROOT / "static").as_uri().rsplit("/", 1)[0] + "/"
            final_html = html.replace('href="/static/', 'href="static/')

            def weasyprint_alone() -> bytes:
                pdf: bytes = HTML(string=final_html, base_url=base_url).write_pdf()
                return pdf

            # Interleaved, so that load from other processes hits both alike.
            ours_time = base_time = float("inf")
            for _ in range(args.repeat):
                with app.test_request_context():
                    seconds, document = best_of(1, ours)
                ours_time = min(ours_time, seconds)
                seconds, baseline = best_of(1, weasyprint_alone)
                base_time = min(base_time, seconds)
            db.engine.dispose()

    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(document.pdf)).pages)  # type: ignore[attr-defined]
    base_pages = len(pypdf.PdfReader(io.BytesIO(baseline)).pages)  # type: ignore[arg-type]
    ratio = ours_time / base_time
    print(f"ours (gather + HTML + PDF/UA): {ours_time:.2f} s, {pages} pages")
    print(f"WeasyPrint alone, same HTML:   {base_time:.2f} s, {base_pages} pages")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO}): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
