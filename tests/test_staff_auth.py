"""Signing staff in (`branch.staff.authenticate`): PIN check, lockout counted in the database,
every refusal audited, an unknown name as slow as a wrong PIN. Real SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from branch.audit import verify_chain
from branch.db import Database
from branch.errors import PermissionDenied
from branch.models import AuditEntry, Role
from branch.staff import (
    LOCK_FOR,
    MAX_FAILURES,
    AuthRefused,
    StaffLocked,
    add_staff,
    authenticate,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(any_db: Database) -> Database:
    with any_db.write() as s:
        add_staff(s, username="lina", display_name="لينا", role="supervisor", pin="3333", now=T0)
        add_staff(s, username="gone", display_name="G", role="clerk", pin="5555", now=T0)
        from branch.models import Staff

        gone = s.get(Staff, "gone")
        assert gone is not None
        gone.active = False
        s.add(gone)
    return any_db


def sign_in(db: Database, username: str, pin: str, now: datetime = T0) -> object:
    with db.write() as s:
        return authenticate(s, username, pin, now, where="test")


def refused(db: Database, username: str, pin: str, now: datetime = T0) -> AuthRefused:
    with pytest.raises(AuthRefused) as info:
        sign_in(db, username, pin, now)
    assert info.value.exit_code == 4
    return info.value


def auth_audit(db: Database, username: str) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.exec(
            select(AuditEntry)
            .where(AuditEntry.subject_ref == username)
            .where(col(AuditEntry.action).in_(["staff.auth", "staff.lockout"]))
            .order_by(col(AuditEntry.id))
        ).all()
        return [(r.action, r.outcome) for r in rows]


def test_right_pin_signs_in(db: Database) -> None:
    actor = sign_in(db, "lina", "3333")
    assert (actor.username, actor.role) == ("lina", Role.supervisor)  # type: ignore[attr-defined]


def test_five_wrong_pins_lock_for_five_minutes_and_every_refusal_is_audited(db: Database) -> None:
    for i in range(MAX_FAILURES - 1):
        err = refused(db, "lina", "0000", T0 + timedelta(seconds=i))
        assert not isinstance(err, StaffLocked) and str(err) == "unknown username or wrong PIN"
    last = refused(db, "lina", "0000", T0 + timedelta(seconds=10))
    assert isinstance(last, StaffLocked)
    assert last.until == T0 + timedelta(seconds=10) + LOCK_FOR
    # locked: even the right PIN is refused, and says until when
    during = refused(db, "lina", "3333", T0 + timedelta(minutes=4))
    assert isinstance(during, StaffLocked) and "locked" in str(during)
    assert auth_audit(db, "lina") == [
        *[("staff.auth", "wrong_pin")] * MAX_FAILURES,
        ("staff.lockout", "locked 5 min"),
        ("staff.auth", "refused_locked"),
    ]
    # the lock ends; the right PIN works again and the count starts afresh
    after = T0 + timedelta(seconds=10) + LOCK_FOR + timedelta(seconds=1)
    assert sign_in(db, "lina", "3333", after).username == "lina"  # type: ignore[attr-defined]
    for i in range(MAX_FAILURES - 1):
        assert not isinstance(refused(db, "lina", "1", after + timedelta(seconds=i)), StaffLocked)
    with db.read() as s:
        assert verify_chain(s) is None


def test_a_right_pin_resets_the_count(db: Database) -> None:
    for _ in range(MAX_FAILURES - 1):
        refused(db, "lina", "0000")
    sign_in(db, "lina", "3333")
    for _ in range(MAX_FAILURES - 1):
        assert not isinstance(refused(db, "lina", "0000"), StaffLocked)


def test_a_missing_pin_is_refused_without_counting(db: Database) -> None:
    for _ in range(MAX_FAILURES + 2):
        err = refused(db, "lina", "")
        assert "no PIN given" in str(err)
    assert auth_audit(db, "lina") == []
    assert sign_in(db, "lina", "3333").username == "lina"  # type: ignore[attr-defined]


def test_unknown_and_inactive_names_get_the_same_answer_and_are_counted(db: Database) -> None:
    wrong = str(refused(db, "lina", "9999"))
    assert str(refused(db, "nobody", "9999")) == wrong
    assert str(refused(db, "gone", "5555")) == wrong  # inactive, even with its own PIN
    for _ in range(MAX_FAILURES - 1):
        refused(db, "nobody", "1234")
    assert isinstance(refused(db, "nobody", "1234"), StaffLocked)
    assert auth_audit(db, "nobody")[0] == ("staff.auth", "unknown_user")


def test_refusals_are_permission_denied_and_translated(db: Database) -> None:
    err = refused(db, "lina", "0000")
    assert isinstance(err, PermissionDenied)
    assert err.in_lang("ar") != str(err) and err.in_lang("en") == str(err)
    for _ in range(MAX_FAILURES - 1):
        err = refused(db, "lina", "0000")
    assert isinstance(err, StaffLocked) and "lina" in err.in_lang("ar")


def _median_refusal_s(db: Database, names: list[str]) -> float:
    times = []
    for name in names:
        start = time.perf_counter()
        refused(db, name, "0000")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_an_unknown_name_takes_as_long_as_a_wrong_pin(db: Database) -> None:
    # the argon2 check dominates both; without the dummy hash an unknown name answers in a
    # fraction of the time, and the difference tells which usernames exist
    n = MAX_FAILURES - 1  # stay below the lock, which answers without checking
    wrong = _median_refusal_s(db, ["lina"] * n)
    unknown = _median_refusal_s(db, [f"ghost{i}" for i in range(n)])
    assert 0.5 * wrong < unknown < 2.0 * wrong, (unknown, wrong)
