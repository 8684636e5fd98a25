"""The kiosk-captured national number: sealed by the kiosk, read through the engine (audited),
opened in memory by the counter that calls the ticket, and the lookup loaded before the clerk
opens the panel."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from textual.widgets import Static

from branch.models import AuditEntry, Ticket
from branch.national_ref import open_sealed, seal
from counter_app.contributor_lookup import loaded_for
from counter_app.kiosk_capture import captured_national_number
from counter_app.lookup_preload import preload_for_ticket
from counter_app.screens.contributor import ContributorScreen
from queue_kiosk.national import Sealer
from tests.counter_central.conftest import issue_ticket
from tests.counter_central.host_app import HostApp
from tests.counter_central.waiting import until


def test_seal_opens_only_with_the_branch_key() -> None:
    key, other = secrets.token_bytes(32), secrets.token_bytes(32)
    a, b = seal("9861234567", key), seal("9861234567", key)
    assert a != b and "9861234567" not in a  # a fresh nonce every time
    assert open_sealed(a, key) == open_sealed(b, key) == "9861234567"
    assert open_sealed(a, other) is None
    flipped = a[:-3] + ("A" if a[-3] != "A" else "B") + a[-2:]
    assert open_sealed(flipped, key) is None
    assert open_sealed(None, key) is None and open_sealed("nr1.!!", key) is None


def capture(parts: Any, ticket: Any, nn: str) -> None:
    """What the kiosk's national-number step leaves on the ticket (a sealed reference)."""
    with parts.db.write() as s:
        row = s.get(Ticket, ticket.id)
        row.national_ref = Sealer.for_home(parts.settings.home).seal(nn)
        s.add(row)


async def test_preload_loads_the_captured_person_for_the_called_ticket(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    nn = central.nn(0)
    capture(parts, ticket, nn)
    with parts.db.read() as s:
        assert nn not in (s.get(Ticket, ticket.id).national_ref or "")
    assert captured_national_number(parts, staff["clerk"], ticket) == nn
    called = parts.engine.call_next(1, staff["clerk"])
    assert called.id == ticket.id
    preload_for_ticket(parts, staff["clerk"], called)
    loaded = loaded_for(parts, called)
    assert loaded is not None and loaded.source == "kiosk" and not loaded.stale
    with parts.db.read() as s:
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.action == "central.lookup")))
    assert len(entries) == 1 and f"ticket:{called.code}#{called.id}" in entries[0][0].where
    with parts.db.read() as s:
        reads = list(
            s.execute(select(AuditEntry).where(AuditEntry.action == "ticket.national_ref.read"))
        )
    assert len(reads) == 2 and reads[0][0].staff_username == "sara"  # every opening audited
    mark = central.requests_seen()
    screen = ContributorScreen(parts, staff["clerk"], called)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        card = str(screen.query_one("#cc-card", Static).render())
        assert loaded.summary.value.name_en in card and nn in card
        status = str(screen.query_one("#cc-status", Static).render())
        assert status == "Loaded from the number given at the kiosk"
    assert screen.lookups == 0 and central.requests(mark) == []  # opened already loaded


def test_preload_without_capture_or_central_does_nothing(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    plain, captured = issue_ticket(parts), issue_ticket(parts)
    mark = central.requests_seen()
    preload_for_ticket(parts, staff["clerk"], plain)
    assert loaded_for(parts, plain) is None and central.requests(mark) == []
    capture(parts, captured, central.nn(3))
    with parts.db.write() as s:  # a reference this branch's key cannot open: nothing, no error
        row = s.get(Ticket, plain.id)
        row.national_ref = "gAAAAAB-not-a-token"
        s.add(row)
    preload_for_ticket(parts, staff["clerk"], plain)
    assert loaded_for(parts, plain) is None and central.requests(mark) == []
    central.faults(outage=True)
    preload_for_ticket(parts, staff["clerk"], captured)  # no copy at the branch: quietly none
    assert loaded_for(parts, captured) is None
