"""Live updates across real processes: SQLite `data_version`, PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from branch import live
from branch.clock import utc_now
from branch.db import Database
from branch.live import EVERYTHING, Change, ChangeFeed
from branch.settings import Settings
from branch.staff import add_staff
from queue_kiosk.engine import QueueEngine

ROOT = Path(__file__).resolve().parents[1]


def tabour(home: Path, url: str, *args: str, pin: str = "") -> dict:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env["TABOUR_DATABASE_URL"] = url
    env.pop("TABOUR_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "branch", *args, "--json"],
        capture_output=True, text=True, env=env, timeout=60, input=f"{pin}\n" if pin else "",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def wait_until(feed: ChangeFeed, pred, timeout_s: float = 20.0) -> Change:
    """Collect deliveries until `pred(accumulated)`; wait on state, not on sleep()."""
    deadline = time.monotonic() + timeout_s
    acc: Change | None = None
    while time.monotonic() < deadline:
        got = feed.wait(0.5)
        if got is not None:
            acc = got if acc is None else acc.merge(got)
            if pred(acc):
                return acc
    raise AssertionError(f"no matching change within {timeout_s} s; got {acc}")


def test_coalescing_merges_ids_and_everything_wins() -> None:
    inbox = live._Inbox()
    inbox.put(Change(frozenset({1}), frozenset({"issued"}), frozenset()))
    inbox.put(Change(frozenset({2}), frozenset({"called"}), frozenset({3})))
    got = inbox.take(0)
    assert got == Change(frozenset({1, 2}), frozenset({"issued", "called"}), frozenset({3}))
    assert inbox.take(0) is None
    inbox.put(Change(frozenset({1}), frozenset({"issued"}), frozenset()))
    inbox.put(EVERYTHING)
    assert inbox.take(0) == EVERYTHING


def test_payload_round_trip_and_oversize_means_everything() -> None:
    p = live.payload_of({7, 3}, {"issued"}, {2})
    assert json.loads(p) == {"t": [3, 7], "k": ["issued"], "c": [2]}
    assert live.parse_payload(p) == Change(frozenset({3, 7}), frozenset({"issued"}), frozenset({2}))
    assert live.parse_payload(live.payload_of(set(range(5000)), {"issued"}, set())).everything
    assert live.parse_payload("not json").everything


def test_sqlite_change_from_another_process(sqlite_db: Database, sqlite_url: str) -> None:
    home = Path(make_url(sqlite_url).database).parent
    with ChangeFeed(sqlite_db) as feed:
        assert feed.wait(0.3) is None  # quiet database, nothing to report
        tabour(home, sqlite_url, "ticket", "issue", "--service", "CONTRIB")
        assert wait_until(feed, lambda c: True).everything
        tabour(home, sqlite_url, "counter", "open", "--counter", "1")
        tabour(home, sqlite_url, "ticket", "call", "--counter", "1")
        assert wait_until(feed, lambda c: True).everything


@pytest.mark.postgres
def test_postgres_ids_and_kinds_from_another_process(
    postgres_db: Database, postgres_url: str, branch_home: Path
) -> None:
    with ChangeFeed(postgres_db) as feed:
        t = tabour(branch_home, postgres_url, "ticket", "issue", "--service", "CONTRIB")
        got = wait_until(feed, lambda c: t["id"] in (c.ids or ()))
        assert not got.everything and "issued" in got.kinds
        tabour(branch_home, postgres_url, "counter", "open", "--counter", "1")
        got = wait_until(feed, lambda c: 1 in (c.counters or ()))
        assert "counter.open" in got.kinds
        called = tabour(branch_home, postgres_url, "ticket", "call", "--counter", "1")
        assert called["id"] == t["id"]
        got = wait_until(feed, lambda c: "called" in (c.kinds or ()))
        assert got.ids == {t["id"]} and got.counters == {1}


@pytest.mark.postgres
def test_postgres_rolled_back_change_is_not_announced(
    postgres_db: Database, settings: Settings
) -> None:
    eng = QueueEngine(postgres_db, settings.config)
    with ChangeFeed(postgres_db) as feed:
        with pytest.raises(RuntimeError), postgres_db.write() as s:
            live.announce(s, "issued", 999_999)
            raise RuntimeError("abort")
        t = eng.issue("NAF")
        got = wait_until(feed, lambda c: t.id in (c.ids or ()))
        assert 999_999 not in got.ids


@pytest.mark.postgres
def test_postgres_listener_reconnects_and_reports_everything(
    postgres_db: Database, postgres_url: str, settings: Settings
) -> None:
    eng = QueueEngine(postgres_db, settings.config)
    with ChangeFeed(postgres_db, backoff_s=(0.05, 0.5)) as feed:
        first_pid = feed.backend_pid
        assert first_pid is not None
        admin = create_engine(postgres_url)
        with admin.begin() as conn:
            killed = conn.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid}
            ).scalar()
        admin.dispose()
        assert killed
        assert wait_until(feed, lambda c: c.everything).everything
        assert feed.backend_pid != first_pid and feed.reconnects == 1
        t = eng.issue("CONTRIB")  # and the new LISTEN delivers ids again
        got = wait_until(feed, lambda c: t.id in (c.ids or ()))
        assert "issued" in got.kinds


@pytest.mark.postgres
def test_postgres_payloads_carry_no_personal_data(
    postgres_db: Database, postgres_url: str, branch_home: Path
) -> None:
    """Raw notifications on the wire: ids, kinds and counters only (no staff, no codes)."""
    with postgres_db.write() as s:
        add_staff(s, username="sara", display_name="Sara Haddad", role="clerk", pin="1111",
                  now=utc_now())  # fmt: skip
    url = make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(f'LISTEN "tabour_{schema}"')
        t = tabour(branch_home, postgres_url, "ticket", "issue", "--service", "NAF")
        tabour(branch_home, postgres_url, "counter", "open", "--counter", "8", "--staff", "sara", pin="1111")
        tabour(branch_home, postgres_url, "ticket", "call", "--counter", "8", "--staff", "sara", pin="1111")
        payloads = [n.payload for n in conn.notifies(timeout=10, stop_after=3)]
    assert len(payloads) == 3
    for p in payloads:
        data = json.loads(p)
        assert set(data) == {"t", "k", "c"}
        assert all(isinstance(i, int) for i in data["t"] + data["c"])
        assert all(live._KIND.match(k) for k in data["k"])
        assert "sara" not in p and "Haddad" not in p and t["code"] not in p and "NAF" not in p


@pytest.mark.postgres
def test_announce_refuses_free_text_kinds(postgres_db: Database) -> None:
    with pytest.raises(ValueError), postgres_db.write() as s:
        live.announce(s, "issued to Ahmad 9901012345")


def test_subscribers_each_get_changes_on_their_own_thread(
    sqlite_db: Database, settings: Settings
) -> None:
    """Two subscribers and `wait()` all hear one commit; an unsubscribed one stops hearing."""
    import threading

    heard: dict[str, list[Change]] = {"a": [], "b": []}
    events = {k: threading.Event() for k in heard}

    def make(name: str):
        def callback(change: Change) -> None:
            heard[name].append(change)
            events[name].set()

        return callback

    eng = QueueEngine(Database(sqlite_db.url), settings.config)  # its own connections
    with ChangeFeed(sqlite_db) as feed:
        feed.subscribe(make("a"))
        stop_b = feed.subscribe(make("b"))
        eng.issue("CONTRIB")
        assert events["a"].wait(20) and events["b"].wait(20)
        assert wait_until(feed, lambda c: True).everything
        stop_b()
        events["a"].clear()
        before_b = len(heard["b"])
        eng.issue("CONTRIB")
        assert events["a"].wait(20)
        assert len(heard["b"]) == before_b
    eng.db.dispose()
