"""Benchmark the spreadsheet exports on 100,000 delivery-return-like rows.

    .venv/bin/python benchmarks/bench_tables.py [--rows 100000] [--repeat 3]

Our export path (socialvalue.exports.tables) = build the frame from row dicts (fixed columns,
human headers) + neutralise every text cell against formula injection + write the file
(XLSX: typed cells, formatted frozen header, fitted widths; CSV: UTF-8 with BOM, ISO dates).
The baseline is pandas writing the *same* frame, already in memory, with ``df.to_excel``
(openpyxl engine) and ``df.to_csv``: no neutralising, no formatting, no row building.

Target: our path takes at most 2x the baseline, for XLSX and for CSV. Timings are the best of
``--repeat`` runs (other processes on a shared machine only ever add time). Every tenth row has
a supplier answer that begins with "=", so the neutralising has real work to do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from socialvalue.exports import tables

TARGET_RATIO = 2.0
MEASURES = (
    ("SV1", "Local employment", "GMSVF-P3-LOCAL-EMPLOYMENT", "FTE-years"),
    ("SV2", "Apprenticeships", "GMSVF-P3-APPRENTICESHIPS", "apprenticeship-weeks"),
    ("SV3", "Spend with VCSE organisations", "GMSVF-P4-VCSE-SPEND", "GBP"),
)
STATUSES = ("Verified", "Awaiting verification", "Queried", "Rejected")


def delivery_rows(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        code, title, measure, unit = MEASURES[n % 3]
        start = dt.date(2024 + (n // 12) % 4, 1 + n % 12, 1)
        end = start + dt.timedelta(days=27)
        rows.append(
            {
                "contract_reference": f"GM-{n // 30:05d}",
                "supplier": f"Supplier {n % 997} Ltd",
                "period_start": start,
                "period_end": end,
                "due_on": end + dt.timedelta(days=20),
                "submitted_at": dt.datetime.combine(end, dt.time(9, n % 60), tzinfo=dt.UTC),
                "on_behalf": n % 7 == 0,
                "kpi": code,
                "kpi_title": title,
                "measure_code": measure,
                "unit": unit,
                "reported_quantity": Decimal(rng.randint(0, 10**7)) / 100,
                "status": STATUSES[n % 4],
                "decided_at": None,
                "query": "Please send the payroll extract" if n % 4 == 2 else "",
                "answer": '=HYPERLINK("http://evil.example","x")' if n % 10 == 0 else "Sent",
                "rejection_reason": "",
            }
        )
    return rows


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = delivery_rows(args.rows)
    frame = tables.returns_frame(rows)  # the baseline's frame, built once, outside the timing

    def ours_xlsx() -> bytes:
        return tables.to_xlsx_bytes(tables.returns_frame(rows), "Delivery returns")

    def ours_csv() -> bytes:
        return tables.to_csv_bytes(tables.returns_frame(rows))

    def pandas_xlsx() -> bytes:
        buffer = io.BytesIO()
        frame.to_excel(buffer, sheet_name="Delivery returns", index=False, engine="openpyxl")
        return buffer.getvalue()

    def pandas_csv() -> bytes:
        return frame.to_csv(index=False).encode("utf-8")

    columns = len(frame.columns)
    print(f"{args.rows:,} delivery-return rows, {columns} columns, best of {args.repeat}")
    failed = False
    for name, ours, theirs in (("XLSX", ours_xlsx, pandas_xlsx), ("CSV", ours_csv, pandas_csv)):
        ours_time = best_of(args.repeat, ours)
        pandas_time = best_of(args.repeat, theirs)
        ratio = ours_time / pandas_time
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        failed |= verdict == "FAIL"
        print(
            f"{name:4}  ours {ours_time:7.3f} s   pandas from memory {pandas_time:7.3f} s   "
            f"ratio {ratio:5.2f}x (target <= {TARGET_RATIO:.0f}x)  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
