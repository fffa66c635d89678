"""Users and their roles."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from socialvalue.models.base import Base, TimestampMixin


class Role(enum.StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    PANEL = "panel"
    SUPPLIER = "supplier"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.OFFICER: "Procurement officer",
    Role.PANEL: "Citizen/VCSE panel member",
    Role.SUPPLIER: "Supplier",
    Role.AUDITOR: "Auditor",
}


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[dt.datetime | None]
    # Part of the id kept in the signed session cookie; signing out moves it on, so a copy of
    # the cookie taken before (on a shared computer, from a proxy log) stops working at once.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin', 'officer', 'panel', 'supplier', 'auditor')", name="role_known"
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the user and their current session epoch."""
        return f"{self.id}:{self.session_epoch or 0}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"


class SignInAttempt(Base):
    """Failed and successful sign-ins, kept in the database so throttling holds across servers."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool]
    attempted_at: Mapped[dt.datetime] = mapped_column(index=True)
