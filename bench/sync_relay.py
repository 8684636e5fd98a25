"""Central link benchmarks, each figure printed beside its goal.

1. Drain rate: N payments queued during an outage (each a create and a confirm), then one
   relay delivers them all to the sandbox over loopback. Goal >= 200 payments/s.
2. Client overhead on a lookup: CentralClient (breaker, validation, typed answer) against a
   raw httpx call of the same request on the same server. Goal <= 1 ms at p50.

Usage: python3 dev.py bench sync_relay [--payments 10000] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from branch import reference  # noqa: E402
from branch.clock import utc_now  # noqa: E402
from branch.db import Database  # noqa: E402
from branch.migrate import upgrade  # noqa: E402
from branch.models import Role  # noqa: E402
from branch.settings import demo_config_text, load_settings  # noqa: E402
from branch.staff import Actor  # noqa: E402
from sync import outbox  # noqa: E402
from sync import payments as pay  # noqa: E402
from sync.client import CentralClient  # noqa: E402
from sync.relay import Relay  # noqa: E402
from sync.sandbox.data import national_number  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sandbox(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "branch", "sandbox", "--port", str(port), "--db",
         f"sqlite:///{tmp / 'central.db'}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sandbox did not start")


def queue_payments(db: Database, n: int, central_db: Path) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{central_db}")
    with engine.connect() as conn:
        numbers = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM contributor WHERE status != 'deceased' LIMIT 5000")
            )
        ]  # fmt: skip
    engine.dispose()
    actor = Actor("bench", Role.clerk)
    for i in range(n):
        pay.create_payment(
            db,
            branch_code="AMM-BENCH",
            actor=actor,
            amount_fils=1000 + i % 97,
            purpose="arrears",
            now=utc_now(),
            contributor_id=numbers[i % len(numbers)],  # as a counter's lookup returned it
        )


async def drain(db: Database, url: str, concurrency: int) -> float:
    client = CentralClient({"ssc": url}, timeout_s=10, max_connections=concurrency)
    relay = Relay(db, client, batch_size=128, concurrency=concurrency, backoff_cap_s=0.5)
    t0 = time.perf_counter()
    try:
        while True:
            await relay.run_once()
            c = outbox.counts(db, utc_now())
            if c["pending"] == 0 and c["in_flight"] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()
    return time.perf_counter() - t0


async def overhead(url: str, rounds: int) -> tuple[float, float]:
    nn = national_number(7, 0)
    raw_ms, ours_ms = [], []
    async with httpx.AsyncClient(base_url=url) as raw, CentralClient({"ssc": url}) as ours:
        for _ in range(30):  # warm both pools
            await raw.post("/v1/contributors:lookup", json={"national_number": nn})
            await ours.lookup(national_number=nn)
        for _ in range(rounds):
            t = time.perf_counter()
            r = await raw.post("/v1/contributors:lookup", json={"national_number": nn})
            r.json()
            raw_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await ours.lookup(national_number=nn)
            ours_ms.append((time.perf_counter() - t) * 1000)
    return statistics.median(raw_ms), statistics.median(ours_ms)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payments", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--db", help="branch database URL (default: a temp SQLite file)")
    ap.add_argument("--rounds", type=int, default=500)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "branch.toml").write_text(demo_config_text(), encoding="utf-8")
        os.environ["TABOUR_HOME"] = str(tmp)
        settings = load_settings()
        url = args.db or f"sqlite:///{tmp / 'tabour.db'}"
        upgrade(url)
        db = Database(url)
        with db.write() as s:
            reference.sync_reference_data(s, settings.config)
        proc, central = start_sandbox(tmp)
        try:
            t = time.perf_counter()
            queue_payments(db, args.payments, tmp / "central.db")
            print(f"queued {args.payments} payments in {time.perf_counter() - t:.1f} s (setup)")
            secs = asyncio.run(drain(db, central, args.concurrency))
            rate = args.payments / secs
            ok = "ok" if rate >= 200 else "BELOW GOAL"
            print(f"drain rate     {rate:8.0f} payments/s  goal >= 200 payments/s  [{ok}]"
                  f"  ({args.payments} payments, {2 * args.payments} requests in {secs:.1f} s)")  # fmt: skip
            raw, ours = asyncio.run(overhead(central, args.rounds))
            extra = ours - raw
            ok = "ok" if extra <= 1.0 else "ABOVE GOAL"
            print(f"client overhead {extra:7.3f} ms at p50     goal <= 1 ms           [{ok}]"
                  f"  (raw httpx {raw:.3f} ms, CentralClient {ours:.3f} ms)")  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            db.dispose()


if __name__ == "__main__":
    main()
