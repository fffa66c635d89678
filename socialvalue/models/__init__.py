"""All models, imported here so Alembic and create_all see every table."""

from socialvalue.models.api_token import ApiToken
from socialvalue.models.audit import AuditChainHead, AuditEvent
from socialvalue.models.base import Base
from socialvalue.models.bid import Bid, BidCommitment, BidGateAnswer, BidResponse, BidStatus
from socialvalue.models.contract import (
    Contract,
    ContractMember,
    ContractRole,
    DeliveryReturn,
    EvidenceFile,
    Kpi,
    KpiMilestone,
    LineStatus,
    RemedialAction,
    ReportingFrequency,
    ReturnLine,
)
from socialvalue.models.evaluation import AwardDecision, ConsensusScore, IndividualScore
from socialvalue.models.framework import FrameworkMeasure, FrameworkTheme, FrameworkVersion
from socialvalue.models.report_job import ReportJob, ReportJobStatus
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
    "ApiToken",
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
    "Contract",
    "ContractMember",
    "ContractRole",
    "Criterion",
    "DeliveryReturn",
    "EvidenceFile",
    "FrameworkMeasure",
    "FrameworkTheme",
    "FrameworkVersion",
    "Gate",
    "IndividualScore",
    "Kpi",
    "KpiMilestone",
    "LineStatus",
    "MemberRole",
    "RemedialAction",
    "ReportJob",
    "ReportJobStatus",
    "ReportingFrequency",
    "ReturnLine",
    "Role",
    "SignInAttempt",
    "Tender",
    "TenderMember",
    "TenderStatus",
    "User",
]
