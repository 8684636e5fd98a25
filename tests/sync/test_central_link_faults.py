"""Only central's refusal of a payment makes it dead (issue #8 items 1 and 2).

Refused credentials (a sandbox started with `--token`), and a proxy in front of central that
answers HTML 404 and 502 pages, are link faults: every payment stays pending through several
relay passes, nothing is dead, the link state says why; once the link is right each payment
arrives exactly once (checked in the sandbox's own database) and ends `confirmed`.
"""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from branch.cli import main
from branch.clock import utc_now
from branch.db import Database
from branch.models import OutboxItem, Role
from branch.staff import Actor
from sync import outbox
from sync import payments as pay
from sync import problems as p
from sync.sandbox import data
from sync.sandbox import models as sbm

ROOT = Path(__file__).resolve().parents[2]
SEED = 7  # the seed of the session sandbox too (tests/sync/conftest.py)
TOKEN = "sandbox-token-1"
CLERK = Actor("sara", Role.clerk)
PROBLEM = "application/problem+json"


def _problem(status: int, code: str, retryable: bool = False) -> bytes:
    return json.dumps(
        {"title": "x", "status": status, "detail": "d", "code": code, "retryable": retryable}
    ).encode()


@pytest.mark.parametrize(
    ("status", "ctype", "body", "kind"),
    [
        (400, PROBLEM, _problem(400, "invalid_request"), None),
        (404, PROBLEM, _problem(404, "contributor_not_found"), None),
        (409, PROBLEM, _problem(409, "invalid_transition"), None),
        (422, PROBLEM, _problem(422, "idempotency_key_reused"), None),
        (401, PROBLEM, _problem(401, "unauthorized"), p.AUTH_FAILED),
        (403, PROBLEM, _problem(403, "forbidden"), p.AUTH_FAILED),
        (407, "text/html", b"<html>proxy login</html>", p.PROXY_AUTH),
        (408, PROBLEM, _problem(408, "timeout"), p.THROTTLED),
        (425, PROBLEM, _problem(425, "too_early"), p.THROTTLED),
        (429, PROBLEM, _problem(429, "slow_down", True), p.THROTTLED),
        (500, PROBLEM, _problem(500, "internal_error", True), p.SERVER_ERROR),
        (502, "text/html", b"<html>Bad Gateway</html>", p.SERVER_ERROR),
        (503, PROBLEM, _problem(503, "unavailable", True), p.SERVER_ERROR),
        (404, "text/html", b"<html>404 Not Found</html>", p.BAD_GATEWAY),
        (400, "application/json", _problem(400, "invalid_request"), p.BAD_GATEWAY),
        (422, PROBLEM, b"", p.BAD_GATEWAY),
        (409, PROBLEM, _problem(409, "invalid_transition")[:20], p.BAD_GATEWAY),
        (404, PROBLEM, _problem(404, "contributor_not_found", True), p.BAD_GATEWAY),
        (418, PROBLEM, _problem(418, "teapot"), p.BAD_GATEWAY),
    ],
)
def test_one_classification_of_answers(status: int, ctype: str, body: bytes, kind: str) -> None:
    err = p.classify_answer("ssc", "POST /v1/payments", status, ctype, body)
    if kind is None:
        assert not isinstance(err, p.CentralUnavailable) and not err.retryable
    else:
        assert isinstance(err, p.CentralUnavailable) and err.retryable
        assert err.kind == kind, err
    assert "\n" not in str(err)


# -- a sandbox that requires a bearer token ------------------------------------------------
class TokenSandbox:
    def __init__(self, url: str, db_url: str) -> None:
        self.url = url
        self.engine = create_engine(db_url)

    def at_central(self, cpids: list[str]) -> dict[str, list[str]]:
        t = sbm.CentralPayment.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.client_payment_id, t.c.status).where(t.c.client_payment_id.in_(cpids))
            ).all()
        out: dict[str, list[str]] = {}
        for cpid, status in rows:
            out.setdefault(cpid, []).append(status)
        return out


@pytest.fixture(scope="module")
def token_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenSandbox]:
    tmp = tmp_path_factory.mktemp("token-sandbox")
    db_url = f"sqlite:///{tmp / 'central.db'}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "branch", "sandbox", "--port", str(port)),
            *("--seed", str(SEED), "--contributors", "50", "--db", db_url, "--token", TOKEN),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    sb = TokenSandbox(url, db_url)
    yield sb
    proc.terminate()
    proc.wait(timeout=10)
    sb.engine.dispose()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "sandbox did not start"
        time.sleep(0.05)


def test_sandbox_token_guards_everything_but_health(token_sandbox: TokenSandbox) -> None:
    nn = data.national_number(SEED, 0)
    assert httpx.get(f"{token_sandbox.url}/v1/health").status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        r = httpx.post(
            f"{token_sandbox.url}/v1/contributors:lookup",
            json={"national_number": nn},
            headers=headers,
        )
        assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
        assert r.json()["code"] == "unauthorized"
    ok = httpx.post(
        f"{token_sandbox.url}/v1/contributors:lookup",
        json={"national_number": nn},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert ok.status_code == 200


def _queue(db: Database, n: int) -> list[str]:
    return [
        pay.create_payment(
            db,
            branch_code="AMM-ABDALI",
            actor=CLERK,
            amount_fils=1000 + i,
            purpose="arrears",
            now=utc_now(),
            contributor_id=data.contributor_id(SEED, i),
        ).client_payment_id
        for i in range(n)
    ]


def _tabour(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, json.loads(out) if out.strip().startswith("{") else out, err


def _payment_requests(url: str) -> int:
    got = httpx.get(f"{url}/_sandbox/requests", timeout=5).json()["requests"]
    return sum(1 for r in got if r["path"].startswith("/v1/payments"))


def _wait_due(db: Database, timeout: float = 10.0) -> None:
    """Wait on state: until every pending item's backoff has run out."""
    deadline = time.monotonic() + timeout
    while True:
        with db.read() as s:
            due = s.execute(
                select(OutboxItem.next_attempt_at).where(  # type: ignore[call-overload]
                    OutboxItem.status == outbox.PENDING,
                    OutboxItem.next_attempt_at < outbox.BLOCKED,
                )
            ).scalars()
            latest = max(due, default=None)
        if latest is None or latest <= utc_now():
            return
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _states(db: Database) -> dict[str, int]:
    with db.read() as s:
        rows = s.execute(select(OutboxItem.status, OutboxItem.kind)).all()  # type: ignore[call-overload]
    out: dict[str, int] = {}
    for status, kind in rows:
        if kind.startswith("payment."):
            out[status] = out.get(status, 0) + 1
    return out


def _passes_keep_everything_pending(
    db: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    at_central: Any,
    cpids: list[str],
    *,
    seen: Any,
    expect_kind: str,
    passes: int = 3,
) -> None:
    for _ in range(passes):
        before = seen()
        rc, report, err = _tabour(capsys, "sync", "--once", "--max-backoff", "0.2", "--json")
        assert rc == 0, err
        assert report["dead"] == 0 and report["delivered"] == 0, report
        assert _states(db) == {"pending": 2 * len(cpids)}  # nothing dead, nothing lost
        assert seen() > before  # each pass really asked (and got the fault), not skipped
        _wait_due(db)
    rc, status, _ = _tabour(capsys, "sync", "status", "--json")
    assert status["dead"] == 0
    assert status["breakers"]["ssc"]["fault"] == expect_kind, status["breakers"]["ssc"]
    assert status["breakers"]["ssc"]["last_error"]
    assert at_central(cpids) == {}


def test_wrong_token_keeps_payments_pending_then_right_token_delivers_once(
    sqlite_db: Database,
    token_sandbox: TokenSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cpids = _queue(sqlite_db, 3)
    monkeypatch.setenv("TABOUR_CENTRAL_URL", token_sandbox.url)
    monkeypatch.setenv("TABOUR_CENTRAL_TOKEN", "expired-token")
    _passes_keep_everything_pending(
        sqlite_db,
        capsys,
        monkeypatch,
        token_sandbox.at_central,
        cpids,
        seen=lambda: _payment_requests(token_sandbox.url),
        expect_kind=p.AUTH_FAILED,
    )
    monkeypatch.setenv("TABOUR_CENTRAL_TOKEN", TOKEN)
    rc, report, err = _tabour(capsys, "sync", "--once", "--json")
    assert rc == 0 and report["dead"] == 0, (report, err)
    assert token_sandbox.at_central(cpids) == {c: ["confirmed"] for c in cpids}
    for cpid in cpids:
        assert pay.payment_status(sqlite_db, cpid).status == "confirmed"
    rc, status, _ = _tabour(capsys, "sync", "status", "--json")
    assert (
        status["breakers"]["ssc"]["state"] == "closed"
        and status["breakers"]["ssc"]["fault"] is None
    )


def test_refused_credentials_at_the_counter_mean_offline_rules(
    sqlite_db: Database, token_sandbox: TokenSandbox, settings: Any
) -> None:
    """Central refuses our token: a payment for someone without a snapshot is refused with
    one clear line and nothing is written."""
    import asyncio

    from sync.central import Central

    async def go() -> None:
        c = Central.open(
            sqlite_db,
            settings,
            env={"TABOUR_CENTRAL_URL": token_sandbox.url, "TABOUR_CENTRAL_TOKEN": "nope"},
            read_attempts=1,
        )
        try:
            with pytest.raises(pay.PayerUnresolved, match="cannot be reached"):
                await c.create_payment(
                    actor=CLERK,
                    national_number=data.national_number(SEED, 1),
                    amount_fils=100,
                    purpose="arrears",
                )
        finally:
            await c.aclose()

    asyncio.run(go())
    assert _states(sqlite_db) == {}


# -- a proxy in front of central that answers pages of its own -----------------------------
class Proxy:
    """Loopback HTTP proxy: `mode` "pass" forwards to the sandbox; "html404" and "html502"
    answer a proxy's HTML error page without asking it."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mode = "html404"
        self.payment_requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("/v1/payments"):
                    proxy.payment_requests += 1
                if proxy.mode == "pass":
                    r = httpx.request(
                        self.command,
                        proxy.upstream + self.path,
                        content=body,
                        headers={
                            k: v
                            for k, v in self.headers.items()
                            if k.lower() not in ("host", "content-length", "connection")
                        },
                        timeout=10,
                    )
                    status, ctype, out = r.status_code, r.headers.get("content-type", ""), r.content
                    extra = {
                        k: v for k, v in r.headers.items() if k.lower() == "idempotent-replayed"
                    }
                else:
                    status = 404 if proxy.mode == "html404" else 502
                    ctype, extra = "text/html", {}
                    out = f"<html><body><h1>{status}</h1>nginx</body></html>".encode()
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(out)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_proxy_html_404_and_502_kill_nothing(
    sqlite_db: Database,
    central: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = Proxy(central.url)
    try:
        cpids = _queue(sqlite_db, 3)
        monkeypatch.setenv("TABOUR_CENTRAL_URL", proxy.url)
        for mode, kind in (("html404", p.BAD_GATEWAY), ("html502", p.SERVER_ERROR)):
            proxy.mode = mode
            _passes_keep_everything_pending(
                sqlite_db,
                capsys,
                monkeypatch,
                central.payments,
                cpids,
                seen=lambda: proxy.payment_requests,
                expect_kind=kind,
                passes=2,
            )
        proxy.mode = "pass"
        rc, report, err = _tabour(capsys, "sync", "--once", "--json")
        assert rc == 0 and report["dead"] == 0, (report, err)
        at_central = central.payments(cpids)
        assert {c: [r.status for r in rows] for c, rows in at_central.items()} == {
            c: ["confirmed"] for c in cpids
        }
        for cpid in cpids:
            assert pay.payment_status(sqlite_db, cpid).status == "confirmed"
    finally:
        proxy.close()


def test_fault_kinds_and_the_payer_message_are_in_arabic() -> None:
    from branch.i18n import gettext

    for text in [*p.FAULT_LABELS.values(), str(pay.PayerUnresolved())]:
        ar = gettext(text, "ar")
        assert ar != text and any("\u0600" <= ch <= "\u06ff" for ch in ar), text
    assert set(p.FAULT_LABELS) == {
        p.AUTH_FAILED, p.PROXY_AUTH, p.THROTTLED, p.BAD_GATEWAY, p.SERVER_ERROR,
        p.UNREACHABLE, p.NO_ANSWER,
    }  # fmt: skip
