"""The shell's header status (from the database, never central) and the panels in both
languages: Ctrl+L mirrors a loaded panel without losing what it shows."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Input, Static

from branch.clock import utc_now
from counter_app.contributor_lookup import load_contributor
from counter_app.header_status import link_status
from counter_app.payment_flow import take_payment
from counter_app.screens.contributor import ContributorScreen
from sync import link_state
from sync.breaker import BreakerSnapshot, BreakerState
from tests.counter_central.conftest import issue_ticket
from tests.counter_central.host_app import HostApp
from tests.counter_central.waiting import until


def test_link_status_reads_link_state_and_backlog(parts_for: Any, central: Any, staff: Any) -> None:
    parts = parts_for(central)
    assert link_status(parts) == (True, 0, None)  # never heard of central yet
    ticket = issue_ticket(parts)
    loaded = load_contributor(parts, staff["clerk"], "national_number", central.nn(0), ticket)
    take_payment(parts, staff["clerk"], purpose="arrears", amount_fils=1_000, payer=loaded,
                 ticket=ticket)  # fmt: skip
    central.faults(outage=True)
    mark = central.requests_seen()
    link_state.publish(
        parts.db,
        BreakerSnapshot("ssc", BreakerState.open, 3, "connection refused", "unreachable"),
        utc_now(),
    )
    online, backlog, fault = link_status(parts)
    assert (online, backlog, fault) == (False, 2, "unreachable")  # create + confirm waiting
    assert central.requests(mark) == []  # the header never asks central
    link_state.publish(parts.db, BreakerSnapshot("ssc", BreakerState.closed, 0, None, None),
                       utc_now())  # fmt: skip
    assert link_status(parts).online


async def test_language_switch_mirrors_a_loaded_panel(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    nn = central.nn(0)
    loaded = await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", nn, ticket
    )
    screen = ContributorScreen(parts, staff["clerk"], ticket)  # opens already loaded
    async with HostApp(parts, lambda: screen, "en").run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        card = lambda: str(screen.query_one("#cc-card", Static).render())  # noqa: E731
        assert "Name: " + loaded.summary.value.name_en in card()
        await pilot.press("ctrl+l")
        await until(pilot, lambda: "الاسم" not in card() and ":ﻢﺳﻻﺍ" in card(),
                    what="the Arabic card")  # fmt: skip
        assert nn in card()
        assert screen.query_one("#cc-number", Input).value == nn
        # mirrored: the value on the left, its label on the right
        assert any(line.strip().startswith(f"{nn} :") for line in card().splitlines())
        await pilot.press("ctrl+l")
        await until(pilot, lambda: "Name: " in card(), what="English again")
        assert screen.lookups == 0  # nothing was looked up again
