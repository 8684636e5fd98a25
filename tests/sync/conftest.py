"""Fixtures for the central link: a real sandbox over loopback HTTP, in its own process.

The sandbox runs once per test session (seeding takes about a second) on a free port, with
its database in a temp file the tests read directly to check what central holds. Faults are
reset around every test that asks for `central`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, delete, func, select
from sqlalchemy.engine import Engine

from sync.sandbox import data
from sync.sandbox import models as sbm

ROOT = Path(__file__).resolve().parents[2]
SEED = 7


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sandbox:
    url: str
    db_url: str
    engine: Engine
    proc: subprocess.Popen[bytes]

    @staticmethod
    def nn(seq: int) -> str:
        """The national number of the seq-th seeded contributor (seq < 5 is never foreign;
        0 active, 1 voluntary_active, 2 inactive, 3 pensioner, 4 deceased; 0 and 1 owe
        three months)."""
        return data.national_number(SEED, seq)

    @staticmethod
    def cid(seq: int) -> str:
        """Central's contributor id of the seq-th seeded contributor."""
        return data.contributor_id(SEED, seq)

    def faults(self, **kw: Any) -> None:
        r = httpx.put(f"{self.url}/_sandbox/faults", json=kw, timeout=5)
        r.raise_for_status()

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """What reached the sandbox after request number `since` (see `requests_seen`):
        seq, method, path, Idempotency-Key, bearer token or not."""
        url = f"{self.url}/_sandbox/requests"
        return list(httpx.get(url, params={"since": since}, timeout=5).json()["requests"])

    def requests_seen(self) -> int:
        """How many requests reached the sandbox so far (a mark for `requests(since=...)`)."""
        return int(httpx.get(f"{self.url}/_sandbox/requests", timeout=5).json()["seen"])

    def injected(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/_sandbox/faults", timeout=5).json()["injected"]

    def payments(self, cpids: list[str] | None = None) -> dict[str, list[Any]]:
        """client_payment_id -> central payment rows, read from the sandbox's database."""
        t = sbm.CentralPayment.__table__  # type: ignore[attr-defined]
        q = select(t.c.client_payment_id, t.c.status, t.c.amount_fils, t.c.id)
        out: dict[str, list[Any]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(q):
                if cpids is None or row[0] in cpids:
                    out.setdefault(row[0], []).append(row)
        return out

    def count_payments(self) -> int:
        t = sbm.CentralPayment.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)

    def contributors(self, status: str, limit: int, min_unpaid: int = 0) -> list[Any]:
        t = sbm.Contributor.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(t)
                    .where(
                        t.c.status == status,
                        t.c.national_number.is_not(None),
                        t.c.unpaid_months >= min_unpaid,
                    )
                    .order_by(t.c.seq)
                    .limit(limit)
                )
            )


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    tmp = tmp_path_factory.mktemp("sandbox")
    db_url = f"sqlite:///{tmp / 'central.db'}"
    port = free_port()
    log = open(tmp / "sandbox.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "branch",
            "sandbox",
            "--port",
            str(port),
            "--seed",
            str(SEED),
            "--db",
            db_url,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(
                f"sandbox did not start: {(tmp / 'sandbox.log').read_text()[-2000:]}"
            )
        time.sleep(0.1)
    engine = create_engine(db_url)
    yield Sandbox(url, db_url, engine, proc)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    engine.dispose()
    log.close()


@pytest.fixture
def central(sandbox_server: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The sandbox with no faults, no audit heads (every test's branch database starts a new
    chain under the same branch code), and TABOUR_CENTRAL_URL pointing at it."""
    sandbox_server.faults()
    with sandbox_server.engine.begin() as conn:
        conn.execute(delete(sbm.AuditHead.__table__))  # type: ignore[attr-defined]
    monkeypatch.setenv("TABOUR_CENTRAL_URL", sandbox_server.url)
    monkeypatch.delenv("TABOUR_CENTRAL_TOKEN", raising=False)
    yield sandbox_server
    sandbox_server.faults()
