"""``score_tender``: validate, moderate, exclude, score, rank, break ties, test sensitivity.

The order matters and follows procurement practice:

1. Validate the bundle; any problem stops everything (one error lists them all).
2. Gates: a bid failing any pass/fail gate is excluded (Procurement Act 2023 s.23(3)(a)).
3. Moderation gives each qualitative pair its final raw score (or says what is missing).
4. Thresholds: a bid whose final raw score on a criterion is below its ``minimum_score`` is
   excluded. Missing scores are only demanded for bids still in contention.
5. Benchmarks (lowest price, best commitment, best £ offer) come from compliant bids only, so
   an excluded bid can never depress everyone else's score.
6. Score, total, rank; break ties with the declared rules only; then the sensitivity analysis.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from .exact import exact_sum, money, show, to_fraction
from .methods import (
    against_target_score,
    linear_deviation_score,
    lowest_price_ratio_score,
    monetised_score,
    qualitative_score,
    relative_to_best_score,
)
from .moderation import moderate
from .results import (
    Benchmarks,
    BidResult,
    CriterionScore,
    EvaluationResult,
    ExcludedBid,
    FrameworkRef,
    GateResult,
    GroupScores,
    MethodSummary,
    MissingItem,
    ModerationDetail,
    RankedBid,
    SensitivityReport,
    TieBreak,
    TieBreakStep,
)
from .sensitivity import SensitivityInput, analyse
from .types import SCORE_GROUPS, Criterion, EvaluationPlan, MeasureRef, TenderBundle
from .validation import BundleValidationError, Prepared, prepare

__all__ = ["score_tender"]

_ZERO: Final = Fraction(0)
_TEN: Final = Fraction(10)
_GROUP_NAMES: Final = {"price": "price", "quality": "quality", "social_value": "social value"}
_TIE_RULE_TEXT: Final = {
    "highest_social_value": "highest social value score",
    "highest_quality": "highest quality score",
    "lowest_price": "lowest price",
    "highest_total_unrounded": "highest total points (unrounded)",
}


def social_value_weight_warning(social_value_weight: Fraction) -> str | None:
    """The policy warning for a social value weighting below 10%, or None."""
    if social_value_weight >= _TEN:
        return None
    return (
        f"the social value weighting is {show(social_value_weight)}%, below the PPN 06/20 / "
        "PPN 002 minimum 10% social value weighting; this is valid but the reason must "
        "be recorded"
    )


def plan_warnings(plan: EvaluationPlan) -> tuple[str, ...]:
    """Warnings about a plan on its own, before any bid exists (e.g. a low social value weight).

    The plan need not be valid yet: only the social value group weight is read.
    """
    weight = to_fraction(plan.group_weights.social_value)
    if weight is None:
        return ()
    warning = social_value_weight_warning(weight)
    return () if warning is None else (warning,)


def score_tender(bundle: TenderBundle) -> EvaluationResult:
    """Score a tender bundle.

    Raises ``BundleValidationError`` listing every problem when the bundle is invalid (and
    returns no result). Otherwise returns an ``EvaluationResult``: "final" with a ranking, or
    "incomplete" with the exact list of what still has to be recorded.
    """
    # The engine makes no reference cycles, but it allocates a great many small objects while
    # hundreds of thousands of long-lived input objects are alive; the cyclic collector would
    # keep re-traversing all of them (up to half the run time on large tenders). Pause it for
    # the duration and restore it exactly as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        problems, prepared = prepare(bundle)
        if problems:
            raise BundleValidationError(problems)
        return _Scorer(prepared).run()
    finally:
        if collecting:
            gc.enable()


def _descending(bid_ids: list[str], values: dict[str, Fraction]) -> list[str]:
    """``bid_ids`` (sorted by id) ordered by value, highest first, equal values by bid id.

    Comparing Fractions is slow, so sort on their float values first: rounding to the nearest
    float never reverses an order (x <= y implies float(x) <= float(y)), so only runs of equal
    floats can be out of exact order, and those are re-sorted exactly. Python's sort is
    stable, also with reverse=True, so equal values keep the bid id order.
    """
    approximate = {bid_id: float(value) for bid_id, value in values.items()}
    ordered = sorted(bid_ids, key=approximate.__getitem__, reverse=True)
    start = 0
    while start < len(ordered):
        end = start + 1
        while end < len(ordered) and approximate[ordered[end]] == approximate[ordered[start]]:
            end += 1
        if end - start > 1:
            run = sorted(ordered[start:end])
            ordered[start:end] = sorted(run, key=values.__getitem__, reverse=True)
        start = end
    return ordered


@dataclass(frozen=True, slots=True)
class _Scored:
    scores: tuple[CriterionScore, ...]
    subtotals: GroupScores
    total: Fraction
    total_explanation: str
    price_per_point: Fraction | None
    value: Fraction  # the ranking measure: total, or points per £ under price_per_quality_point


class _Scorer:
    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.plan = prepared.bundle.plan
        order = {group: index for index, group in enumerate(SCORE_GROUPS)}
        self.criteria: list[Criterion] = sorted(
            prepared.criteria.values(), key=lambda c: (order[c.group], c.id)
        )
        self.qualitative = [c for c in self.criteria if c.kind == "qualitative"]
        self.quantitative = [c for c in self.criteria if c.kind == "quantitative"]
        self.monetised = [c for c in self.quantitative if prepared.methods[c.id] == "monetised"]
        self.bid_ids: list[str] = sorted(prepared.bids)
        self.gates = sorted(prepared.gates.values(), key=lambda g: g.id)
        self.per_point = self.plan.price_method == "price_per_quality_point"
        self.warnings: list[str] = []
        # (criterion id, raw score, source) -> its CriterionScore: raw scores and commitments
        # repeat a great deal, so each distinct one is worked out once per criterion
        # (benchmarks are fixed by then, so a commitment always scores the same).
        self._score_cache: dict[tuple[str, int, int, str], CriterionScore] = {}

    # -- the pipeline -------------------------------------------------------------------------

    def run(self) -> EvaluationResult:
        """The whole pipeline for a validated bundle (see the module docstring)."""
        prepared = self.prepared
        plan = self.plan
        moderation = moderate(prepared, self.qualitative, self.bid_ids)
        raw = moderation.final
        for bid_id in self.bid_ids:
            commitments = prepared.commitments[bid_id]
            for criterion in self.quantitative:
                raw[bid_id][criterion.id] = (commitments[criterion.id], "commitment")

        gate_results = {
            bid_id: tuple(
                GateResult(gate.id, gate.title, prepared.gate_answers[bid_id][gate.id])
                for gate in self.gates
            )
            for bid_id in self.bid_ids
        }
        reasons = {
            bid_id: self._exclusion_reasons(gate_results[bid_id], raw[bid_id])
            for bid_id in self.bid_ids
        }
        missing = [
            MissingItem(bid_id, criterion.id, moderation.pending[(bid_id, criterion.id)])
            for bid_id in self.bid_ids
            if not reasons[bid_id]
            for criterion in self.qualitative
            if (bid_id, criterion.id) in moderation.pending
        ]
        self._weight_warnings()
        offers = self._offers()
        compliant = [bid_id for bid_id in self.bid_ids if not reasons[bid_id]]

        if missing:
            bids = tuple(
                self._unscored_bid(
                    bid_id,
                    "excluded" if reasons[bid_id] else "pending",
                    reasons[bid_id],
                    gate_results[bid_id],
                    raw[bid_id],
                    offers,
                )
                for bid_id in self.bid_ids
            )
            return self._result(
                "incomplete",
                tuple(missing),
                None,
                (),
                None,
                bids,
                moderation.details,
                (),
                None,
                reasons,
            )

        benchmarks = self._benchmarks(compliant, raw, offers)
        scored = {
            bid_id: self._score_bid(bid_id, raw[bid_id], benchmarks, offers) for bid_id in compliant
        }
        order, ranks, tie_breaks = self._rank(compliant, scored)
        winner = (
            order[0]
            if order and ranks[order[0]] == 1 and not any(ranks[other] == 1 for other in order[1:])
            else None
        )
        sharing: dict[int, list[str]] = {}
        for bid_id in order:
            sharing.setdefault(ranks[bid_id], []).append(bid_id)
        ranking = tuple(
            RankedBid(
                ranks[bid_id],
                bid_id,
                prepared.bids[bid_id].label,
                scored[bid_id].subtotals,
                scored[bid_id].total,
                scored[bid_id].price_per_point,
                tuple(other for other in sharing[ranks[bid_id]] if other != bid_id),
            )
            for bid_id in order
        )
        bids = tuple(
            self._scored_bid(bid_id, gate_results[bid_id], scored[bid_id], ranks[bid_id], offers)
            if bid_id in scored
            else self._unscored_bid(
                bid_id, "excluded", reasons[bid_id], gate_results[bid_id], raw[bid_id], offers
            )
            for bid_id in self.bid_ids
        )
        if not compliant:
            self.warnings.append("no compliant bids: every bid is excluded, so none can be ranked")
        sensitivity = analyse(
            SensitivityInput(
                order=tuple(order),
                winner_id=winner,
                per_point=self.per_point,
                group_weights=dict(prepared.group_weights),
                subtotals={bid_id: scored[bid_id].subtotals for bid_id in compliant},
                values={bid_id: scored[bid_id].value for bid_id in compliant},
                prices={bid_id: prepared.prices[bid_id] for bid_id in compliant},
                criteria=tuple(self.criteria),
                methods=dict(prepared.methods),
                weights=dict(prepared.weights),
                targets=dict(prepared.targets),
                proxies=dict(prepared.proxies),
                scores={bid_id: scored[bid_id].scores for bid_id in compliant},
                best_commitments=dict(benchmarks.best_commitments),
                offers={bid_id: offers[bid_id] for bid_id in compliant} if offers else {},
                best_offer=benchmarks.best_social_value_offer_gbp,
                pool_weight=benchmarks.monetised_pool_weight,
                monetised=tuple(c.id for c in self.monetised),
                currency=plan.currency,
            )
        )
        return self._result(
            "final",
            (),
            benchmarks,
            ranking,
            winner,
            bids,
            moderation.details,
            tie_breaks,
            sensitivity,
            reasons,
        )

    def _result(
        self,
        status: str,
        missing: tuple[MissingItem, ...],
        benchmarks: Benchmarks | None,
        ranking: tuple[RankedBid, ...],
        winner: str | None,
        bids: tuple[BidResult, ...],
        moderation: Sequence[ModerationDetail],
        tie_breaks: tuple[TieBreak, ...],
        sensitivity: SensitivityReport | None,
        reasons: dict[str, list[str]],
    ) -> EvaluationResult:
        plan = self.plan
        prepared = self.prepared
        weights = prepared.group_weights
        return EvaluationResult(
            tender_id=plan.tender_id,
            title=plan.title,
            currency=plan.currency,
            status=status,
            missing=missing,
            methods=MethodSummary(
                price_method=plan.price_method,
                quantitative_method=plan.quantitative_method,
                criterion_methods=tuple((c.id, prepared.methods[c.id]) for c in self.quantitative),
                moderation_mode=plan.moderation.mode,
                flag_range_fraction=prepared.flag_fraction,
                panel_share=prepared.panel_share,
                panel_share_group=None
                if plan.panel_share is None
                else plan.panel_share.applies_to_group,
                tie_break=tuple(plan.tie_break),
                require_rationale=plan.require_rationale,
            ),
            group_weights=GroupScores(
                weights["price"], weights["quality"], weights["social_value"]
            ),
            benchmarks=benchmarks,
            ranking=ranking,
            winner_id=winner,
            excluded=tuple(
                ExcludedBid(bid_id, prepared.bids[bid_id].label, tuple(reasons[bid_id]))
                for bid_id in self.bid_ids
                if reasons[bid_id]
            ),
            bids=bids,
            moderation=tuple(moderation),
            tie_breaks=tie_breaks,
            frameworks=self._frameworks(),
            warnings=tuple(self.warnings),
            sensitivity=sensitivity,
        )

    # -- exclusions, benchmarks -------------------------------------------------------------

    def _exclusion_reasons(
        self, gates: tuple[GateResult, ...], raw: dict[str, tuple[Fraction, str]]
    ) -> list[str]:
        reasons = [
            f"failed gate {gate.gate_id} ({gate.title})" for gate in gates if not gate.passed
        ]
        minimums = self.prepared.minimums
        for criterion in self.criteria:
            minimum = minimums.get(criterion.id)
            final = raw.get(criterion.id)
            if minimum is None or final is None or final[0] >= minimum:
                continue
            if criterion.kind == "qualitative":
                reasons.append(
                    f"{criterion.id} score {show(final[0])} below minimum {show(minimum)}"
                )
            else:
                reasons.append(
                    f"{criterion.id} commitment {show(final[0])} {criterion.unit} below "
                    f"minimum {show(minimum)}"
                )
        return reasons

    def _offers(self) -> dict[str, Fraction]:
        """Each bid's monetised social value offer in GBP (empty when nothing is monetised)."""
        if not self.monetised:
            return {}
        proxies = self.prepared.proxies
        commitments = self.prepared.commitments
        return {
            bid_id: sum((commitments[bid_id][c.id] * proxies[c.id] for c in self.monetised), _ZERO)
            for bid_id in self.bid_ids
        }

    def _benchmarks(
        self,
        compliant: list[str],
        raw: dict[str, dict[str, tuple[Fraction, str]]],
        offers: dict[str, Fraction],
    ) -> Benchmarks:
        prepared = self.prepared
        if not compliant:
            return Benchmarks(None, (), None, None)
        lowest = min(prepared.prices[bid_id] for bid_id in compliant)
        best: list[tuple[str, Fraction]] = []
        for criterion in self.quantitative:
            if prepared.methods[criterion.id] != "relative_to_best":
                continue
            top = max(raw[bid_id][criterion.id][0] for bid_id in compliant)
            best.append((criterion.id, top))
            if top == _ZERO:
                self.warnings.append(
                    f"the best compliant commitment on {criterion.id} is 0, so every bid scores "
                    f"0 on {criterion.id}"
                )
        best_offer = pool = None
        if self.monetised:
            best_offer = max(offers[bid_id] for bid_id in compliant)
            pool = sum((prepared.weights[c.id] for c in self.monetised), _ZERO)
            if best_offer == _ZERO:
                self.warnings.append(
                    "the best compliant monetised social value offer is £0, so every bid scores "
                    "0 on the monetised criteria"
                )
        return Benchmarks(lowest, tuple(best), best_offer, pool)

    # -- scoring ----------------------------------------------------------------------------

    def _score_bid(
        self,
        bid_id: str,
        raw: dict[str, tuple[Fraction, str]],
        benchmarks: Benchmarks,
        offers: dict[str, Fraction],
    ) -> _Scored:
        prepared = self.prepared
        price = prepared.prices[bid_id]
        price_score = self._price_score(price, benchmarks)
        scores = [price_score]
        parts: dict[str, list[Fraction]] = {"quality": [], "social_value": []}
        cache = self._score_cache
        for criterion in self.criteria:
            value, source = raw[criterion.id]
            # A CriterionScore carries no bid id, so bids with the same raw score on a criterion
            # share one immutable object. Keyed by numerator and denominator, not the Fraction,
            # because hashing a Fraction is comparatively slow.
            key = (criterion.id, value.numerator, value.denominator, source)
            score = cache.get(key)
            if score is None:
                score = cache[key] = self._criterion_score(criterion, value, source, benchmarks)
            assert score.weighted is not None
            parts[criterion.group].append(score.weighted)
            scores.append(score)
        sums = {group: exact_sum(values) for group, values in parts.items()}
        assert price_score.weighted is not None
        subtotals = GroupScores(price_score.weighted, sums["quality"], sums["social_value"])
        total = subtotals.price + subtotals.quality + subtotals.social_value
        if self.per_point:
            points = subtotals.quality + subtotals.social_value
            per_point = price / points if points else None
            value = points / price
            if per_point is None:
                explanation = (
                    f"quality {show(subtotals.quality)} + social value "
                    f"{show(subtotals.social_value)} = 0 points: no price per point, ranked last"
                )
            else:
                explanation = (
                    f"quality {show(subtotals.quality)} + social value "
                    f"{show(subtotals.social_value)} = {show(points)} points; "
                    f"{money(price, self.plan.currency)} / {show(points)} = "
                    f"{money(per_point, self.plan.currency)} per point"
                )
        else:
            per_point = None
            value = total
            explanation = (
                f"price {show(subtotals.price)} + quality {show(subtotals.quality)} + social value "
                f"{show(subtotals.social_value)} = {show(total)}"
            )
        return _Scored(tuple(scores), subtotals, total, explanation, per_point, value)

    def _criterion_score(
        self, criterion: Criterion, value: Fraction, source: str, benchmarks: Benchmarks
    ) -> CriterionScore:
        prepared = self.prepared
        weight = prepared.weights[criterion.id]
        if criterion.kind == "qualitative":
            scale = criterion.scale
            assert scale is not None
            method = "scale"
            normalised, weighted, explanation = qualitative_score(
                value, scale.minimum, scale.maximum, weight
            )
        else:
            method = prepared.methods[criterion.id]
            if method == "relative_to_best":
                best = dict(benchmarks.best_commitments)[criterion.id]
                normalised, weighted, explanation = relative_to_best_score(value, best, weight)
            elif method == "against_target":
                normalised, weighted, explanation = against_target_score(
                    value, prepared.targets[criterion.id], weight
                )
            else:
                assert benchmarks.best_social_value_offer_gbp is not None
                assert benchmarks.monetised_pool_weight is not None
                normalised, weighted, explanation = monetised_score(
                    value,
                    criterion.unit or "",
                    prepared.proxies[criterion.id],
                    benchmarks.best_social_value_offer_gbp,
                    benchmarks.monetised_pool_weight,
                )
        return CriterionScore(
            criterion.id,
            criterion.group,
            criterion.kind,
            method,
            value,
            source,
            normalised,
            weighted,
            explanation,
        )

    def _price_score(self, price: Fraction, benchmarks: Benchmarks) -> CriterionScore:
        method = self.plan.price_method
        weight = self.prepared.group_weights["price"]
        lowest = benchmarks.lowest_compliant_price
        assert lowest is not None
        if method == "lowest_price_ratio":
            normalised, weighted, explanation = lowest_price_ratio_score(price, lowest, weight)
        elif method == "linear_deviation":
            normalised, weighted, explanation = linear_deviation_score(price, lowest, weight)
        else:
            return CriterionScore(
                "price",
                "price",
                "price",
                method,
                price,
                "price",
                None,
                _ZERO,
                "price is not scored as points under price_per_quality_point: it ranks bids as "
                "price per quality and social value point (see the total)",
            )
        return CriterionScore(
            "price", "price", "price", method, price, "price", normalised, weighted, explanation
        )

    # -- ranking and tie-breaks ---------------------------------------------------------------

    def _rank(
        self, compliant: list[str], scored: dict[str, _Scored]
    ) -> tuple[list[str], dict[str, int], tuple[TieBreak, ...]]:
        ordered = _descending(compliant, {bid_id: scored[bid_id].value for bid_id in compliant})
        order: list[str] = []
        ranks: dict[str, int] = {}
        ties: list[TieBreak] = []
        index = 0
        while index < len(ordered):
            end = index + 1
            value = scored[ordered[index]].value
            while end < len(ordered) and scored[ordered[end]].value == value:
                end += 1
            group = ordered[index:end]
            if len(group) == 1:
                groups = [group]
            else:
                groups, tie = self._break_tie(group, scored)
                ties.append(tie)
            for subgroup in groups:
                rank = len(order) + 1
                for bid_id in subgroup:
                    ranks[bid_id] = rank
                    order.append(bid_id)
            index = end
        return order, ranks, tuple(ties)

    def _tie_key(self, rule: str, bid_id: str, scored: dict[str, _Scored]) -> Fraction:
        """A value where higher wins, for each tie-break rule."""
        item = scored[bid_id]
        if rule == "highest_social_value":
            return item.subtotals.social_value
        if rule == "highest_quality":
            return item.subtotals.quality
        if rule == "lowest_price":
            return -self.prepared.prices[bid_id]
        return item.total  # highest_total_unrounded

    def _tie_value_text(self, rule: str, bid_id: str, scored: dict[str, _Scored]) -> str:
        if rule == "lowest_price":
            return f"{bid_id} {money(self.prepared.prices[bid_id], self.plan.currency)}"
        return f"{bid_id} {show(self._tie_key(rule, bid_id, scored))}"

    def _break_tie(
        self, group: list[str], scored: dict[str, _Scored]
    ) -> tuple[list[list[str]], TieBreak]:
        """Apply the declared rules in order; never break a tie any other way."""
        pending: list[list[str]] = [sorted(group)]
        steps: list[TieBreakStep] = []
        for rule in self.plan.tie_break:
            next_pending: list[list[str]] = []
            for subgroup in pending:
                if len(subgroup) == 1:
                    next_pending.append(subgroup)
                    continue
                keyed = sorted(subgroup, key=lambda b: (-self._tie_key(rule, b, scored), b))
                parts: list[list[str]] = []
                for bid_id in keyed:
                    key = self._tie_key(rule, bid_id, scored)
                    if parts and self._tie_key(rule, parts[-1][0], scored) == key:
                        parts[-1].append(bid_id)
                    else:
                        parts.append([bid_id])
                if len(parts) > 1:
                    values = ", ".join(self._tie_value_text(rule, b, scored) for b in keyed)
                    order_text = " > ".join(" = ".join(part) for part in parts)
                    steps.append(
                        TieBreakStep(
                            rule,
                            tuple(tuple(part) for part in parts),
                            f"{_TIE_RULE_TEXT[rule]}: {order_text} ({values})",
                        )
                    )
                next_pending.extend(parts)
            pending = next_pending
        unresolved = tuple(tuple(part) for part in pending if len(part) > 1)
        value = scored[group[0]].value
        measure = "points per £" if self.per_point else "total"
        tied_text = f"{' and '.join(sorted(group))} tied on {measure} {show(value)}"
        if unresolved:
            rules = ", ".join(self.plan.tie_break) or "none declared"
            for part in unresolved:
                self.warnings.append(
                    f"unresolved tie between {' and '.join(part)}: the declared tie-break rules "
                    f"({rules}) do not separate them, so they share a rank and are listed by bid "
                    "id; the contracting authority must resolve it before any award"
                )
            explanation = (
                f"{tied_text}; unresolved: "
                + "; ".join(" and ".join(part) for part in unresolved)
                + " are still level after every declared rule"
            )
        else:
            explanation = f"{tied_text}; broken by " + "; then ".join(s.explanation for s in steps)
        tie = TieBreak(
            tuple(bid_id for part in pending for bid_id in part),
            value,
            tuple(steps),
            not unresolved,
            unresolved,
            explanation,
        )
        return pending, tie

    # -- building bid results -----------------------------------------------------------------

    def _scored_bid(
        self,
        bid_id: str,
        gates: tuple[GateResult, ...],
        scored: _Scored,
        rank: int,
        offers: dict[str, Fraction],
    ) -> BidResult:
        bid = self.prepared.bids[bid_id]
        return BidResult(
            bid_id,
            bid.label,
            bid.supplier,
            self.prepared.prices[bid_id],
            "ranked",
            (),
            gates,
            scored.scores,
            scored.subtotals,
            scored.total,
            scored.total_explanation,
            offers.get(bid_id),
            scored.price_per_point,
            rank,
        )

    def _unscored_bid(
        self,
        bid_id: str,
        status: str,
        reasons: Iterable[str],
        gates: tuple[GateResult, ...],
        raw: dict[str, tuple[Fraction, str]],
        offers: dict[str, Fraction],
    ) -> BidResult:
        """An excluded or pending bid: its raw scores, but no points (it sets no benchmark)."""
        bid = self.prepared.bids[bid_id]
        why = (
            "bid excluded: not scored"
            if status == "excluded"
            else "evaluation incomplete: not scored yet"
        )
        price = self.prepared.prices[bid_id]
        scores = [
            CriterionScore(
                "price", "price", "price", self.plan.price_method, price, "price", None, None, why
            )
        ]
        for criterion in self.criteria:
            final = raw.get(criterion.id)
            if final is None:
                continue
            method = (
                "scale" if criterion.kind == "qualitative" else self.prepared.methods[criterion.id]
            )
            scores.append(
                CriterionScore(
                    criterion.id,
                    criterion.group,
                    criterion.kind,
                    method,
                    final[0],
                    final[1],
                    None,
                    None,
                    why,
                )
            )
        return BidResult(
            bid_id,
            bid.label,
            bid.supplier,
            price,
            status,
            tuple(reasons),
            gates,
            tuple(scores),
            None,
            None,
            why,
            offers.get(bid_id),
            None,
            None,
        )

    # -- warnings and references --------------------------------------------------------------

    def _weight_warnings(self) -> None:
        warning = social_value_weight_warning(self.prepared.group_weights["social_value"])
        if warning is not None:
            self.warnings.append(warning)

    def _frameworks(self) -> tuple[FrameworkRef, ...]:
        used: dict[tuple[str, str, str], set[str]] = {}
        refs: list[MeasureRef] = [c.measure for c in self.criteria if c.measure is not None]
        refs += [g.measure for g in self.gates if g.measure is not None]
        for ref in refs:
            key = (ref.framework_id, ref.framework_version, ref.framework_hash)
            used.setdefault(key, set()).add(ref.measure_code)
        return tuple(
            FrameworkRef(key[0], key[1], key[2], tuple(sorted(codes)))
            for key, codes in sorted(used.items())
        )
