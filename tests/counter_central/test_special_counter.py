"""The special counter's tabs in the contributor panel, against the sandbox: NAF eligibility,
an application's status and an appeal, housing applications and one's status; shown only at
counters serving those services; offline answers carry the stale badge."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.widgets import Button, DataTable, Input, Static, TabbedContent

from branch.models import AuditEntry
from counter_app.screens.contributor import ContributorScreen
from sync.sandbox import models as sbm
from tests.counter_central.conftest import issue_ticket
from tests.counter_central.host_app import HostApp
from tests.counter_central.waiting import until


def sandbox_rows(central: Any, model: Any, **where: str) -> list[Any]:
    t = model.__table__
    q = select(t).order_by(t.c.id)
    for key, value in where.items():
        q = q.where(t.c[key] == value)
    with central.engine.connect() as conn:
        return list(conn.execute(q))


def card(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def status(screen: Any) -> str:
    return card(screen, "#cc-status")


async def submit(pilot: Any, screen: ContributorScreen, selector: str, text: str) -> None:
    before = screen.lookups
    box = screen.query_one(selector, Input)
    box.value = text
    box.focus()
    await pilot.press("enter")
    await until(pilot, lambda: screen.lookups > before, what=f"the answer to {selector}")


async def open_panel(pilot: Any, screen: ContributorScreen, nn: str, tab: str) -> None:
    await until(pilot, lambda: pilot.app.screen is screen)
    screen.query_one("#cc-number", Input).value = nn
    screen.query_one("#cc-tabs", TabbedContent).active = tab
    await pilot.pause()


async def test_special_tabs_only_where_the_counter_serves_them(
    parts_for: Any, central: Any, staff: Any
) -> None:
    for counter, expected in ((1, False), (8, True)):
        parts = parts_for(central, counter=counter)
        screen = ContributorScreen(parts, staff["clerk"], None)
        async with HostApp(parts, lambda s=screen: s).run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda s=screen: pilot.app.screen is s)
            assert bool(screen.query("#tab-naf")) is expected
            assert bool(screen.query("#tab-housing")) is expected


async def test_naf_eligibility_status_and_appeal(parts_for: Any, central: Any, staff: Any) -> None:
    rejected = sandbox_rows(central, sbm.NafApplication, status="rejected")[0]
    parts = parts_for(central, counter=8)
    ticket = issue_ticket(parts, service="NAF")
    screen = ContributorScreen(parts, staff["clerk"], ticket)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await open_panel(pilot, screen, rejected.national_number, "tab-naf")
        await submit(pilot, screen, "#naf-household", "4")
        text = card(screen, "#naf-card")
        assert "Eligible" in text and "Score" in text and "Monthly aid" in text
        assert rejected.id in text and "rejected" in text, text
        await submit(pilot, screen, "#naf-app", rejected.id)
        assert "rejected" in card(screen, "#naf-card") and "Appeals: 0" in card(screen, "#naf-card")
        await submit(pilot, screen, "#naf-appeal", "my income fell this year")
        assert "Appeal filed" in status(screen)
        assert "received" in card(screen, "#naf-card")
        # a second appeal: the application is no longer rejected; central's refusal, one line
        await submit(pilot, screen, "#naf-appeal", "again")
        assert "appeal_not_allowed" in status(screen) and "\n" not in status(screen)
        assert rejected.national_number not in status(screen)
    [after] = [r for r in sandbox_rows(central, sbm.NafApplication) if r.id == rejected.id]
    assert after.status == "appealed"
    with parts.db.read() as s:
        rows = list(s.execute(select(AuditEntry).where(AuditEntry.action.like("naf.%"))).scalars())
    assert [(a.action, a.outcome) for a in rows] == [
        ("naf.eligibility", "ok"),
        ("naf.application", "ok"),
        ("naf.appeal", "ok"),
        ("naf.appeal", "appeal_not_allowed"),
    ]
    assert all(f"ticket:{ticket.code}#{ticket.id}" in (a.where or "") for a in rows)
    assert all(rejected.national_number not in (a.subject_ref or "") for a in rows)


async def test_housing_lookup_and_status_then_offline_copy(
    parts_for: Any, central: Any, staff: Any
) -> None:
    app_row = sandbox_rows(central, sbm.HousingApplication)[0]
    parts = parts_for(central, counter=8)
    screen = ContributorScreen(parts, staff["clerk"], None)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await open_panel(pilot, screen, app_row.national_number, "tab-housing")
        before = screen.lookups
        screen.query_one("#housing-go", Button).press()
        await until(pilot, lambda: screen.lookups > before)
        table = screen.query_one("#housing-table", DataTable)
        assert table.row_count >= 1
        table.focus()
        before = screen.lookups
        await pilot.press("enter")
        await until(pilot, lambda: screen.lookups > before)
        text = card(screen, "#housing-card")
        assert app_row.id in text and "Governorate" in text
        assert not screen.query_one("#cc-stale").has_class("-stale")
        central.faults(outage=True)
        before = screen.lookups
        screen.query_one("#housing-go", Button).press()
        await until(pilot, lambda: screen.lookups > before)
        assert screen.query_one("#cc-stale").has_class("-stale")
        assert "offline copy" in status(screen)
        assert table.row_count >= 1


async def test_naf_needs_a_national_number(parts_for: Any, central: Any, staff: Any) -> None:
    parts = parts_for(central, counter=8)
    screen = ContributorScreen(parts, staff["clerk"], None)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await open_panel(pilot, screen, "", "tab-naf")
        box = screen.query_one("#naf-household", Input)
        box.focus()
        await pilot.press("3", "enter")
        assert "need the national number" in status(screen)
        screen.query_one("#cc-number", Input).value = "12345"
        box.focus()
        await pilot.press("enter")
        assert "exactly 10 digits" in status(screen)
        assert screen.lookups == 0
