"""SVG snapshots at 120×36 in Arabic and English: the contributor panel fresh and stale, the
payment confirmation dialog, and the NAF tab. Fixed clock, fixed central answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import Input, TabbedContent

from counter_app.contributor_lookup import load_contributor
from counter_app.screens.contributor import ContributorScreen
from counter_app.screens.payment import PaymentScreen
from counter_app.screens.payment_dialogs import ConfirmPaymentDialog
from tests.counter_central.conftest import issue_ticket
from tests.counter_central.fixed_central import NN, FixedCentral
from tests.counter_central.host_app import HostApp
from tests.counter_central.waiting import until
from tui.testing import fixed_clock, settle

SIZE = (120, 36)


def fixed_parts(parts_for: Any, counter: int = 1) -> Any:
    parts = parts_for(None, counter=counter)
    central = FixedCentral()
    parts.central_factory = central.factory(parts.db, parts.settings, fixed_clock())
    parts.clock = fixed_clock()
    parts.extra["fixed_central"] = central
    return parts


async def look_up(pilot: Any) -> None:
    screen = pilot.app.screen
    await until(pilot, lambda: isinstance(pilot.app.screen, ContributorScreen))
    screen = pilot.app.screen
    box = screen.query_one("#cc-number", Input)
    box.value = NN
    box.focus()
    before = screen.lookups
    await pilot.press("enter")
    await until(pilot, lambda: screen.lookups > before)
    await settle(pilot)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_contributor_fresh(snap_compare: Any, parts_for: Any, staff: Any, lang: str) -> None:
    parts = fixed_parts(parts_for)
    ticket = issue_ticket(parts)
    app = HostApp(parts, lambda: ContributorScreen(parts, staff["clerk"], ticket), lang, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=look_up)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_contributor_stale(snap_compare: Any, parts_for: Any, staff: Any, lang: str) -> None:
    parts = fixed_parts(parts_for)
    ticket = issue_ticket(parts)

    async def stale(pilot: Any) -> None:
        await look_up(pilot)  # stores the branch's copy
        parts.extra["fixed_central"].down = True
        screen = pilot.app.screen
        screen.query_one("#cc-tabs", TabbedContent).active = "tab-dues"
        await look_up(pilot)
        assert screen.loaded.stale

    app = HostApp(parts, lambda: ContributorScreen(parts, staff["clerk"], ticket), lang, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=stale)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_payment_dialog(snap_compare: Any, parts_for: Any, staff: Any, lang: str) -> None:
    parts = fixed_parts(parts_for)
    ticket = issue_ticket(parts)
    asyncio.run(
        asyncio.to_thread(load_contributor, parts, staff["clerk"], "national_number", NN, ticket)
    )

    async def dialog(pilot: Any) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, PaymentScreen))
        screen = pilot.app.screen
        screen.query_one("#pay-dues").focus()
        await pilot.press("enter")  # all dues
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmPaymentDialog))
        await settle(pilot)

    app = HostApp(parts, lambda: PaymentScreen(parts, staff["clerk"], ticket), lang, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=dialog)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_naf_tab(snap_compare: Any, parts_for: Any, staff: Any, lang: str) -> None:
    parts = fixed_parts(parts_for, counter=8)
    ticket = issue_ticket(parts, service="NAF")

    async def naf(pilot: Any) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, ContributorScreen))
        screen = pilot.app.screen
        screen.query_one("#cc-number", Input).value = NN
        screen.query_one("#cc-tabs", TabbedContent).active = "tab-naf"
        await pilot.pause()
        box = screen.query_one("#naf-household", Input)
        box.value = "5"
        box.focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.lookups == 1)
        await settle(pilot)

    app = HostApp(parts, lambda: ContributorScreen(parts, staff["clerk"], ticket), lang, live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=naf)
