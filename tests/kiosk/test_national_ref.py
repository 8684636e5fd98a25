"""The kiosk's national-number step: validated, sealed with the branch key, readable only by
named staff (audited), never in the database in clear, erased at day close."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import col, select

from branch import national_ref
from branch.audit import chain_key
from branch.clock import FixedClock
from branch.db import Database
from branch.errors import PermissionDenied
from branch.models import AuditEntry, Role, Ticket, TicketEvent
from branch.settings import Settings
from branch.staff import Actor
from queue_kiosk.engine import QueueEngine
from queue_kiosk.national import (
    InvalidNationalNumber,
    Sealer,
    UnreadableReference,
    mask,
    validate,
)

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
NN = "9861042317"
CLERK = Actor("sara", Role.clerk)
MANAGER = Actor("huda", Role.manager)


@pytest.fixture
def engine(any_db: Database, settings: Settings) -> QueueEngine:
    return QueueEngine(any_db, settings.config, FixedClock(MORNING))


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_ten_digits_are_accepted(nn: str) -> None:
    assert validate(nn) == nn


@given(st.text(max_size=14))
def test_anything_else_is_refused_without_echo(text: str) -> None:
    cleaned = "".join(text.split()).translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    ok = len(cleaned) == 10 and cleaned.isascii() and cleaned.isdigit()
    try:
        validate(text)
        accepted = True
    except InvalidNationalNumber as exc:
        accepted = False
        assert str(exc) == "a national number is exactly 10 digits (0-9)"
    assert accepted == ok


def test_keypad_input_is_normalised() -> None:
    assert validate(" ٩٨٦١٠٤٢٣١٧ ") == NN
    assert validate("986 104 2317") == NN
    assert mask(NN) == "******2317"


def test_seal_opens_only_with_the_same_branch_key(tmp_path: Path) -> None:
    here, there = Sealer.for_home(tmp_path / "a"), Sealer.for_home(tmp_path / "b")
    token = here.seal(NN)
    assert NN not in token and here.seal(NN) != token  # fresh nonce each time
    assert token.startswith(national_ref.PREFIX)  # the format the counter opens
    assert here.open(token) == NN
    assert Sealer.for_home(tmp_path / "a").open(token) == NN  # the key is the home's secret
    with pytest.raises(UnreadableReference):
        there.open(token)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(UnreadableReference):
        here.open(tampered)
    with pytest.raises(InvalidNationalNumber):
        here.seal("12345")


def test_ticket_keeps_only_the_sealed_reference(engine: QueueEngine, branch_home: Path) -> None:
    sealer = Sealer.for_home(branch_home)
    t = engine.issue("CONTRIB", lang="en", national_ref=sealer.seal(NN))
    assert NN not in repr(t) and NN not in str(t.to_json())
    with engine.db.read() as s:
        row = s.get(Ticket, t.id)
        assert row.national_ref and NN not in row.national_ref
        events = [e.data or "" for e in s.exec(select(TicketEvent))]
    assert all(NN not in d for d in events)
    with pytest.raises(PermissionDenied):
        engine.national_ref(t.id, Actor(None, Role.clerk))
    assert sealer.open(engine.national_ref(t.id, CLERK)) == NN
    assert national_ref.open_sealed(row.national_ref, chain_key(branch_home)) == NN
    with engine.db.read() as s:
        reads = s.exec(
            select(AuditEntry).where(AuditEntry.action == "ticket.national_ref.read")
        ).all()
        assert [(a.staff_username, a.subject_ref) for a in reads] == [
            ("sara", f"ticket:{t.code};day:{t.business_day.isoformat()}")
        ]
        assert all(NN not in (a.subject_ref or "") for a in s.exec(select(AuditEntry)))
    plain = engine.issue("CONTRIB")
    assert engine.national_ref(plain.id, CLERK) is None
    engine.close_day(MANAGER)
    assert engine.national_ref(t.id, CLERK) is None
    with engine.db.read() as s:
        left = s.exec(select(Ticket).where(col(Ticket.national_ref).is_not(None))).all()
    assert left == []


def test_sqlite_file_never_holds_the_number(
    sqlite_db: Database, settings: Settings, branch_home: Path
) -> None:
    engine = QueueEngine(sqlite_db, settings.config, FixedClock(MORNING))
    engine.issue("CONTRIB", national_ref=Sealer.for_home(branch_home).seal(NN))
    sqlite_db.engine.dispose()
    path = Path(sqlite_db.engine.url.database or "")
    blobs = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert blobs and NN.encode() not in blobs
