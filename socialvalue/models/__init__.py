"""All models, imported here so Alembic and create_all see every table."""

from socialvalue.models.audit import AuditChainHead, AuditEvent
from socialvalue.models.base import Base
from socialvalue.models.framework import FrameworkMeasure, FrameworkTheme, FrameworkVersion
from socialvalue.models.user import ROLE_LABELS, Role, SignInAttempt, User

__all__ = [
    "ROLE_LABELS",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "FrameworkMeasure",
    "FrameworkTheme",
    "FrameworkVersion",
    "Role",
    "SignInAttempt",
    "User",
]
