"""Sensitivity: how close the result is to going another way.

Two questions, both answered exactly and in closed form (no search, no re-scoring), and only
ever against the winner, so the cost grows linearly with the number of bids:

**Weights.** For each other compliant bid, the smallest change of the group weights (moving
points between price, quality and social value, each kept within 0..100, summing to 100, with
the criterion weights inside a group scaled in proportion) at which it would draw level with
the winner. A bid's score is linear in the group weights (``sum_g W_g x n_g``, with ``n_g`` the
bid's group score as a share of the group weight), so the margin against the winner is linear
too and the cheapest change is a small linear programme: move points into the group where the
challenger gains most on the winner, taking them first from the groups where it gains least.

**Scores.** For each runner-up, the smallest rise in one criterion that would let it win: a
qualitative raw score within its scale, or a commitment. Rises are compared as a share of the
criterion's measuring range (scale width, target, or best compliant commitment / offer). Under
``relative_to_best`` (and the monetised pool) a commitment above the current best becomes the
new benchmark and lowers every other bid's score on that criterion; the exact break-even is
then the maximum over all bids of a hyperbola, found with a lower envelope of lines (convex
hull trick) in O(n log n) per criterion.

All answers are break-even points: there the two bids draw level and the declared tie-break
rules decide; any change beyond it changes the winner.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

from .exact import display, money, show
from .results import (
    CriterionScore,
    GroupScores,
    ScoreSensitivity,
    SensitivityReport,
    WeightMove,
    WeightSensitivity,
)
from .types import GROUPS, Criterion

__all__ = ["SensitivityInput", "analyse"]

_ZERO: Final = Fraction(0)
_ONE: Final = Fraction(1)
# Stands for the monetised criteria pooled together in the candidate lists.
_POOL: Final = "<monetised pool>"
_NAMES: Final = {"price": "price", "quality": "quality", "social_value": "social value"}


@dataclass(frozen=True, slots=True)
class SensitivityInput:
    """What the engine knows after scoring, restricted to compliant bids."""

    order: tuple[str, ...]
    winner_id: str | None
    per_point: bool
    group_weights: dict[str, Fraction]
    subtotals: dict[str, GroupScores]
    values: dict[str, Fraction]
    prices: dict[str, Fraction]
    criteria: tuple[Criterion, ...]
    methods: dict[str, str]
    weights: dict[str, Fraction]
    targets: dict[str, Fraction]
    proxies: dict[str, Fraction]
    #: Each bid's scores: price first, then the criteria in ``criteria`` order.
    scores: dict[str, tuple[CriterionScore, ...]]
    best_commitments: dict[str, Fraction]
    offers: dict[str, Fraction]
    best_offer: Fraction | None
    pool_weight: Fraction | None
    monetised: tuple[str, ...]
    currency: str
    #: Criterion id -> its position in each bid's ``scores``.
    positions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions.update({c.id: i + 1 for i, c in enumerate(self.criteria)})

    def raw(self, bid_id: str, criterion_id: str) -> Fraction:
        """A compliant bid's raw score or commitment on a criterion."""
        return self.scores[bid_id][self.positions[criterion_id]].raw

    def weighted(self, bid_id: str, criterion_id: str) -> Fraction:
        """A compliant bid's points on a criterion."""
        weighted = self.scores[bid_id][self.positions[criterion_id]].weighted
        assert weighted is not None
        return weighted


def analyse(inp: SensitivityInput) -> SensitivityReport:
    """Weight and score sensitivity of the winner against every other compliant bid."""
    if len(inp.order) < 2:
        text = (
            "no compliant bids: nothing to compare"
            if not inp.order
            else f"only one compliant bid ({inp.order[0]}): there is no other bid to compare"
        )
        return SensitivityReport("no_contest", inp.winner_id, True, None, (), (), text)
    if inp.winner_id is None:
        return SensitivityReport(
            "no_single_winner",
            None,
            False,
            None,
            (),
            (),
            "no single winner: the leading bids are in an unresolved tie, so sensitivity is not "
            "computed until the tie is resolved",
        )
    winner = inp.winner_id
    challengers = [bid_id for bid_id in inp.order if bid_id != winner]
    weights = _WeightAnalysis(inp)
    weight_results = tuple(weights.against(bid_id) for bid_id in challengers)
    scores = _ScoreAnalysis(inp)
    score_results = tuple(scores.runner_up(bid_id) for bid_id in challengers)

    smallest: WeightSensitivity | None = None
    for item in weight_results:  # in ranking order, so the first of equals is kept
        if item.points is not None and (
            smallest is None or smallest.points is None or item.points < smallest.points
        ):
            smallest = item
    summary = [_winner_text(inp)]
    if smallest is None:
        summary.append(
            "Weights: robust. No allowed change of group weights lets another bid overtake "
            f"{winner}."
        )
    else:
        summary.append(f"Weights: {smallest.explanation}.")
    runner_up = score_results[0]
    summary.append(f"Scores, closest runner-up {runner_up.bid_id}: {runner_up.explanation}.")
    robust_count = sum(1 for item in score_results if item.robust)
    if robust_count == 0:
        summary.append(
            f"Every other compliant bid could overtake {winner} with a rise on a single criterion."
        )
    elif robust_count == len(score_results):
        summary.append(
            f"Robust to single scores: no other compliant bid can overtake {winner} with a rise "
            "on any single criterion."
        )
    else:
        summary.append(
            f"{robust_count} of {len(score_results)} other compliant bids cannot overtake "
            f"{winner} with a rise on any single criterion; the rest could."
        )
    return SensitivityReport(
        "computed",
        winner,
        smallest is None,
        smallest,
        weight_results,
        score_results,
        " ".join(summary),
    )


def _winner_text(inp: SensitivityInput) -> str:
    winner = inp.winner_id
    assert winner is not None
    if inp.per_point:
        subtotals = inp.subtotals[winner]
        points = subtotals.quality + subtotals.social_value
        if points.numerator == 0:
            return f"{winner} wins on the tie-break rules (no bid scored any points)."
        per_point = inp.prices[winner] / points
        return f"{winner} wins at {money(per_point, inp.currency)} per point."
    return f"{winner} wins with {display(inp.values[winner])}."


def _points(value: Fraction) -> str:
    """Points for a sentence: 2 dp, plus the exact value when that differs."""
    shown = display(value)
    if (value.numerator * 100) % value.denominator == 0:
        return f"{shown} points"
    return f"{shown} points (exactly {value})"


# -- weights ------------------------------------------------------------------------------------


class _WeightAnalysis:
    def __init__(self, inp: SensitivityInput) -> None:
        self.inp = inp
        weights = inp.group_weights
        # Under price_per_quality_point price carries no points and its weight stays 0.
        self.groups = ("quality", "social_value") if inp.per_point else GROUPS
        self.sources = [g for g in self.groups if weights[g] > _ZERO]
        shares: dict[str, dict[str, Fraction]] = {}
        for bid_id in inp.order:
            subtotals = inp.subtotals[bid_id]
            share: dict[str, Fraction] = {}
            for group in self.groups:
                if weights[group] > _ZERO:
                    share[group] = subtotals.get(group) / weights[group]
                elif group == "price":
                    # A 0 price weight still has a well-defined price score per point of weight.
                    normalised = inp.scores[bid_id][0].normalised
                    if normalised is not None:
                        share[group] = normalised
            shares[bid_id] = share
        self.shares = shares
        # Groups that can receive points: those whose criterion weights can scale in proportion.
        winner = inp.winner_id
        assert winner is not None
        self.targets = [g for g in self.groups if g in shares[winner]]

    def against(self, bid_id: str) -> WeightSensitivity:
        """The cheapest reallocation of group weights with which ``bid_id`` draws level."""
        inp = self.inp
        winner = inp.winner_id
        assert winner is not None
        mine = self.shares[bid_id]
        theirs = self.shares[winner]
        weights = inp.group_weights
        if inp.per_point:
            # margin = p_w * points_j - p_j * points_w, linear in the weights.
            price_j = inp.prices[bid_id]
            price_w = inp.prices[winner]
            gain = {g: price_w * mine[g] - price_j * theirs[g] for g in self.targets}
            sub_j, sub_w = inp.subtotals[bid_id], inp.subtotals[winner]
            gap = price_j * (sub_w.quality + sub_w.social_value) - price_w * (
                sub_j.quality + sub_j.social_value
            )
        else:
            gain = {g: mine[g] - theirs[g] for g in self.targets}
            gap = inp.values[winner] - inp.values[bid_id]
        # Moving one point from a to b changes the margin by rate(a, b) = gain[b] - gain[a].
        rate: dict[tuple[str, str], Fraction] = {}
        for source in self.sources:
            for target in self.targets:
                if target != source and (source, target) not in rate:
                    difference = gain[target] - gain[source]
                    rate[(source, target)] = difference
                    rate[(target, source)] = -difference
        single: list[tuple[str, str, Fraction | None]] = []
        for source in self.sources:
            for target in self.targets:
                if target == source:
                    continue
                points: Fraction | None = None
                step = rate[(source, target)]
                if step.numerator > 0:
                    points = gap / step
                    if points > weights[source]:
                        points = None
                single.append((source, target, points))
        if not self.targets:
            return self._robust(bid_id, tuple(single))
        # All points go to the group where the challenger gains most on the winner, taken first
        # from the groups where it gains least (a fractional knapsack: greedy is optimal).
        best_target = self.targets[0]
        for group in self.targets[1:]:
            if gain[group] > gain[best_target]:
                best_target = group
        rates = sorted(
            (
                (rate[(g, best_target)], GROUPS.index(g), g)
                for g in self.sources
                if g != best_target and rate[(g, best_target)].numerator > 0
            ),
            key=lambda item: (-item[0], item[1]),
        )
        remaining = gap
        moves: list[WeightMove] = []
        for step, _index, source in rates:
            need = remaining / step
            if need <= weights[source]:
                moves.append(WeightMove(source, best_target, need))
                remaining = _ZERO
                break
            moves.append(WeightMove(source, best_target, weights[source]))
            remaining -= weights[source] * step
        if remaining > _ZERO or not moves:
            return self._robust(bid_id, tuple(single))
        points = sum((move.points for move in moves), _ZERO)
        new = dict(weights)
        for move in moves:
            new[move.from_group] -= move.points
            new[move.to_group] += move.points
        new_weights = GroupScores(new["price"], new["quality"], new["social_value"])
        weights_text = ", ".join(f"{_NAMES[g]} {display(new[g])}" for g in GROUPS)
        measure = " on price per point" if inp.per_point else ""
        if gap.numerator == 0:
            explanation = (
                f"{bid_id} is level with {winner}{measure} (separated only by the tie-break "
                f"rules): any move of points from {_NAMES[moves[0].from_group]} to "
                f"{_NAMES[best_target]} puts {bid_id} ahead"
            )
        else:
            moved = " and ".join(f"{_points(m.points)} from {_NAMES[m.from_group]}" for m in moves)
            total = f" ({_points(points)} in all)" if len(moves) > 1 else ""
            explanation = (
                f"moving {moved} to {_NAMES[best_target]}{total} would bring {bid_id} level with "
                f"{winner}{measure} (weights then {weights_text}); any further move puts "
                f"{bid_id} ahead"
            )
        return WeightSensitivity(
            bid_id, False, points, tuple(moves), new_weights, tuple(single), explanation
        )

    def _robust(
        self, bid_id: str, single: tuple[tuple[str, str, Fraction | None], ...]
    ) -> WeightSensitivity:
        return WeightSensitivity(
            bid_id,
            True,
            None,
            (),
            None,
            single,
            f"robust: no reallocation of group weights (each kept within 0–100, summing to 100) "
            f"lets {bid_id} overtake {self.inp.winner_id}",
        )


# -- scores -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Option:
    share: Fraction
    order: int
    criterion_id: str
    current: Fraction
    required: Fraction
    change: Fraction
    moves_benchmark: bool
    explanation: str


class _Envelope:
    """Lower envelope of lines ``y = slope * t + intercept``, queried for its minimum at t."""

    def __init__(self, lines: list[tuple[Fraction, Fraction, str]]) -> None:
        # Steepest first: for a minimum envelope the steepest line is lowest as t -> -infinity.
        lines.sort(key=lambda line: (-line[0], line[1], line[2]))
        hull: list[tuple[Fraction, Fraction, str]] = []
        for slope, intercept, key in lines:
            if hull and hull[-1][0] == slope:
                continue  # same slope, higher or equal intercept: never the minimum
            while len(hull) >= 2:
                s1, c1, _ = hull[-2]
                s2, c2, _ = hull[-1]
                # Drop the middle line when the new one undercuts it before it ever leads:
                # x(1,3) <= x(1,2), cross-multiplied (both slope gaps are positive).
                if (intercept - c1) * (s1 - s2) <= (c2 - c1) * (s1 - slope):
                    hull.pop()
                else:
                    break
            hull.append((slope, intercept, key))
        self.hull = hull
        self.breaks = [
            (hull[i + 1][1] - hull[i][1]) / (hull[i][0] - hull[i + 1][0])
            for i in range(len(hull) - 1)
        ]

    def minimum(self, t: Fraction) -> tuple[Fraction, str]:
        """The lowest line at ``t`` (its value and key), by binary search on the breakpoints."""
        slope, intercept, key = self.hull[bisect_left(self.breaks, t)]
        return slope * t + intercept, key


class _Benchmark:
    """Everything needed to move a relative_to_best benchmark (or the monetised pool's).

    If bid j raises its commitment to x' above the best B, each bid k's value becomes
    ``b_k + a_k / x'`` (its score on this criterion falls to ``w x_k / x'``) while j's becomes
    ``t_j`` (the full weight). j leads everyone iff ``x' > a_k / (t_j - b_k)`` for every k, so
    the break-even is ``1 / min_k (t_j - b_k) / a_k``: the minimum of lines in t_j.
    """

    def __init__(
        self,
        inp: SensitivityInput,
        weight: Fraction,
        best: Fraction,
        amounts: dict[str, Fraction],
        weighted: dict[str, Fraction],
    ) -> None:
        self.inp = inp
        self.weight = weight
        self.best = best
        self.amounts = amounts
        # b_k: each bid's value without this criterion (per £ under price_per_quality_point).
        if inp.per_point:
            rests = {
                b: (inp.values[b] * inp.prices[b] - weighted[b]) / inp.prices[b] for b in inp.order
            }
        else:
            rests = {b: inp.values[b] - weighted[b] for b in inp.order}
        self.rests = rests
        self.highest = max(rests.values())
        self._envelope: _Envelope | None = None

    def break_even(self, t: Fraction) -> tuple[Fraction, str] | None:
        """The commitment at which a bid whose value would be ``t`` draws level, and with whom."""
        if t <= self.highest:
            return None
        if self._envelope is None:
            self._envelope = _Envelope(self._frontier_lines())
        lowest, key = self._envelope.minimum(t)
        return _ONE / lowest, key

    def _frontier_lines(self) -> list[tuple[Fraction, Fraction, str]]:
        """Lines for the bids that can ever bind: the Pareto frontier of (a_k, b_k).

        For t above every b, a bid with both a larger a and a larger b than another always
        needs the higher commitment, so the other can be dropped. Scanning by b from the top
        and keeping each bid whose a beats all before it leaves only the frontier (usually a
        handful of bids), so the hull is built over few lines instead of sorting them all.
        """
        inp = self.inp
        amounts = {}
        for bid_id in inp.order:
            amount = self.amounts[bid_id]
            if amount.numerator > 0:
                a = self.weight * amount
                amounts[bid_id] = a / inp.prices[bid_id] if inp.per_point else a
        rests = self.rests
        approximate = {bid_id: float(rests[bid_id]) for bid_id in amounts}
        ordered = sorted(amounts, key=approximate.__getitem__, reverse=True)
        # Floats keep the order except within runs of equal floats: put those in exact order.
        start = 0
        while start < len(ordered):
            end = start + 1
            while end < len(ordered) and approximate[ordered[end]] == approximate[ordered[start]]:
                end += 1
            if end - start > 1:
                ordered[start:end] = sorted(ordered[start:end], key=rests.__getitem__, reverse=True)
            start = end
        lines: list[tuple[Fraction, Fraction, str]] = []
        highest_a: Fraction | None = None
        for bid_id in ordered:
            a = amounts[bid_id]
            if highest_a is None or a > highest_a:
                highest_a = a
                lines.append((_ONE / a, -rests[bid_id] / a, bid_id))
        return lines


class _ScoreAnalysis:
    def __init__(self, inp: SensitivityInput) -> None:
        self.inp = inp
        winner = inp.winner_id
        assert winner is not None
        self.winner = winner
        # Candidate criteria, heaviest first: for every option that does not move a benchmark
        # the share of range needed is gap / weight, so the heaviest feasible one is cheapest.
        candidates: list[tuple[Fraction, int, str]] = []
        for position, criterion in enumerate(inp.criteria):
            weight = inp.weights[criterion.id]
            if weight <= _ZERO or inp.methods.get(criterion.id) == "monetised":
                continue
            candidates.append((weight, position, criterion.id))
        self.pool_weight = inp.pool_weight if inp.monetised else None
        if self.pool_weight is not None and self.pool_weight > _ZERO:
            candidates.append((self.pool_weight, len(inp.criteria), _POOL))
        candidates.sort(key=lambda item: (-item[0], item[1]))
        self.candidates = candidates
        self.by_id = {criterion.id: criterion for criterion in inp.criteria}
        self.positions = {criterion.id: index for index, criterion in enumerate(inp.criteria)}
        self._benchmarks: dict[str, _Benchmark] = {}
        # Criteria whose benchmark moves when a bid beats the best (and the monetised pool).
        self.relative: list[tuple[str, Fraction, Fraction]] = [
            (c.id, inp.weights[c.id], inp.best_commitments[c.id])
            for c in inp.criteria
            if inp.methods.get(c.id) == "relative_to_best" and inp.weights[c.id] > _ZERO
        ]
        if self.pool_weight is not None and self.pool_weight > _ZERO:
            assert inp.best_offer is not None
            self.relative.append((_POOL, self.pool_weight, inp.best_offer))
        # The winner's value without each such criterion: a runner-up whose best possible
        # value does not beat it cannot win by moving that benchmark (a cheap first test).
        self.winner_rest = {
            key: self._value_without(winner, key) for key, _weight, _best in self.relative
        }
        # The monetised pool is shown in units of its highest-value criterion (fewest units).
        self.pool_criterion = (
            min(inp.monetised, key=lambda c: (-inp.proxies[c], c)) if inp.monetised else None
        )

    def _gap(self, bid_id: str) -> Fraction:
        """Points the bid must gain (on its own) to draw level with the winner."""
        inp = self.inp
        if inp.per_point:
            mine, theirs = inp.subtotals[bid_id], inp.subtotals[self.winner]
            points_w = theirs.quality + theirs.social_value
            points_j = mine.quality + mine.social_value
            return points_w * inp.prices[bid_id] / inp.prices[self.winner] - points_j
        return inp.values[self.winner] - inp.values[bid_id]

    def _value_without(self, bid_id: str, key: str) -> Fraction:
        inp = self.inp
        if inp.per_point:
            price = inp.prices[bid_id]
            return (inp.values[bid_id] * price - self._weighted(bid_id, key)) / price
        return inp.values[bid_id] - self._weighted(bid_id, key)

    def _weighted(self, bid_id: str, key: str) -> Fraction:
        if key == _POOL:
            return sum((self.inp.weighted(bid_id, c) for c in self.inp.monetised), _ZERO)
        return self.inp.weighted(bid_id, key)

    def runner_up(self, bid_id: str) -> ScoreSensitivity:
        """The smallest single-criterion rise with which ``bid_id`` would win, or robust."""
        gap = self._gap(bid_id)
        best: _Option | None = None
        # Options that leave every benchmark where it is.
        for weight, _position, key in self.candidates:
            if weight <= gap:
                break  # this and every lighter criterion cannot make up the gap
            if gap < weight - self._weighted(bid_id, key):
                option = self._fixed_option(bid_id, key, gap, weight)
                if option is not None:
                    best = option
                    break
        for key, weight, benchmark in self.relative:
            if benchmark.numerator == 0:
                # A zero benchmark: any commitment above 0 takes the whole weight.
                if gap < weight:
                    option = self._zero_best_option(bid_id, key, weight)
                    if best is None or (option.share, option.order) < (best.share, best.order):
                        best = option
                continue
            headroom = weight - self._weighted(bid_id, key)
            if gap < headroom:
                continue  # it can win without moving the benchmark (found above)
            # Raising the commitment above the best moves the benchmark.
            if self.inp.per_point:
                t = self.inp.values[bid_id] + headroom / self.inp.prices[bid_id]
            else:
                t = self.inp.values[bid_id] + headroom
            if t <= self.winner_rest[key]:
                continue
            option = self._moving_option(bid_id, key, t, weight, benchmark)
            if option is not None and (
                best is None or (option.share, option.order) < (best.share, best.order)
            ):
                best = option
        behind = self._behind_text(bid_id, gap)
        if best is None:
            return ScoreSensitivity(
                bid_id,
                gap,
                True,
                None,
                None,
                None,
                None,
                None,
                False,
                f"robust: no rise of a single qualitative score within its scale, or of a single "
                f"commitment, lets {bid_id} overtake {self.winner} ({behind})",
            )
        return ScoreSensitivity(
            bid_id,
            gap,
            False,
            best.criterion_id,
            best.current,
            best.required,
            best.change,
            best.share,
            best.moves_benchmark,
            f"{best.explanation} ({behind})",
        )

    def _behind_text(self, bid_id: str, gap: Fraction) -> str:
        if gap.numerator == 0:
            return f"level with {self.winner} before any change"
        if self.inp.per_point:
            return (
                f"{bid_id} needs {show(gap)} more points to match {self.winner}'s price per point"
            )
        return f"{show(gap)} points behind {self.winner}"

    def _order(self, key: str) -> int:
        return self.positions.get(key, len(self.positions))

    def _fixed_option(
        self, bid_id: str, key: str, gap: Fraction, weight: Fraction
    ) -> _Option | None:
        inp = self.inp
        share = gap / weight
        who = f"{bid_id} level with {self.winner}"
        if gap.numerator == 0:
            # Already level, behind only on the tie-break rules: any rise at all wins.
            criterion_id = self.pool_criterion if key == _POOL else key
            assert criterion_id is not None
            current = inp.raw(bid_id, criterion_id)
            return _Option(
                share,
                self._order(criterion_id),
                criterion_id,
                current,
                current,
                _ZERO,
                False,
                f"{bid_id} is level with {self.winner} and behind only on the tie-break rules: "
                f"any rise in {criterion_id} (now {show(current)}) puts it ahead",
            )
        if key == _POOL:
            assert inp.best_offer is not None
            assert self.pool_criterion is not None
            if inp.best_offer == _ZERO:
                return None  # every bid scores 0 here; handled as a zero benchmark
            pounds = share * inp.best_offer
            return self._pool_option(bid_id, share, pounds, False, who, inp.best_offer)
        criterion = self.by_id[key]
        current = inp.raw(bid_id, key)
        method = inp.methods.get(key)
        if criterion.kind == "qualitative":
            scale = criterion.scale
            assert scale is not None
            change = share * (scale.maximum - scale.minimum)
            required = current + change
            text = (
                f"raising {key} from {show(current)} to {show(required)} on its "
                f"{scale.label()} scale (+{show(change)}, {display(share * 100)}% of the scale) "
                f"would bring {who}; any higher score wins"
            )
        elif method == "against_target":
            target = inp.targets[key]
            change = share * target
            required = current + change
            text = (
                f"raising the {key} commitment from {show(current)} to {show(required)} "
                f"{criterion.unit} (target {show(target)}) would bring {who}; any more wins"
            )
        else:
            benchmark = inp.best_commitments[key]
            if benchmark == _ZERO:
                return None  # every bid scores 0 here; handled as a zero benchmark
            change = share * benchmark
            required = current + change
            text = (
                f"raising the {key} commitment from {show(current)} to {show(required)} "
                f"{criterion.unit} (best compliant {show(benchmark)}) would bring {who}; "
                "any more wins"
            )
        return _Option(share, self._order(key), key, current, required, change, False, text)

    def _pool_option(
        self,
        bid_id: str,
        share: Fraction,
        pounds: Fraction,
        moves: bool,
        who: str,
        benchmark: Fraction,
    ) -> _Option:
        inp = self.inp
        key = self.pool_criterion
        assert key is not None
        proxy = inp.proxies[key]
        current = inp.raw(bid_id, key)
        change = pounds / proxy
        criterion = self.by_id[key]
        offer = inp.offers[bid_id]
        beyond = (
            f", above the best compliant offer of {money(benchmark)}, which it replaces as the "
            "benchmark (lowering every other bid's monetised score)"
            if moves
            else f" (best compliant offer {money(benchmark)})"
        )
        text = (
            f"raising the social value offer from {money(offer)} to {money(offer + pounds)}"
            f"{beyond}, e.g. {key} from {show(current)} to {show(current + change)} "
            f"{criterion.unit} at {money(proxy)} each, would bring {who}; any more wins"
        )
        return _Option(share, self._order(key), key, current, current + change, change, moves, text)

    def _zero_best_option(self, bid_id: str, key: str, weight: Fraction) -> _Option:
        inp = self.inp
        if key == _POOL:
            assert self.pool_criterion is not None
            criterion_id = self.pool_criterion
            what = "any monetised commitment above 0"
        else:
            criterion_id = key
            what = f"any {key} commitment above 0"
        current = inp.raw(bid_id, criterion_id)
        text = (
            f"{what} (every compliant bid now offers 0) would give {bid_id} the full "
            f"{show(weight)} points and put it ahead of {self.winner}"
        )
        return _Option(
            _ZERO, self._order(criterion_id), criterion_id, current, current, _ZERO, True, text
        )

    def _moving_option(
        self, bid_id: str, key: str, t: Fraction, weight: Fraction, benchmark: Fraction
    ) -> _Option | None:
        inp = self.inp
        bench = self._benchmarks.get(key)
        if bench is None:
            amounts = inp.offers if key == _POOL else {b: inp.raw(b, key) for b in inp.order}
            weighted = {b: self._weighted(b, key) for b in inp.order}
            bench = self._benchmarks[key] = _Benchmark(inp, weight, benchmark, amounts, weighted)
        found = bench.break_even(t)
        if found is None:
            return None
        required, rival = found
        who = f"{bid_id} level with {rival}"
        if key == _POOL:
            offer = inp.offers[bid_id]
            share = (required - offer) / benchmark
            return self._pool_option(bid_id, share, required - offer, True, who, benchmark)
        current = inp.raw(bid_id, key)
        share = (required - current) / benchmark
        unit = self.by_id[key].unit
        text = (
            f"raising the {key} commitment from {show(current)} to {show(required)} {unit}, "
            f"above the best compliant {show(benchmark)}, makes it the new benchmark (lowering "
            f"every other bid's {key} score) and would bring {who}; any more wins"
        )
        return _Option(
            share, self._order(key), key, current, required, required - current, True, text
        )
