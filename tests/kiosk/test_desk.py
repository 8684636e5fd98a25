"""`KioskDesk`, the kiosk's rules without a screen, on SQLite and PostgreSQL: the services
and their digits, opening hours, the priority and urgent offers, no open counter, the sealed
national number, and the printer alerts a print outcome raises and clears."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from branch.audit import chain_key
from branch.clock import FixedClock
from branch.db import Database
from branch.errors import DomainError
from branch.models import Ticket
from branch.national_ref import open_sealed
from branch.settings import Settings
from printer.jobs import PrintOutcome
from queue_kiosk.desk import KioskDesk, KioskRefusal
from queue_kiosk.engine import QueueEngine
from tests.kiosk.conftest import with_kiosk
from tui.testing import fixed_clock


def desk_for(db: Database, settings: Settings, clock: FixedClock | None = None, **kiosk) -> KioskDesk:
    s = with_kiosk(settings, **kiosk)
    return KioskDesk(QueueEngine(db, s.config, clock or fixed_clock()), home=s.home)


def outcome(printed: bool, failure: str | None = None, near_end: bool = False) -> PrintOutcome:
    return PrintOutcome(
        job_id="j1", label="A001", state="printed" if printed else "failed", failure=failure,
        reason=None if printed else failure, paper_near_end=near_end, outcome_known=True,
        preview=None,
    )  # fmt: skip


def test_services_in_settings_order_with_digits_and_groups(sqlite_db, settings) -> None:
    services = desk_for(sqlite_db, settings).services()
    assert [(s.code, s.digit) for s in services][:3] == [("CONTRIB", "1"), ("INQUIRY", "2"),
                                                         ("RETIRE", "3")]
    assert [s.digit for s in services] == list("1234567890")
    groups = {s.code: s.group for s in services}
    assert groups["NAF"] == groups["HEALTH"] == groups["HOUSING"] == "Special counter"
    assert groups["UNEMP"] == "Benefits" and groups["COMPLAINT"] == "Complaints"
    assert {s.code for s in services if s.urgent} == {"CONTRIB", "INQUIRY", "RETIRE"}


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (datetime(2026, 3, 15, 4, 59, tzinfo=UTC), False),  # Sunday 07:59 in Amman
        (datetime(2026, 3, 15, 5, 0, tzinfo=UTC), True),  # 08:00
        (datetime(2026, 3, 15, 11, 59, tzinfo=UTC), True),  # 14:59
        (datetime(2026, 3, 15, 12, 0, tzinfo=UTC), False),  # 15:00
        (datetime(2026, 3, 13, 7, 0, tzinfo=UTC), False),  # a Friday
    ],
)
def test_opening_hours_in_the_branch_time_zone(any_db, settings, when, open_) -> None:
    desk = desk_for(any_db, settings, FixedClock(when), open_days=["sun", "mon", "tue", "wed",
                    "thu"], opens="08:00", closes="15:00")
    assert desk.is_open() is open_
    if open_:
        assert desk.issue("CONTRIB").ticket.code == "A001"
    else:
        with pytest.raises(KioskRefusal) as refused:
            desk.issue("CONTRIB")
        assert refused.value.reason == "closed"


def test_refusals_leave_no_ticket(any_db: Database, settings: Settings) -> None:
    desk = desk_for(any_db, settings, priority_services=["RETIRE"], no_open_counter="refuse")
    for service, priority, reason in [
        ("NOPE", "normal", "unknown_service"),
        ("CONTRIB", "elderly", "no_priority"),
        ("UNEMP", "urgent", "no_urgent"),
        ("RETIRE", "pregnant", "no_counter"),
    ]:
        with pytest.raises(KioskRefusal) as refused:
            desk.issue(service, priority)
        assert refused.value.reason == reason
    with any_db.read() as s:
        assert s.exec(select(Ticket)).all() == []


def test_no_open_counter_is_reported_and_an_open_one_is_seen(any_db, settings) -> None:
    desk = desk_for(any_db, settings)
    assert desk.issue("RETIRE").no_open_counter
    desk.engine.open_counter(4)  # RETIRE, INJURY
    assert not desk.issue("RETIRE").no_open_counter
    desk.engine.pause(4, reason="break")
    assert desk.issue("RETIRE").no_open_counter  # paused is not open


def test_the_national_number_is_sealed_never_stored_in_clear(any_db, settings) -> None:
    desk = desk_for(any_db, settings)
    ticket = desk.issue("CONTRIB", national_number="٩٨٦١٠٤٢٣١٧").ticket  # Arabic-Indic digits
    with any_db.read() as s:
        ref = s.get(Ticket, ticket.id).national_ref
    assert ref and "9861042317" not in ref
    assert open_sealed(ref, chain_key(Path(settings.home))) == "9861042317"
    with pytest.raises(DomainError) as bad:
        desk.issue("CONTRIB", national_number="12345")
    assert "12345" not in str(bad.value)


def test_print_outcomes_raise_and_clear_printer_alerts(any_db, settings) -> None:
    desk = desk_for(any_db, settings)
    a = desk.issue("CONTRIB").ticket
    open_kinds = lambda: {v.kind for v in desk.engine.open_alerts()}  # noqa: E731
    desk.record_print(a, outcome(False, "paper_out"))
    assert open_kinds() == {"print_failed", "paper_out"}
    desk.record_print(a, outcome(False, "offline"))
    assert open_kinds() == {"print_failed", "paper_out", "printer_offline"}
    desk.record_print(a, outcome(True, near_end=True))
    assert open_kinds() == {"paper_near_end"}
    desk.record_print(a, outcome(True))
    assert open_kinds() == set()
    desk.print_failed(a, "no such device")
    assert open_kinds() == {"print_failed"}
    with any_db.read() as s:
        assert s.get(Ticket, a.id).print_state == "failed"
