"""``socialvalue`` console script: re-run a tender bundle without the web application.

    socialvalue score BUNDLE.json           readable table
    socialvalue score BUNDLE.json --json    canonical result JSON (byte-identical every run)
    socialvalue validate BUNDLE.json        list problems only

Exit status: 0 when the bundle was scored (even if the evaluation is still incomplete: the
output says so), 2 when the bundle cannot be read or is invalid (every problem on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .bundle import load_bundle, result_to_json
from .engine import score_tender
from .exact import display, money
from .results import EvaluationResult
from .types import TenderBundle
from .validation import BundleValidationError, Problem, validate_bundle

__all__ = ["format_table", "main"]

EXIT_OK = 0
EXIT_INVALID = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socialvalue",
        description="Score a tender bundle (price, quality and social value) exactly.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score a tender bundle and show the result")
    score.add_argument("bundle", help="tender bundle JSON file ('-' for standard input)")
    score.add_argument(
        "--json", action="store_true", help="print the canonical result JSON instead of a table"
    )
    validate = commands.add_parser("validate", help="check a tender bundle and list problems")
    validate.add_argument("bundle", help="tender bundle JSON file ('-' for standard input)")
    return parser


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def _report_problems(problems: Sequence[Problem], stderr: TextIO) -> None:
    count = len(problems)
    print(
        f"The tender bundle cannot be scored: {count} problem{'s' if count != 1 else ''}.",
        file=stderr,
    )
    for problem in problems:
        print(f"  - {problem.path}: {problem.message}", file=stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    stdout, stderr = sys.stdout, sys.stderr
    try:
        text = _read(args.bundle)
    except OSError as error:
        print(f"cannot read {args.bundle}: {error.strerror or error}", file=stderr)
        return EXIT_INVALID
    try:
        bundle: TenderBundle = load_bundle(text)
        if args.command == "validate":
            problems = validate_bundle(bundle)
            if problems:
                _report_problems(problems, stderr)
                return EXIT_INVALID
            print(f"{args.bundle}: valid tender bundle ({len(bundle.bids)} bids)", file=stdout)
            return EXIT_OK
        result = score_tender(bundle)
    except BundleValidationError as error:
        _report_problems(error.problems, stderr)
        return EXIT_INVALID
    if args.json:
        stdout.write(result_to_json(result))
    else:
        stdout.write(format_table(result))
    return EXIT_OK


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def format_table(result: EvaluationResult) -> str:
    """The result as a readable plain-text report."""
    out: list[str] = [f"Tender {result.tender_id}: {result.title}", f"Status: {result.status}"]
    methods = result.methods
    weights = result.group_weights
    out.append(
        f"Methods: price {methods.price_method}; quantitative {methods.quantitative_method}; "
        f"moderation {methods.moderation_mode}"
        + (
            f"; panel share {methods.panel_share} on {methods.panel_share_group}"
            if methods.panel_share is not None
            else ""
        )
    )
    out.append(
        f"Weights: price {display(weights.price)}, quality {display(weights.quality)}, "
        f"social value {display(weights.social_value)}"
    )
    if result.status != "final":
        out.append("")
        out.append("Still to be recorded before the result is final:")
        out.extend(
            f"  - bid {item.bid_id}, {item.criterion_id}: {item.reason}" for item in result.missing
        )
    else:
        out.append("")
        per_point = methods.price_method == "price_per_quality_point"
        bids = {bid.bid_id: bid for bid in result.bids}
        if per_point:
            headers = [
                "Rank",
                "Bid",
                "Supplier",
                "Price",
                "Quality",
                "Social value",
                "Points",
                "Per point",
            ]
        else:
            headers = ["Rank", "Bid", "Supplier", "Price", "Quality", "Social value", "Total"]
        rows: list[list[str]] = []
        for item in result.ranking:
            bid = bids[item.bid_id]
            rank = f"{item.rank}=" if item.tied_with else str(item.rank)
            if per_point:
                rows.append(
                    [
                        rank,
                        item.bid_id,
                        bid.supplier,
                        money(bid.price, result.currency),
                        display(item.subtotals.quality),
                        display(item.subtotals.social_value),
                        display(item.total),
                        "-"
                        if item.price_per_point is None
                        else money(item.price_per_point, result.currency),
                    ]
                )
            else:
                rows.append(
                    [
                        rank,
                        item.bid_id,
                        bid.supplier,
                        display(item.subtotals.price),
                        display(item.subtotals.quality),
                        display(item.subtotals.social_value),
                        display(item.total),
                    ]
                )
        if rows:
            out.extend(_table(headers, rows, set(range(3, len(headers))) | {0}))
        else:
            out.append("No compliant bids to rank.")
    if result.excluded:
        out.append("")
        out.append("Excluded:")
        out.extend(
            f"  - {item.bid_id} ({item.label}): {'; '.join(item.reasons)}"
            for item in result.excluded
        )
    if result.tie_breaks:
        out.append("")
        out.append("Ties:")
        out.extend(f"  - {tie.explanation}" for tie in result.tie_breaks)
    if result.warnings:
        out.append("")
        out.append("Warnings:")
        out.extend(f"  - {warning}" for warning in result.warnings)
    if result.sensitivity is not None:
        out.append("")
        out.append("Sensitivity:")
        out.append(f"  {result.sensitivity.summary}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
