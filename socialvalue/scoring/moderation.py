"""Moderation: from individual evaluators' scores to the final raw score of each pair.

For every bid x qualitative criterion pair this works out the mean, range and (population)
standard deviation of the individual scores, whether the spread is wide enough to be flagged
for moderation, and then the final raw score under the plan's rule:

* ``consensus_required``: the consensus score, for every pair.
* ``mean_for_unflagged``: the consensus score where one is recorded, else the mean of the
  individual scores if the pair is not flagged; flagged pairs need a consensus score.
* With a panel share on the criterion's group: ``share x panel mean + (1 - share) x officer
  part``, where the officer part is the consensus score (or, where the rule allows a mean, the
  officers' mean).

Pairs that cannot be finalised yet are returned with the reason, which the engine turns into
the "incomplete" list. The statistics are computed in integers over a common denominator
(hundreds of thousands of scores would be slow as Fraction arithmetic) and only the results
become Fractions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import isqrt
from typing import Final

from .exact import show
from .results import ModerationDetail
from .types import ConsensusScore, Criterion, IndividualScore
from .validation import PairData, Prepared

__all__ = ["ModerationOutcome", "moderate"]

_ONE: Final = Fraction(1)


@dataclass(slots=True)
class ModerationOutcome:
    """Moderation of every qualitative pair.

    ``final`` maps bid id -> criterion id -> (final raw score, source); ``pending`` maps the
    (bid id, criterion id) pairs that cannot be finalised yet to the reason.
    """

    details: list[ModerationDetail] = field(default_factory=list)
    final: dict[str, dict[str, tuple[Fraction, str]]] = field(default_factory=dict)
    pending: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Stats:
    mean: Fraction
    range: Fraction
    std_dev: Decimal
    spread: int  # max - min in units of 1/denominator, for the flag test


class _StatsCache:
    """Mean, range and population standard deviation from integer sums, memoised.

    Scores are mapped to integers over one common denominator; a pair's statistics then depend
    only on (count, sum, sum of squares, max - min), which repeat a great deal across a tender.
    """

    def __init__(self, denominator: int) -> None:
        self.denominator = denominator
        self._memo: dict[tuple[int, int, int, int], _Stats] = {}

    def of(self, key: tuple[int, int, int, int]) -> _Stats:
        """Statistics from (count, sum, sum of squares, max - min) of the integer scores."""
        stats = self._memo.get(key)
        if stats is None:
            count, total, squares, spread = key
            denominator = self.denominator
            # Population variance = (n * sum(x^2) - (sum x)^2) / (n^2 * d^2); round its square
            # root half up to 4 dp in integers: floor(2y) = isqrt(floor(4 * v * 10^8)).
            spread_numerator = count * squares - total * total
            doubled = isqrt(
                (4 * spread_numerator * 10**8) // (count * count * denominator * denominator)
            )
            stats = _Stats(
                mean=Fraction(total, count * denominator),
                range=Fraction(spread, denominator),
                std_dev=Decimal((doubled + 1) // 2).scaleb(-4),
                spread=spread,
            )
            self._memo[key] = stats
        return stats


class _Texts:
    """Memoised pieces of explanations, keyed cheaply (Fraction hashing is slow)."""

    def __init__(self, denominator: int, values: dict[object, Fraction], flag: Fraction) -> None:
        self.denominator = denominator
        self.values = values
        self.flag = flag
        self._stats: dict[tuple[int, int, int], tuple[bool, str]] = {}
        self._consensus: dict[object, tuple[Fraction, str]] = {}
        self._means: dict[tuple[int, int], tuple[Fraction, str]] = {}
        self._blends: dict[tuple[object, ...], tuple[Fraction, str]] = {}

    def stats(self, lowest: int, highest: int, stats: _Stats) -> tuple[bool, str]:
        """Whether the pair is flagged, and its statistics in words."""
        key = (lowest, highest, id(stats))
        found = self._stats.get(key)
        if found is None:
            flag = self.flag
            flagged = stats.spread * flag.denominator >= (
                flag.numerator * (highest - lowest) * self.denominator
            )
            scale = f"{lowest}-{highest}"
            if flagged:
                words = f"flagged for moderation: range {show(stats.range)} on {scale}"
            else:
                words = f"not flagged: range {show(stats.range)} on {scale}, below {flag} of it"
            found = self._stats[key] = (
                flagged,
                f"individual mean {show(stats.mean)}, {words}",
            )
        return found

    def consensus(self, value: object) -> tuple[Fraction, str]:
        """A consensus score's exact value and how it is shown."""
        found = self._consensus.get(value)
        if found is None:
            exact = self.values[value]
            found = self._consensus[value] = (exact, show(exact))
        return found

    def mean(self, total: int, count: int) -> tuple[Fraction, str]:
        """The mean of ``count`` integer-mapped scores adding up to ``total``."""
        key = (total, count)
        found = self._means.get(key)
        if found is None:
            exact = Fraction(total, count * self.denominator)
            found = self._means[key] = (exact, show(exact))
        return found

    def blend(
        self, share: Fraction, panel: tuple[Fraction, str], officer: tuple[Fraction, str], what: str
    ) -> tuple[Fraction, str]:
        """share x panel mean + (1 - share) x officer part, with its formula."""
        key = (panel[1], officer[1], what)
        found = self._blends.get(key)
        if found is None:
            # share x p + (1 - share) x o over one denominator: one reduction, not four.
            sn, sd = share.numerator, share.denominator
            pn, pd = panel[0].numerator, panel[0].denominator
            on, od = officer[0].numerator, officer[0].denominator
            value = Fraction(sn * pn * od + (sd - sn) * on * pd, sd * pd * od)
            found = self._blends[key] = (
                value,
                f"{share} × panel mean {panel[1]} + {_ONE - share} × {what} {officer[1]} "
                f"= {show(value)}",
            )
        return found


def moderate(
    prepared: Prepared, criteria: Sequence[Criterion], bid_ids: Sequence[str]
) -> ModerationOutcome:
    """Moderate every pair of ``bid_ids`` x qualitative ``criteria`` (both already sorted)."""
    plan = prepared.bundle.plan
    outcome = ModerationOutcome(final={bid_id: {} for bid_id in bid_ids})
    stats_cache = _StatsCache(prepared.denominator)
    stats_of = stats_cache.of
    texts = _Texts(stats_cache.denominator, prepared.score_values, prepared.flag_fraction)
    mean_allowed = plan.moderation.mode == "mean_for_unflagged"
    share = prepared.panel_share
    share_group = plan.panel_share.applies_to_group if plan.panel_share is not None else None
    no_scores: dict[str, PairData] = {}
    no_consensus: dict[str, ConsensusScore] = {}
    details_append = outcome.details.append
    final = outcome.final
    pending = outcome.pending
    for criterion in criteria:
        scale = criterion.scale
        assert scale is not None
        cid = criterion.id
        lowest, highest = scale.minimum, scale.maximum
        blended = share is not None and criterion.group == share_group
        # (count, sum, sum of squares, range) -> (statistics, flagged, statistics in words)
        seen: dict[tuple[int, int, int, int], tuple[_Stats, bool, str]] = {}
        seen_get = seen.get
        scores_get = prepared.pair_data.get(cid, no_scores).get
        consensus_get = prepared.consensus.get(cid, no_consensus).get
        for bid_id in bid_ids:
            pair = scores_get(bid_id)
            consensus = consensus_get(bid_id)
            stats: _Stats | None = None
            flagged = False
            stats_text = ""
            individual: tuple[IndividualScore, ...] = ()
            panel_total = panel_count = officer_total = officer_count = 0
            if pair is not None:
                individual = pair.scores
                if blended:
                    panel_total, panel_count = pair.panel_total, pair.panel_count
                    officer_total = pair.total - panel_total
                    officer_count = pair.size - panel_count
                stats_key = (pair.size, pair.total, pair.squares, pair.spread)
                found = seen_get(stats_key)
                if found is None:
                    stats = stats_of(stats_key)
                    found = seen[stats_key] = (stats, *texts.stats(lowest, highest, stats))
                stats, flagged, stats_text = found
            value: Fraction | None = None
            source: str | None = None
            panel_mean: Fraction | None = None
            officer_mean: Fraction | None = None
            if not blended:
                if consensus is not None:
                    value, shown = texts.consensus(consensus.score)
                    source = "consensus"
                    text = f"consensus score {shown} used"
                    if stats is not None:
                        text = f"{text} ({stats_text})"
                elif stats is None:
                    text = "no individual scores or consensus score recorded"
                elif flagged:
                    text = _flagged_reason(stats, lowest, highest, "consensus score")
                elif mean_allowed:
                    value, source = stats.mean, "mean"
                    text = f"mean of individual scores used ({stats_text})"
                else:
                    text = (
                        "consensus score with reason required (moderation rule: "
                        f"consensus_required; {stats_text})"
                    )
            else:
                assert share is not None
                officer: tuple[Fraction, str] | None = None
                what = "officer consensus"
                if officer_count:
                    officer_mean = texts.mean(officer_total, officer_count)[0]
                if panel_count:
                    panel_mean = texts.mean(panel_total, panel_count)[0]
                if consensus is not None:
                    officer = texts.consensus(consensus.score)
                    text = ""
                elif stats is None:
                    text = "no individual scores or consensus score recorded"
                elif flagged:
                    text = _flagged_reason(stats, lowest, highest, "officer consensus score")
                elif not mean_allowed:
                    text = (
                        "officer consensus score with reason required (moderation rule: "
                        f"consensus_required; {stats_text})"
                    )
                elif not officer_count:
                    text = (
                        "no officer score or consensus recorded for the officer part of the "
                        "panel share"
                    )
                else:
                    officer = texts.mean(officer_total, officer_count)
                    what = "officer mean"
                    text = ""
                if officer is not None:
                    if panel_count:
                        value, text = texts.blend(
                            share, texts.mean(panel_total, panel_count), officer, what
                        )
                        source = "panel_share"
                    elif share == 0:
                        value, source = officer[0], "panel_share"
                        text = f"panel share 0: 1 × {what} {officer[1]} = {officer[1]}"
                    else:
                        text = (
                            f"panel share {share} applies but no panel-member scores are recorded"
                        )
                    if value is not None and stats is not None:
                        text = f"{text} ({stats_text})"
            if value is None:
                pending[(bid_id, cid)] = text
            else:
                assert source is not None
                final[bid_id][cid] = (value, source)
            details_append(
                ModerationDetail(
                    bid_id,
                    cid,
                    lowest,
                    highest,
                    individual,
                    None if stats is None else stats.mean,
                    None if stats is None else stats.range,
                    None if stats is None else stats.std_dev,
                    flagged,
                    consensus,
                    panel_mean,
                    officer_mean,
                    value,
                    source,
                    text,
                )
            )
    return outcome


def _flagged_reason(stats: _Stats, lowest: int, highest: int, what: str) -> str:
    return (
        f"flagged for moderation (range {show(stats.range)} on {lowest}-{highest}); "
        f"{what} with reason required"
    )
