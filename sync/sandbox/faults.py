"""Fault injection: what a real link does to a branch, on demand and reproducibly.

An ASGI middleware in front of the contract routes. `drop_rate` lets a write commit and then
loses its answer, the case that makes idempotency keys necessary; `outage` drops every
connection; `malformed_rate` answers 200 with a body that is not JSON; `hold_ms` keeps an
idempotent write "in progress" so a concurrent duplicate sees 409.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from sync.contract import PROBLEM_CONTENT_TYPE

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: Annotated[int, Field(ge=0, le=120_000)] = 0
    error_rate: Rate = 0.0
    drop_rate: Rate = 0.0
    malformed_rate: Rate = 0.0
    outage: bool = False
    hold_ms: Annotated[int, Field(ge=0, le=120_000)] = 0
    paths: list[str] = Field(
        default_factory=list, description="path prefixes the faults apply to; empty = all of /v1"
    )


class FaultInjector:
    """Holds the current faults and decides, with its own seeded random, who gets one."""

    def __init__(self, faults: Faults | None = None, seed: int = 0) -> None:
        self.faults = faults or Faults()
        self.random = random.Random(seed)
        self.injected: dict[str, int] = {"error": 0, "drop": 0, "malformed": 0, "outage": 0}
        self.requests: deque[dict[str, Any]] = deque(maxlen=5000)
        self.requests_seen = 0  # ever; each request's `seq`, so a reader can ask "since N"

    def applies(self, path: str) -> bool:
        if not (path.startswith("/v1") or path == "/health"):
            return False
        return not self.faults.paths or any(path.startswith(p) for p in self.faults.paths)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.random.random() < rate


async def _drop(send: Any) -> None:
    """Start a response that promises a body and never send it: the server closes the
    connection, the client sees it die mid-answer."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b"", "more_body": True})


class FaultMiddleware:
    def __init__(self, app: Any, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        inj = self.injector
        if scope["type"] != "http" or not inj.applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        f = inj.faults
        if f.outage:
            inj.injected["outage"] += 1
            await _drop(send)
            return
        if f.latency_ms:
            await asyncio.sleep(f.latency_ms / 1000)
        if inj.roll(f.error_rate):
            inj.injected["error"] += 1
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": "Service Unavailable",
                    "status": 503,
                    "detail": "injected fault",
                    "code": "unavailable",
                    "retryable": True,
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                        (b"retry-after", b"1"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        drop = scope["method"] != "GET" and inj.roll(f.drop_rate)
        malformed = not drop and inj.roll(f.malformed_rate)
        if not (drop or malformed):
            await self.app(scope, receive, send)
            return

        async def swallow(message: dict[str, Any]) -> None:
            return None

        await self.app(scope, receive, swallow)  # the work is done and committed
        if drop:
            inj.injected["drop"] += 1
            await _drop(send)
            return
        inj.injected["malformed"] += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": "P-1", "status": <html>'})


class RequestLogMiddleware:
    """Outermost: records every contract request as it arrives, before any fault or check
    (tests read it at `/_sandbox/requests`). Never the body: it may hold a national number."""

    def __init__(self, app: Any, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            headers = dict(scope.get("headers") or [])
            key = headers.get(b"idempotency-key")
            self.injector.requests_seen += 1
            self.injector.requests.append(
                {
                    "seq": self.injector.requests_seen,
                    "method": scope["method"],
                    "path": scope["path"],
                    "idempotency_key": key.decode("latin-1") if key else None,
                    "bearer": headers.get(b"authorization", b"").startswith(b"Bearer "),
                }
            )
        await self.app(scope, receive, send)
