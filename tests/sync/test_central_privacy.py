"""A run's logs, request URLs and error messages contain no national number."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from branch.clock import utc_now
from branch.db import Database
from branch.settings import Settings
from sync import payments as pay
from sync import problems as p
from sync.central import Central
from sync.client import CentralClient
from sync.relay import Relay


class Recording(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.urls: list[str] = []
        self.headers: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        self.headers.append(repr(dict(request.headers)))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_no_national_number_in_logs_urls_or_errors(
    sqlite_db: Database,
    settings: Settings,
    central: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recording()
    numbers = [central.nn(s) for s in (0, 1, 4)] + ["0000000001"]
    errors: list[str] = []

    async def go() -> None:
        client = CentralClient({"ssc": central.url}, timeout_s=1, transport=rec, read_attempts=1)
        c = Central(client, sqlite_db, settings)
        for nn in numbers:
            try:
                who = await c.lookup(national_number=nn)
                await c.statement(who.value.contributor_id)
            except p.CentralError as exc:
                errors.append(str(exc))
            await c.naf_eligibility(nn)
            await c.housing_lookup(nn)
        for nn in numbers[:3]:
            await c.create_payment(
                actor=c.settings and _clerk(),
                national_number=nn,
                amount_fils=100,
                purpose="arrears",
            )
        try:
            pay.create_payment(
                sqlite_db,
                branch_code="X1",
                actor=_clerk(),
                amount_fils=1,
                purpose="arrears",
                now=utc_now(),
                national_number=numbers[0][:9],
            )
        except Exception as exc:
            errors.append(str(exc))
        central.faults(drop_rate=0.5, paths=["/v1/payments"])
        relay = Relay(sqlite_db, client, backoff_base_s=0.01, backoff_cap_s=0.02)
        for _ in range(20):
            await relay.run_once()
            await asyncio.sleep(0.03)
        central.faults(outage=True)
        for nn in numbers[:2]:
            try:
                await c.lookup(national_number=nn)
            except p.CentralError as exc:
                errors.append(str(exc))
        await client.aclose()

    asyncio.run(go())
    assert rec.urls and errors
    text = "\n".join([*rec.urls, *rec.headers, *errors, *(r.getMessage() for r in caplog.records)])
    for nn in numbers:
        assert nn not in text
        assert nn[:9] not in text
    assert any("/v1/payments" in u for u in rec.urls)


def _clerk() -> Any:
    from branch.models import Role
    from branch.staff import Actor

    return Actor("sara", Role.clerk)
