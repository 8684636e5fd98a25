"""The contributor panel driven with Pilot against the sandbox central over loopback: a fresh
lookup, a stale one from the branch's snapshot, central unreachable, a bad number, and a
timeout while central is slow (the screen keeps answering keys meanwhile)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.widgets import DataTable, Input, Static, TabbedContent

from branch.audit import verify_chain
from branch.models import AuditEntry
from counter_app.contributor_lookup import loaded_for
from counter_app.screens.contributor import ContributorScreen
from tests.counter_central.conftest import issue_ticket
from tests.counter_central.host_app import HostApp
from tests.counter_central.waiting import until


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def look_up(pilot: Any, screen: ContributorScreen, number: str) -> None:
    before = screen.lookups
    box = screen.query_one("#cc-number", Input)
    box.value = ""
    box.focus()
    await pilot.press(*number, "enter")
    await until(pilot, lambda: screen.lookups > before, what="the lookup")


def audits(db: Any, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


async def test_fresh_lookup_shows_summary_statement_and_dues(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    screen = ContributorScreen(parts, staff["clerk"], ticket)
    nn = central.nn(0)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        await look_up(pilot, screen, nn)
        assert screen.loaded is not None and not screen.loaded.stale
        card = text_of(screen, "#cc-card")
        assert nn in card  # in full, in this panel only
        assert screen.loaded.summary.value.name_en in card
        assert not screen.query_one("#cc-stale").has_class("-stale")
        table = screen.query_one("#cc-statement", DataTable)
        assert table.row_count == len(screen.loaded.statement.value.periods) > 0
        dues = text_of(screen, "#cc-dues")
        assert "Total due" in dues and "JD" in dues
        # kept for the ticket: the payment screen and the shell find it
        assert loaded_for(parts, ticket) is screen.loaded
    entries = audits(parts.db, "central.lookup")
    assert [e.outcome for e in entries] == ["ok"]
    assert f"ticket:{ticket.code}#{ticket.id}" in (entries[0].where or "")
    assert nn not in (entries[0].subject_ref or "") and nn not in (entries[0].where or "")
    assert [e.outcome for e in audits(parts.db, "central.statement")] == ["ok"]
    with parts.db.read() as s:
        assert verify_chain(s) is None


async def test_invalid_number_is_one_line_and_nothing_is_sent(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    screen = ContributorScreen(parts, staff["clerk"], None)
    mark = central.requests_seen()
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        box = screen.query_one("#cc-number", Input)
        box.focus()
        await pilot.press("1", "2", "3", "enter")
        await until(pilot, lambda: "10 digits" in text_of(screen, "#cc-status"))
        assert screen.query_one("#cc-status").has_class("refused")
        assert "123" not in text_of(screen, "#cc-status")
        await pilot.press("a", "b", "enter")  # letters never reach the box
        assert box.value == "123"
    assert central.requests(mark) == []
    assert audits(parts.db, "central.lookup") == []


async def test_stale_from_snapshot_then_unreachable(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    screen = ContributorScreen(parts, staff["clerk"], None)
    nn = central.nn(1)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        await look_up(pilot, screen, nn)
        fresh = screen.loaded
        assert fresh is not None and not fresh.stale
        central.faults(outage=True)
        await look_up(pilot, screen, nn)
        assert screen.loaded is not None and screen.loaded.stale
        assert screen.loaded.summary.value == fresh.summary.value
        badge = screen.query_one("#cc-stale")
        assert badge.has_class("-stale")
        assert "OFFLINE copy as of" in str(badge.render())
        assert "offline copy" in text_of(screen, "#cc-status")
        await look_up(pilot, screen, central.nn(2))  # never looked up: no copy at the branch
        line = text_of(screen, "#cc-status")
        assert "no copy of this record is kept at the branch" in line
        assert screen.query_one("#cc-status").has_class("refused")
        assert screen.loaded.summary.value == fresh.summary.value  # the last answer stays
    outcomes = [e.outcome for e in audits(parts.db, "central.lookup")]
    assert outcomes[:2] == ["ok", "stale"] and len(outcomes) == 3


async def test_timeout_with_central_slow_keeps_answering_keys(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central, timeout_s=5.0)
    screen = ContributorScreen(parts, staff["clerk"], None)
    central.faults(latency_ms=15000, paths=["/v1/contributors"])
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        box = screen.query_one("#cc-number", Input)
        box.focus()
        await pilot.press(*central.nn(3), "enter")
        await until(pilot, lambda: screen.busy, what="the lookup to start")
        tabs = screen.query_one("#cc-tabs", TabbedContent)
        seen = []
        for _ in range(3):  # while central sits on the request, keys still work
            await pilot.press("ctrl+t")
            seen.append((tabs.active, screen.busy))
        assert [tab for tab, _ in seen] == ["tab-statement", "tab-dues", "tab-summary"]
        assert seen[0][1], "the lookup finished before the first key was tried"
        await until(pilot, lambda: screen.lookups == 1, timeout=60, what="the timeout")
        line = text_of(screen, "#cc-status")
        assert "did not answer within 5 s" in line, line
        assert "\n" not in line
