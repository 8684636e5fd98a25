"""Staff accounts, PINs (argon2), sign-in with lockout, and the role ladder the engine enforces."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from branch import audit
from branch.errors import DomainError, NotFound, PermissionDenied
from branch.models import Role, Staff, StaffLockout

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
PIN = re.compile(r"^\d{4,12}$")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member, or the branch's own service account (kiosk, CLI)."""

    username: str | None
    role: Role
    # Who stands behind an account that is not a staff member (`operator@USER` for the CLI
    # run by an operating-system user); only audit entries use it, never role checks.
    operator: str | None = field(default=None, compare=False)

    @property
    def audit_name(self) -> str | None:
        """The name an audit entry records: the staff member, else the operator behind it."""
        return self.username or self.operator

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
    audit.append(session, at=now, staff=by.audit_name, action="staff.add", subject_ref=username)
    return staff


def list_staff(session: Session) -> list[Staff]:
    return list(session.exec(select(Staff).order_by(col(Staff.username))))


def actor_for(session: Session, username: str) -> Actor:
    staff = session.get(Staff, username)
    if staff is None or not staff.active:
        raise NotFound(f"no active staff member {username!r}")
    return Actor(staff.username, Role(staff.role))


MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)
_MAX_PIN_CHARS = 64


class AuthRefused(PermissionDenied):
    """A sign-in refused. Carries its gettext msgid and values so a screen can show it in
    Arabic (`in_lang`); `str()` is the English line the CLI prints."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(msgid.format(**params))

    def in_lang(self, lang: str) -> str:
        from branch.i18n import gettext

        return gettext(self.msgid, lang).format(**self.params)


WRONG_PIN = "unknown username or wrong PIN"
NO_PIN = "no PIN given for {username}"


class StaffLocked(AuthRefused):
    """Too many wrong PINs: refused until `until` (UTC), whatever PIN is given."""

    MSGID = "{username} is locked after {failures} wrong PINs until {until}"

    def __init__(self, username: str, until: datetime, tz: ZoneInfo | None = None) -> None:
        self.username, self.until = username, until
        local = until.astimezone(tz) if tz else until
        shown = f"{local:%H:%M:%S} " + (tz.key if tz else "UTC")
        super().__init__(self.MSGID, username=username, failures=MAX_FAILURES, until=shown)

    def shown_in(self, tz: ZoneInfo) -> StaffLocked:
        """The same refusal with the end of the lock in the branch's time zone."""
        return StaffLocked(self.username, self.until, tz)


@cache
def _dummy_hash() -> str:
    """A hash nobody's PIN matches, verified for unknown users so they cost a wrong PIN's time."""
    return _hasher.hash(secrets.token_hex(16))


def _attempts_row(session: Session, key: str) -> StaffLockout:
    """The username's counter row, created if missing and locked for this transaction.

    SQLite: the caller's `BEGIN IMMEDIATE` already serializes writers. PostgreSQL: an insert
    that ignores a concurrent twin, then `FOR UPDATE`, so two processes failing at once for
    the same name both count.
    """
    dialect = session.get_bind().dialect.name
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(StaffLockout)
    session.execute(
        ins.values(username=key, failures=0).on_conflict_do_nothing(index_elements=["username"])
    )
    query = select(StaffLockout).where(StaffLockout.username == key).with_for_update()
    row = session.exec(query.execution_options(populate_existing=True)).one()
    return row


def authenticate(
    session: Session, username: str, pin: str, now: datetime, where: str | None = None
) -> Actor:
    """Check `username`'s PIN: the one rule every CLI and screen signs staff in by.

    Returns the staff member's `Actor`, or raises `AuthRefused` (exit 4):
    - no PIN: refused without counting (a slip of the keyboard is not an attack);
    - a locked name: `StaffLocked`, whatever the PIN, and audited;
    - a wrong PIN, or a name that is unknown or inactive: counted in the database (every
      process sees the same count), audited, and after `MAX_FAILURES` in a row the name is
      locked for `LOCK_FOR`. An unknown name is verified against a dummy argon2 hash and
      counted like a real one, so neither the time taken nor the answer says it is unknown.

    A refusal commits the session before raising (the count and the audit entry must survive
    the refusal), so call it in a transaction of its own, e.g. `with db.write() as s:`. The
    write lock is held during the argon2 check (tens of milliseconds); sign-ins are rare.
    """
    if not pin:
        raise AuthRefused(NO_PIN, username=username)
    key = username[:64]
    row = _attempts_row(session, key)
    if row.locked_until is not None and row.locked_until > now:
        _audit_auth(session, now, key, where, "refused_locked")
        session.commit()
        raise StaffLocked(key, row.locked_until)
    staff = session.get(Staff, username)
    known = staff is not None and staff.active
    try:
        if len(pin) > _MAX_PIN_CHARS:
            raise VerificationError
        _hasher.verify(staff.pin_hash if known else _dummy_hash(), pin)  # type: ignore[union-attr]
        if not known:
            raise VerificationError
    except (VerificationError, InvalidHashError):
        _count_failure(session, row, now, where, "wrong_pin" if known else "unknown_user")
        session.commit()
        if row.locked_until is not None:
            raise StaffLocked(key, row.locked_until) from None
        raise AuthRefused(WRONG_PIN) from None
    if row.failures or row.locked_until is not None:
        row.failures, row.locked_until = 0, None
        session.add(row)
    assert staff is not None
    return Actor(staff.username, Role(staff.role))


def _count_failure(
    session: Session, row: StaffLockout, now: datetime, where: str | None, outcome: str
) -> None:
    if row.locked_until is not None:  # an expired lock: count afresh
        row.failures, row.locked_until = 0, None
    row.failures += 1
    row.last_failure_at = now
    _audit_auth(session, now, row.username, where, outcome)
    if row.failures >= MAX_FAILURES:
        row.failures, row.locked_until = 0, now + LOCK_FOR
        audit.append(
            session,
            at=now,
            staff=None,
            action="staff.lockout",
            subject_ref=row.username,
            where=where,
            outcome=f"locked {int(LOCK_FOR.total_seconds() // 60)} min",
        )
    session.add(row)


def _audit_auth(
    session: Session, now: datetime, username: str, where: str | None, outcome: str
) -> None:
    audit.append(
        session,
        at=now,
        staff=None,
        action="staff.auth",
        subject_ref=username,
        where=where,
        outcome=outcome,
    )


SAVED_LANGS = ("ar", "en")


def saved_lang(session: Session, username: str) -> str | None:
    """The language the counter app last saved for this staff member, if any."""
    staff = session.get(Staff, username)
    return None if staff is None else staff.lang


def save_lang(session: Session, username: str, lang: str) -> None:
    """Remember a staff member's language (inside the caller's write transaction)."""
    if lang not in SAVED_LANGS:
        raise DomainError(f"unknown language {lang!r}; choose ar or en")
    staff = session.get(Staff, username)
    if staff is None:
        raise NotFound(f"no staff member {username!r}")
    staff.lang = lang
    session.add(staff)
    session.flush()
