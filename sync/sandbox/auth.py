"""Bearer-token check for the sandbox (`tabour sandbox --token TOKEN`).

Real central refuses a request whose credentials are missing, expired or wrong with 401; the
sandbox does the same so tests and the demo can show that the branch treats it as a link
fault (the payment waits), never as a refusal of the payment. The health check is open, as
central's is, so a breaker can tell "central is up but refuses us" from "central is down".
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from sync.contract import PROBLEM_CONTENT_TYPE
from sync.problems import UNAUTHORIZED

OPEN_PATHS = ("/v1/health", "/health")


class BearerTokenMiddleware:
    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/v1") or path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        if hmac.compare_digest(given, self.expected):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": "missing or wrong bearer token",
                "code": UNAUTHORIZED,
                "retryable": False,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                    (b"www-authenticate", b'Bearer realm="central"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
