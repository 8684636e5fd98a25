"""Staff accounts, PINs (argon2) and the role ladder the engine enforces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from branch import audit
from branch.errors import DomainError, NotFound, PermissionDenied
from branch.models import Role, Staff

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
PIN = re.compile(r"^\d{4,12}$")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member, or the branch's own service account (kiosk, CLI)."""

    username: str | None
    role: Role

    def require(self, role: Role, action: str) -> None:
        if self.role.level < role.level:
            who = self.username or "this account"
            raise PermissionDenied(
                f"{who} ({self.role.value}) may not {action}; needs {role.value}"
            )


KIOSK = Actor(None, Role.clerk)
OPERATOR = Actor(None, Role.admin)


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError(
            f"unknown role {value!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from None


def add_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    pin: str,
    now: datetime,
    by: Actor = OPERATOR,
) -> Staff:
    by.require(Role.admin, "add staff")
    if not USERNAME.match(username):
        raise DomainError(
            f"invalid username {username!r}: 2-32 lower-case letters, digits, '.', '_' or '-'"
        )
    if not PIN.match(pin):
        raise DomainError("a PIN is 4 to 12 digits")
    if not display_name.strip():
        raise DomainError("a display name is required")
    parsed = parse_role(role)
    if session.get(Staff, username) is not None:
        raise DomainError(f"staff {username!r} already exists")
    staff = Staff(
        username=username,
        display_name=display_name.strip(),
        role=parsed.value,
        pin_hash=_hasher.hash(pin),
        created_at=now,
    )
    session.add(staff)
    audit.append(session, at=now, staff=by.username, action="staff.add", subject_ref=username)
    return staff


def list_staff(session: Session) -> list[Staff]:
    return list(session.exec(select(Staff).order_by(col(Staff.username))))


def actor_for(session: Session, username: str) -> Actor:
    staff = session.get(Staff, username)
    if staff is None or not staff.active:
        raise NotFound(f"no active staff member {username!r}")
    return Actor(staff.username, Role(staff.role))


def authenticate(session: Session, username: str, pin: str) -> Actor:
    """Check a PIN. The same error for an unknown user and a wrong PIN."""
    staff = session.get(Staff, username)
    try:
        if staff is None or not staff.active:
            raise VerificationError
        _hasher.verify(staff.pin_hash, pin)
    except (VerificationError, InvalidHashError):
        raise PermissionDenied("unknown username or wrong PIN") from None
    return Actor(staff.username, Role(staff.role))
