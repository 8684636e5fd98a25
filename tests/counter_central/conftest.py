"""Fixtures for the counter's central panels: the real parts over a real SQLite branch
database, the sandbox central over loopback HTTP (its own process), staff with PINs, a
ticket, and a tiny host app that opens one of the panels the way the counter shell does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from branch.clock import utc_now
from branch.db import Database
from branch.models import Role
from branch.settings import Settings
from branch.staff import Actor, add_staff
from counter_app.central_session import close_central_session
from counter_app.parts import CounterParts
from counter_app.payment_flow import close_receipt_printer
from queue_kiosk.engine import TicketView
from tests.sync.conftest import Sandbox, central, sandbox_server  # noqa: F401

CLERK_PIN = "4321"
SUPERVISOR_PIN = "8642"


@pytest.fixture
def staff(sqlite_db: Database) -> dict[str, Actor]:
    now = utc_now()
    with sqlite_db.write() as s:
        add_staff(s, username="sara", display_name="Sara", role="clerk", pin=CLERK_PIN, now=now)
        add_staff(
            s, username="lina", display_name="Lina", role="supervisor", pin=SUPERVISOR_PIN,
            now=now,
        )  # fmt: skip
    return {"clerk": Actor("sara", Role.clerk), "supervisor": Actor("lina", Role.supervisor)}


def make_parts(
    settings: Settings, sandbox: Sandbox | None, counter: int = 1, **central_kw: Any
) -> CounterParts:
    env = {"TABOUR_CENTRAL_URL": sandbox.url if sandbox else "http://127.0.0.1:9"}
    central_kw.setdefault("timeout_s", 2.0)
    central_kw.setdefault("read_attempts", 1)
    central_kw.setdefault("reset_timeout_s", 0.5)
    return CounterParts.build(settings, counter=counter, central_kw={"env": env, **central_kw})


@pytest.fixture
def parts_for(settings: Settings, sqlite_db: Database) -> Iterator[Any]:
    """`parts_for(sandbox, counter=1, **central_kw)`; every part is closed afterwards."""
    made: list[CounterParts] = []

    def build(sandbox: Sandbox | None, counter: int = 1, **kw: Any) -> CounterParts:
        parts = make_parts(settings, sandbox, counter, **kw)
        made.append(parts)
        return parts

    yield build
    for parts in made:
        close_central_session(parts)
        close_receipt_printer(parts)
        parts.db.dispose()


def issue_ticket(
    parts: CounterParts, service: str = "CONTRIB", priority: str = "normal", lang: str = "en"
) -> TicketView:
    return parts.engine.issue(service, priority=priority, lang=lang)
