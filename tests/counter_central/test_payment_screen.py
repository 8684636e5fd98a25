"""The payment screen driven with Pilot: online from a due, offline against a cached copy,
offline refused with nothing written, amount validation, reversal refused to a clerk and
queued for a supervisor's PIN, the state following the relay live, and the receipt that
came out of the (virtual) counter printer."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Select, Static

from branch.clock import utc_now
from branch.models import OutboxItem, Payment, Role
from branch.settings import load_settings
from branch.staff import Actor
from counter_app.central_session import close_central_session
from counter_app.contributor_lookup import load_contributor
from counter_app.payment_flow import close_receipt_printer, receipt_printer
from counter_app.screens.payment import PaymentScreen
from counter_app.screens.payment_dialogs import ConfirmPaymentDialog, ReversalDialog
from sync import link_state, outbox
from sync.breaker import BreakerSnapshot, BreakerState
from sync.client import CentralClient
from sync.relay import Relay
from tests.counter_central.conftest import CLERK_PIN, SUPERVISOR_PIN, issue_ticket, make_parts
from tests.counter_central.host_app import HostApp
from tests.counter_central.waiting import until


def status(screen: Any) -> str:
    return str(screen.query_one("#pay-status", Static).render())


def payment_rows(db: Any) -> list[Payment]:
    with db.read() as s:
        return list(s.execute(select(Payment).order_by(Payment.id)).scalars())


def outbox_count(db: Any) -> int:
    with db.read() as s:
        return int(s.execute(select(func.count()).select_from(OutboxItem)).scalar() or 0)


def drain(db: Any, url: str, until_s: float = 30.0) -> None:
    """The relay, as `tabour sync` runs it, until nothing is pending."""

    async def go() -> None:
        relay = Relay(
            db,
            CentralClient({"ssc": url}, timeout_s=3.0),
            backoff_base_s=0.01,
            backoff_cap_s=0.05,
            before_round=None,
        )
        try:
            deadline = time.monotonic() + until_s
            while True:
                await relay.run_once()
                counts = outbox.counts(db, utc_now())
                if counts["pending"] == 0 and counts["in_flight"] == 0:
                    return
                assert time.monotonic() < deadline, counts
                await asyncio.sleep(0.05)
        finally:
            await relay.client.aclose()

    asyncio.run(go())


async def confirm(pilot: Any, screen: PaymentScreen) -> None:
    """Ctrl+S, the dialog shows the amount, Enter takes the payment."""
    before = screen.taken
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmPaymentDialog))
    await pilot.press("enter")
    await until(
        pilot,
        lambda: screen.taken > before or "refused" in screen.query_one("#pay-status").classes,
        what="the payment to be written or refused",
    )


async def test_online_payment_from_a_due_confirmed_live_with_receipt(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts, lang="ar")
    loaded = await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(0), ticket
    )
    dues = loaded.dues()
    assert dues, "seq 0 owes three months"
    screen = PaymentScreen(parts, staff["clerk"], ticket)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        table = screen.query_one("#pay-dues", DataTable)
        assert table.row_count == len(dues) + 1  # "all dues" first
        table.focus()
        await pilot.press("down", "enter")  # the oldest due month
        first = dues[0]
        amount = screen.query_one("#pay-amount", Input)
        assert amount.value == f"{(first.due_fils + first.late_fee_fils) / 1000:.3f}"
        assert screen.periods == [first.period]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmPaymentDialog))
        body = str(pilot.app.screen.query_one("#confirm-body", Static).render())
        assert f"{amount.value} JD" in body and "Arrears" in body
        await pilot.press("enter")
        await until(pilot, lambda: screen.taken == 1, what="the payment")
        [row] = payment_rows(parts.db)
        assert row.status == "pending" and not row.offline and row.ticket_id == ticket.id
        assert row.amount_fils == first.due_fils + first.late_fee_fils
        assert row.periods == first.period and row.contributor_ref == loaded.contributor_id
        assert outbox_count(parts.db) == 2  # create, then confirm
        await until(pilot, lambda: screen.last_receipt is not None, what="the receipt")
        assert screen.last_receipt.printed, screen.last_receipt.reason
        assert "printed" in status(screen)
        assert [p.status for p in screen.payments] == ["pending"]
        await asyncio.to_thread(drain, parts.db, central.url)
        # the relay is another part of the branch: the screen follows it without a key
        await until(
            pilot,
            lambda: [p.status for p in screen.payments] == ["confirmed"],
            what="the confirmed state on screen",
        )
        cells = screen.query_one("#pay-list", DataTable).get_row_at(0)
        assert any("confirmed" in str(c) for c in cells)
    [row] = payment_rows(parts.db)
    assert row.status == "confirmed" and row.receipt_no
    assert list(central.payments([row.client_payment_id])) == [row.client_payment_id]
    # what came out of the counter's printer: a receipt picture with the amount
    preview = screen.last_receipt.preview
    assert preview is not None and preview.exists()
    assert Image.open(preview).height > 300
    device = receipt_printer(parts).virtual_device
    assert device is not None
    printed = "\n".join(device.printer.transcript)
    assert "PAYMENT RECEIPT" in printed and "Arrears" in printed
    assert f"{row.amount_fils // 1000}.{row.amount_fils % 1000:03d}" in printed
    assert row.provisional_receipt_no in printed and first.period in printed
    assert central.nn(0) not in printed  # never a national number on paper


async def test_offline_payment_against_cached_dues(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    loaded = await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(1), ticket
    )
    central.faults(outage=True)
    link_state.publish(
        parts.db,
        BreakerSnapshot("ssc", BreakerState.open, 3, "connection refused", "unreachable"),
        utc_now(),
    )
    stale = await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(1), ticket
    )
    assert stale.stale
    screen = PaymentScreen(parts, staff["clerk"], ticket)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        assert screen.query_one("#pay-stale").has_class("-stale")
        screen.query_one("#pay-amount", Input).value = "10.000"
        await confirm(pilot, screen)
        assert screen.taken == 1, status(screen)
        await until(pilot, lambda: screen.last_receipt is not None, what="the receipt")
        await until(pilot, lambda: "printed" in status(screen), what="the receipt line")
        assert "offline" in status(screen)
        # above the cached dues: refused in one line, nothing written
        total = loaded.statement.value.total_due_fils
        screen.query_one("#pay-amount", Input).value = f"{total / 1000 + 1:.3f}"
        await confirm(pilot, screen)
        assert screen.taken == 1
        assert "central is offline" in status(screen)
    [row] = payment_rows(parts.db)
    assert row.offline and row.amount_fils == 10_000 and row.status == "pending"


async def test_offline_without_any_copy_is_refused_and_nothing_written(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    central.faults(outage=True)
    screen = PaymentScreen(parts, staff["clerk"], None)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        nn = screen.query_one("#pay-nn", Input)
        nn.focus()
        await pilot.press(*central.nn(5), "enter")
        screen.query_one("#pay-amount", Input).value = "5"
        await confirm(pilot, screen)
        line = status(screen)
        assert "no cached record" in line and "\n" not in line
        assert central.nn(5) not in line
    assert payment_rows(parts.db) == [] and outbox_count(parts.db) == 0


async def test_amount_validation(parts_for: Any, central: Any, staff: Any) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(0), ticket
    )
    screen = PaymentScreen(parts, staff["clerk"], ticket)
    cases = {
        "": "type an amount",
        "12.3456": "at most 3 decimals",
        "99999999999": "too large",
        "100000.001": "too large",
        "0.000": "between 1 and",
        "1.2.3": "up to 3 decimals",
    }
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        box = screen.query_one("#pay-amount", Input)
        box.focus()
        await pilot.press("x", "-", "1")  # only digits and the point reach the box
        assert box.value == "1"
        for typed, expected in cases.items():
            box.value = typed
            await pilot.press("enter")
            assert expected in status(screen), (typed, status(screen))
            assert pilot.app.screen is screen  # no dialog for a bad amount
    assert payment_rows(parts.db) == []


async def test_urgent_ticket_shows_fee_due_until_paid(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts, priority="urgent")
    await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(0), ticket
    )
    screen = PaymentScreen(parts, staff["clerk"], ticket)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: screen.urgent_due, what="fee due")
        assert "urgent: fee due" in str(screen.query_one("#pay-urgent", Static).render())
        assert screen.query_one("#pay-purpose", Select).value == "urgent_fee"
        assert screen.query_one("#pay-amount", Input).value == "5.000"
        await confirm(pilot, screen)
        await until(pilot, lambda: not screen.urgent_due, what="the fee taken")
        assert str(screen.query_one("#pay-urgent", Static).render()) == ""
        assert screen.query_one("#pay-purpose", Select).value == "arrears"
    [row] = payment_rows(parts.db)
    assert row.purpose == "urgent_fee" and row.amount_fils == 5_000


async def test_reversal_refused_to_a_clerk_done_by_a_supervisor(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(0), ticket
    )
    screen = PaymentScreen(parts, staff["clerk"], ticket)

    async def reverse(pilot: Any, user: str, pin: str) -> None:
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReversalDialog))
        dialog = pilot.app.screen
        await pilot.press(*"wrong person")
        user_box = dialog.query_one("#rev-user", Input)
        user_box.value = user
        await pilot.press("tab", "tab", *pin, "enter")
        await until(pilot, lambda: pilot.app.screen is screen)
        await until(pilot, lambda: "…" not in status(screen), what="the reversal answer")

    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        screen.query_one("#pay-amount", Input).value = "7.250"
        await confirm(pilot, screen)
        await until(pilot, lambda: len(screen.payments) == 1)
        await until(pilot, lambda: screen.last_receipt is not None, what="the receipt")
        screen.query_one("#pay-list", DataTable).focus()
        await reverse(pilot, "sara", CLERK_PIN)
        assert "may not reverse a payment" in status(screen)
        await reverse(pilot, "lina", "0000")
        assert "wrong PIN" in status(screen)
        await reverse(pilot, "lina", SUPERVISOR_PIN)
        assert "Reversal queued" in status(screen)
    with parts.db.read() as s:
        kinds = [i.kind for i in s.execute(select(OutboxItem).order_by(OutboxItem.id)).scalars()]
    assert kinds == [outbox.PAYMENT_CREATE, outbox.PAYMENT_CONFIRM, outbox.PAYMENT_REVERSE]


def relay_once(db: Any, url: str) -> None:
    async def go() -> None:
        relay = Relay(db, CentralClient({"ssc": url}, timeout_s=2.0), backoff_base_s=0.01,
                      backoff_cap_s=0.05, before_round=None)  # fmt: skip
        try:
            await relay.run_once()
        finally:
            await relay.client.aclose()

    asyncio.run(go())


async def test_central_down_in_the_middle_of_a_payment(
    parts_for: Any, central: Any, staff: Any
) -> None:
    parts = parts_for(central)
    ticket = issue_ticket(parts)
    await asyncio.to_thread(
        load_contributor, parts, staff["clerk"], "national_number", central.nn(0), ticket
    )
    screen = PaymentScreen(parts, staff["clerk"], ticket)
    async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: pilot.app.screen is screen)
        screen.query_one("#pay-amount", Input).value = "3.500"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmPaymentDialog))
        central.faults(outage=True)  # central goes down while the clerk confirms
        await pilot.press("enter")
        await until(pilot, lambda: screen.taken == 1, what="the payment")
        await asyncio.to_thread(relay_once, parts.db, central.url)
        await until(pilot, lambda: screen.payments and screen.payments[0].last_error,
                    what="the failed delivery seen")  # fmt: skip
        assert screen.payments[0].status == "pending"  # the cash is taken; nothing failed
        central.faults()
        await asyncio.to_thread(drain, parts.db, central.url)
        await until(pilot, lambda: screen.payments[0].status == "confirmed",
                    what="confirmed once central is back")  # fmt: skip
    [row] = payment_rows(parts.db)
    assert list(central.payments([row.client_payment_id])) == [row.client_payment_id]
    assert len(central.payments([row.client_payment_id])[row.client_payment_id]) == 1


@pytest.mark.postgres
async def test_payment_state_follows_the_relay_on_postgresql(
    postgres_db: Any, postgres_url: str, branch_home: Any, central: Any
) -> None:
    """PostgreSQL's notifier hears the queue, not the relay: the screen still follows."""
    settings = load_settings({**os.environ, "TABOUR_DATABASE_URL": postgres_url})
    parts = make_parts(settings, central)
    try:
        ticket = issue_ticket(parts)
        clerk = Actor("sara", Role.clerk)
        await asyncio.to_thread(
            load_contributor, parts, clerk, "national_number", central.nn(0), ticket
        )
        screen = PaymentScreen(parts, clerk, ticket)
        async with HostApp(parts, lambda: screen).run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: pilot.app.screen is screen)
            screen.query_one("#pay-amount", Input).value = "2.000"
            await confirm(pilot, screen)
            assert screen.taken == 1, status(screen)
            await until(pilot, lambda: [p.status for p in screen.payments] == ["pending"])
            await asyncio.to_thread(drain, parts.db, central.url)
            await until(pilot, lambda: [p.status for p in screen.payments] == ["confirmed"],
                        what="confirmed on PostgreSQL")  # fmt: skip
    finally:
        close_central_session(parts)
        close_receipt_printer(parts)
        parts.db.dispose()
