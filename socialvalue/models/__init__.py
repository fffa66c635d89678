"""All models, imported here so Alembic and create_all see every table."""

from socialvalue.models.audit import AuditChainHead, AuditEvent
from socialvalue.models.base import Base
from socialvalue.models.bid import Bid, BidCommitment, BidGateAnswer, BidResponse, BidStatus
from socialvalue.models.evaluation import AwardDecision, ConsensusScore, IndividualScore
from socialvalue.models.framework import FrameworkMeasure, FrameworkTheme, FrameworkVersion
from socialvalue.models.tender import (
    Criterion,
    Gate,
    MemberRole,
    Tender,
    TenderMember,
    TenderStatus,
)
from socialvalue.models.user import ROLE_LABELS, Role, SignInAttempt, User

__all__ = [
    "ROLE_LABELS",
    "AuditChainHead",
    "AuditEvent",
    "AwardDecision",
    "Base",
    "Bid",
    "BidCommitment",
    "BidGateAnswer",
    "BidResponse",
    "BidStatus",
    "ConsensusScore",
    "Criterion",
    "FrameworkMeasure",
    "FrameworkTheme",
    "FrameworkVersion",
    "Gate",
    "IndividualScore",
    "MemberRole",
    "Role",
    "SignInAttempt",
    "Tender",
    "TenderMember",
    "TenderStatus",
    "User",
]
