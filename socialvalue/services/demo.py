"""Demo data for a newcomer: the framework library, one user of every role, a demo tender."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from socialvalue import framework_registry as registry
from socialvalue.models.user import Role, User
from socialvalue.services.accounts import create_user
from socialvalue.services.frameworks import SyncReport, sync_frameworks

# Development-only accounts; `flask demo` refuses to run in production.
DEMO_USERS = (
    ("admin@demo.socialvalue.test", "Alex Admin", Role.ADMIN, None),
    ("officer@demo.socialvalue.test", "Olu Officer", Role.OFFICER, "Greater Manchester Combined Authority"),
    ("officer2@demo.socialvalue.test", "Orla Officer", Role.OFFICER, "Greater Manchester Combined Authority"),
    ("panel1@demo.socialvalue.test", "Priya Panel", Role.PANEL, "Salford CVS (VCSE)"),
    ("panel2@demo.socialvalue.test", "Pat Panel", Role.PANEL, "Citizen panel, Oldham"),
    ("supplier@demo.socialvalue.test", "Sam Supplier", Role.SUPPLIER, "Northern Facilities Ltd"),
    ("auditor@demo.socialvalue.test", "Ada Auditor", Role.AUDITOR, "GM Audit Committee"),
)
DEMO_PASSWORD_SUFFIX = "-demo-password"


def demo_password(email: str) -> str:
    return email.split("@")[0] + DEMO_PASSWORD_SUFFIX


@dataclass
class DemoSummary:
    frameworks: SyncReport
    users: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [
            f"Frameworks: {len(self.frameworks.added)} added, {len(self.frameworks.updated)} "
            f"updated, {len(self.frameworks.unchanged)} unchanged.",
            "",
            "Demo sign-in details (development only):",
        ]
        width = max(len(email) for email, _, _ in self.users)
        for email, role, password in self.users:
            lines.append(f"  {role:<9} {email:<{width}}  password: {password}")
        lines.extend(self.notes)
        return "\n".join(lines)


def seed_demo(session: Session, library: registry.FrameworkLibrary) -> DemoSummary:
    """Idempotent: running it again adds nothing that is already there."""
    summary = DemoSummary(frameworks=sync_frameworks(session, library))
    for email, name, role, organisation in DEMO_USERS:
        exists = session.execute(sa.select(User.id).where(User.email == email)).first()
        if not exists:
            create_user(
                session, email=email, display_name=name, role=role,
                password=demo_password(email), organisation=organisation,
            )
        summary.users.append((email, role.value, demo_password(email)))
    session.flush()
    return summary
