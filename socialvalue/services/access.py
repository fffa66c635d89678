"""Who may do what on a tender: the one place these rules live (web UI and API both call it)."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from socialvalue.models.base import utcnow
from socialvalue.models.contract import Contract, ContractMember, ContractRole
from socialvalue.models.evaluation import IndividualScore
from socialvalue.models.tender import MemberRole, Tender, TenderMember, TenderStatus
from socialvalue.models.user import Role, User
from socialvalue.services.errors import NotPermitted
from socialvalue.services.tenders import valid_id


class Action(enum.StrEnum):
    VIEW_TENDER = "view_tender"
    MANAGE_TENDER = "manage_tender"
    VIEW_BIDS = "view_bids"
    DECLARE_INTERESTS = "declare_interests"
    EVALUATE = "evaluate"
    MODERATE = "moderate"
    VIEW_RESULT = "view_result"
    AWARD = "award"
    VIEW_HISTORY = "view_history"
    SUBMIT_BID = "submit_bid"
    # Seeing one's own conflict-of-interest declaration (and its outcome, even once removed).
    VIEW_OWN_DECLARATION = "view_own_declaration"


MANAGERS = (Role.ADMIN, Role.OFFICER)


@dataclass(frozen=True)
class TenderAccess:
    """Everything the rules need about one user and one tender, loaded once."""

    user: User
    tender: Tender
    member: TenderMember | None
    session: Session = field(repr=False, compare=False)

    @cached_property
    def pending_own_scores(self) -> bool:
        """An evaluator with scores still to submit (only moderation and results ask, so it is
        counted when first asked rather than on every page an evaluator opens)."""
        member = self.member
        if member is None or member.role not in (MemberRole.EVALUATOR, MemberRole.PANEL):
            return False
        from socialvalue.services.evaluation import count_assigned_pairs

        submitted = self.session.execute(
            sa.select(sa.func.count())
            .select_from(IndividualScore)
            .where(
                IndividualScore.tender_id == self.tender.id,
                IndividualScore.evaluator_id == self.user.id,
                IndividualScore.submitted_at.is_not(None),
            )
        ).scalar_one()
        return bool(submitted < count_assigned_pairs(self.session, self.tender, member))

    def bidding_closed(self) -> bool:
        return self.tender.status != TenderStatus.DRAFT and utcnow() >= self.tender.bid_deadline

    @property
    def is_manager(self) -> bool:
        return self.user.has_role(*MANAGERS)

    @property
    def is_evaluating_member(self) -> bool:
        return self.member is not None and self.member.role in (
            MemberRole.EVALUATOR,
            MemberRole.PANEL,
        )

    @property
    def needs_declaration(self) -> bool:
        """An evaluator still on the tender who has not yet declared their interests."""
        member = self.member
        return (
            self.is_evaluating_member
            and member is not None
            and member.active
            and member.declared_at is None
        )

    @property
    def sees_supplier_names(self) -> bool:
        """Citizen/VCSE panel members see "Bid A", "Bid B"... when the tender anonymises bids."""
        member = self.member
        if member is not None and member.role == MemberRole.PANEL:
            return not self.tender.anonymise_for_panel
        return not self.user.has_role(Role.PANEL)

    def assigned_to(self, criterion_id: int) -> bool:
        """Whether this evaluator is assigned to score the criterion."""
        member = self.member
        return (
            self.is_evaluating_member
            and member is not None
            and criterion_id in (member.criterion_ids or [])
        )

    def why_not(self, action: Action) -> str | None:
        """None when allowed; otherwise the reason, in words a person can act on."""
        user, tender, member = self.user, self.tender, self.member
        if action is Action.VIEW_TENDER:
            if self.is_manager or user.has_role(Role.AUDITOR):
                return None
            if member is not None and member.active:
                return None
            return "You are not part of this tender"
        if action is Action.MANAGE_TENDER:
            return None if self.is_manager else "Only procurement officers can manage tenders"
        if action is Action.DECLARE_INTERESTS:
            if not self.is_evaluating_member or member is None:
                return "You are not an evaluator on this tender"
            if not member.active:
                return "You have been removed from this tender"
            if tender.status == TenderStatus.CANCELLED:
                return "This tender was cancelled"
            return None
        if action is Action.VIEW_BIDS:
            if user.has_role(Role.AUDITOR):
                return None
            if self.is_evaluating_member:
                return self._evaluator_clearance()
            return None if self.is_manager else "You cannot see the bids for this tender"
        if action is Action.EVALUATE:
            if not self.is_evaluating_member:
                return "You are not an evaluator on this tender"
            reason = self._evaluator_clearance()
            if reason:
                return reason
            if tender.status == TenderStatus.CANCELLED:
                return "This tender was cancelled, so there is nothing to score"
            if tender.status != TenderStatus.PUBLISHED:
                return "This tender is not open for evaluation"
            if not self.bidding_closed():
                return "Evaluation starts when bidding closes"
            return None
        if action in (Action.MODERATE, Action.AWARD, Action.VIEW_RESULT):
            if action is Action.VIEW_RESULT and user.has_role(Role.AUDITOR):
                return None
            if not self.is_manager:
                return "Only procurement officers can moderate and award"
            if self.is_evaluating_member:
                reason = self._evaluator_clearance()
                if reason:
                    return reason
                if self.pending_own_scores:
                    return (
                        "Submit all of your own scores first: you cannot see other evaluators' "
                        "scores before you have submitted yours"
                    )
            if tender.status == TenderStatus.DRAFT:
                return "The evaluation plan has not been published yet"
            if tender.status == TenderStatus.CANCELLED and action is not Action.VIEW_RESULT:
                return "This tender was cancelled"
            if action is Action.AWARD and tender.status != TenderStatus.PUBLISHED:
                return "This tender has already been awarded or cancelled"
            return None
        if action is Action.VIEW_HISTORY:
            if self.is_manager or user.has_role(Role.AUDITOR):
                return None
            return "Only officers and auditors can see a tender's history"
        if action is Action.VIEW_OWN_DECLARATION:
            if not self.is_evaluating_member:
                return "You are not an evaluator on this tender"
            return None
        if action is Action.SUBMIT_BID:
            if member is None or member.role != MemberRole.SUPPLIER or not member.active:
                return "You have not been invited to bid for this tender"
            if tender.status == TenderStatus.CANCELLED:
                return "This tender was cancelled: it is not accepting bids"
            if tender.status != TenderStatus.PUBLISHED:
                return "This tender is not accepting bids"
            if utcnow() >= tender.bid_deadline:
                return "The deadline for bids has passed: bids can no longer be changed"
            return None
        raise ValueError(f"unknown action {action}")

    def _evaluator_clearance(self) -> str | None:
        member = self.member
        assert member is not None
        if not member.active:
            return "You have been removed from this tender"
        if member.declared_at is None:
            return "Declare any conflicts of interest before you see the bids"
        if member.has_conflict:
            return "You declared a conflict of interest, so you cannot see the bids"
        return None

    def allows(self, action: Action) -> bool:
        return self.why_not(action) is None

    def require(self, action: Action) -> None:
        reason = self.why_not(action)
        if reason is not None:
            raise NotPermitted(reason)


def tender_access(session: Session, user: User, tender: Tender) -> TenderAccess:
    member = session.execute(
        _membership(), {"tender_id": tender.id, "user_id": user.id}
    ).scalar_one_or_none()
    return TenderAccess(user=user, tender=tender, member=member, session=session)


def load_tender_access(session: Session, user: User, tender_id: int) -> TenderAccess | None:
    """The tender (with its criteria) and ``user``'s part in it, read in one round trip, as
    tender_access would give them; None if there is no such tender."""
    if not valid_id(tender_id):
        return None
    found = (
        session.execute(_tender_with_membership(), {"id": tender_id, "user_id": user.id})
        .unique()
        .one_or_none()
    )
    if found is None:
        return None
    tender, member = found
    return TenderAccess(user=user, tender=tender, member=member, session=session)


@functools.cache
def _tender_with_membership() -> sa.Select[tuple[Tender, TenderMember]]:
    # Built once: every tender page of a signed-in user runs it. The membership is at most one
    # row (unique per tender and user), so the join only adds its columns to each criterion row.
    return (
        sa.select(Tender, TenderMember)
        .outerjoin(
            TenderMember,
            sa.and_(
                TenderMember.tender_id == Tender.id,
                TenderMember.user_id == sa.bindparam("user_id"),
            ),
        )
        .where(Tender.id == sa.bindparam("id"))
        .options(joinedload(Tender.criteria))
    )


@functools.cache
def _membership() -> sa.Select[tuple[TenderMember]]:
    # Built once: every tender page runs it.
    return sa.select(TenderMember).where(
        TenderMember.tender_id == sa.bindparam("tender_id"),
        TenderMember.user_id == sa.bindparam("user_id"),
    )


# -- contracts (delivery tracking) -------------------------------------------------------------


class ContractAction(enum.StrEnum):
    VIEW_CONTRACT = "view_contract"
    MANAGE_CONTRACT = "manage_contract"
    SUBMIT_RETURN = "submit_return"
    VERIFY = "verify"
    ANSWER_QUERY = "answer_query"
    VIEW_HISTORY = "view_contract_history"


@dataclass(frozen=True)
class ContractAccess:
    """One user and one contract: officers and admins manage every contract, auditors read
    every contract, suppliers see only contracts they were invited to, panel members only the
    contracts they were assigned to verify."""

    user: User
    contract: Contract
    member: ContractMember | None

    @property
    def is_manager(self) -> bool:
        return self.user.has_role(*MANAGERS)

    @property
    def is_supplier(self) -> bool:
        return (
            self.member is not None
            and self.member.role == ContractRole.SUPPLIER
            and self.user.has_role(Role.SUPPLIER)
        )

    @property
    def is_verifier(self) -> bool:
        """Officers, and panel members assigned to verify this contract."""
        if self.is_manager:
            return True
        return (
            self.member is not None
            and self.member.role == ContractRole.PANEL
            and self.user.has_role(Role.PANEL)
        )

    def why_not(self, action: ContractAction) -> str | None:
        user = self.user
        if action is ContractAction.VIEW_CONTRACT:
            if self.is_manager or user.has_role(Role.AUDITOR):
                return None
            if self.is_supplier or self.is_verifier:
                return None
            return "You are not part of this contract"
        if action is ContractAction.MANAGE_CONTRACT:
            return None if self.is_manager else "Only procurement officers can manage contracts"
        if action is ContractAction.SUBMIT_RETURN:
            if self.is_supplier or self.is_manager:
                return None
            return "Only the supplier, or an officer on its behalf, can file delivery returns"
        if action is ContractAction.VERIFY:
            if self.is_verifier:
                return None
            return "Only officers and panel members assigned to this contract verify returns"
        if action is ContractAction.ANSWER_QUERY:
            if self.is_supplier or self.is_manager:
                return None
            return "Only the supplier, or an officer on its behalf, can answer a query"
        if action is ContractAction.VIEW_HISTORY:
            if self.is_manager or user.has_role(Role.AUDITOR):
                return None
            return "Only officers and auditors can see a contract's history"
        raise ValueError(f"unknown action {action}")

    def allows(self, action: ContractAction) -> bool:
        return self.why_not(action) is None

    def require(self, action: ContractAction) -> None:
        reason = self.why_not(action)
        if reason is not None:
            raise NotPermitted(reason)


def contract_access(session: Session, user: User, contract: Contract) -> ContractAccess:
    member = session.execute(
        sa.select(ContractMember).where(
            ContractMember.contract_id == contract.id, ContractMember.user_id == user.id
        )
    ).scalar_one_or_none()
    return ContractAccess(user=user, contract=contract, member=member)
