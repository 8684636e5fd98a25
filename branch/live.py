"""Live updates: tell every front-end "something changed" without polling tables.

Why two mechanisms: SQLite has no server to push anything, but `PRAGMA data_version` changes
only when another connection commits and costs microseconds, so one connection polls it about
every 100 ms. PostgreSQL pushes: the engine calls `announce()` inside its write transaction and
the notification is sent at commit (never for a rolled-back change); listeners `LISTEN` on a
dedicated autocommit connection, reconnect with backoff and, after any reconnect, deliver
"everything changed" because notifications sent while disconnected are lost.

API (plain Python, threads, no Textual; `tui.live` bridges it into Textual messages)::

    feed = ChangeFeed(db)            # starts watching at once: start it, then query
    change = feed.wait(timeout_s=1)  # blocks (worker thread); None on timeout or close
    if change.everything: ...        # SQLite, reconnects: ids unknown, re-query everything
    else: change.ids, change.kinds, change.counters
    unsubscribe = feed.subscribe(callback)  # callback(change) on its own thread
    feed.close()

Bursts coalesce: `wait()` (and each subscriber) gets one `Change` holding every id, kind and
counter accumulated since its previous delivery.

Payloads carry ticket ids, event kinds and counter numbers only: never names, national
numbers, codes typed by a customer or staff usernames. The channel is `tabour_<schema>`
(`tabour_public` normally), so branches or test runs sharing one PostgreSQL database in
separate schemas do not hear each other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from branch.db import Database

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "tabour_"
POLL_S = 0.1
_KIND = re.compile(r"^[a-z][a-z_.]{0,31}$")
_BUFFER = "tabour_live"
_MAX_PAYLOAD = 7000  # PostgreSQL refuses payloads of 8000 bytes or more


@dataclass(frozen=True)
class Change:
    """What changed. `ids is None` means unknown: re-query everything."""

    ids: frozenset[int] | None = None
    kinds: frozenset[str] | None = None
    counters: frozenset[int] | None = None

    @property
    def everything(self) -> bool:
        return self.ids is None

    def merge(self, other: Change) -> Change:
        if self.everything or other.everything:
            return EVERYTHING
        return Change(
            ids=self.ids | other.ids,  # type: ignore[operator]
            kinds=(self.kinds or frozenset()) | (other.kinds or frozenset()),
            counters=(self.counters or frozenset()) | (other.counters or frozenset()),
        )


EVERYTHING = Change()


# -- the sending side (engine, in its write transaction) --------------------------------
def announce(
    session: Session, kind: str, ticket_id: int | None = None, counter: int | None = None
) -> None:
    """Record that `kind` happened to a ticket and/or counter in this transaction.

    PostgreSQL: one `pg_notify` per transaction, sent just before commit with every id and
    kind of the transaction. SQLite: nothing to do (listeners watch `data_version`).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if not _KIND.match(kind):
        raise ValueError(f"live.announce: bad kind {kind!r}")
    buf = session.info.setdefault(_BUFFER, {"t": set(), "k": set(), "c": set()})
    buf["k"].add(kind)
    if ticket_id is not None:
        buf["t"].add(int(ticket_id))
    if counter is not None:
        buf["c"].add(int(counter))


def payload_of(ids: set[int], kinds: set[str], counters: set[int]) -> str:
    """The notification text: `{"t": [ids], "k": [kinds], "c": [counters]}`, or `{}` (=
    everything) when it would not fit."""
    body = json.dumps(
        {"t": sorted(ids), "k": sorted(kinds), "c": sorted(counters)}, separators=(",", ":")
    )
    return body if len(body) < _MAX_PAYLOAD else "{}"


@event.listens_for(Session, "before_commit")
def _send_buffered(session: Session) -> None:
    buf = session.info.pop(_BUFFER, None)
    if not buf:
        return
    session.execute(
        text("SELECT pg_notify(:prefix || current_schema(), :payload)"),
        {"prefix": CHANNEL_PREFIX, "payload": payload_of(buf["t"], buf["k"], buf["c"])},
    )


@event.listens_for(Session, "after_rollback")
def _drop_buffered(session: Session) -> None:
    session.info.pop(_BUFFER, None)


def parse_payload(payload: str) -> Change:
    """A notification back into a `Change`; anything unexpected means "everything"."""
    try:
        data = json.loads(payload)
        ids = frozenset(int(i) for i in data["t"])
        kinds = frozenset(str(k) for k in data["k"])
        counters = frozenset(int(c) for c in data.get("c", ()))
    except (ValueError, TypeError, KeyError):
        return EVERYTHING
    return Change(ids=ids, kinds=kinds, counters=counters)


# -- the receiving side ----------------------------------------------------------------
class _Inbox:
    """Changes accumulated for one consumer since its last delivery."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: Change | None = None
        self.closed = False

    def put(self, change: Change) -> None:
        with self._cond:
            self._pending = change if self._pending is None else self._pending.merge(change)
            self._cond.notify_all()

    def take(self, timeout_s: float | None) -> Change | None:
        with self._cond:
            self._cond.wait_for(lambda: self._pending is not None or self.closed, timeout_s)
            change, self._pending = self._pending, None
            return change

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class ChangeFeed:
    """Watches the branch database from a background thread and hands out `Change`s.

    The watch is established before the constructor returns (the `LISTEN` is active, the
    first `data_version` read), so a caller that starts the feed and then queries misses
    nothing. If PostgreSQL is unreachable at start, the feed retries and delivers
    "everything" once it gets through.
    """

    def __init__(
        self,
        db: Database,
        *,
        poll_s: float = POLL_S,
        backoff_s: tuple[float, float] = (0.1, 5.0),
        keepalive_s: float = 5.0,
    ) -> None:
        self.db = db
        self.poll_s = poll_s
        self.backoff_s = backoff_s
        self.keepalive_s = keepalive_s
        self.backend_pid: int | None = None
        self.reconnects = 0
        self._inbox = _Inbox()
        self._inboxes: list[_Inbox] = [self._inbox]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        if db.is_postgres:
            self._conn: Any = None
            try:
                self._connect_pg()
            except Exception as exc:
                log.warning("live updates: cannot listen yet (%s); retrying", exc)
            target: Callable[[], None] = self._run_pg
        else:
            self._sq = self._connect_sqlite()
            self._version = self._sq.execute("PRAGMA data_version").fetchone()[0]
            target = self._run_sqlite
        self._watcher = threading.Thread(target=target, name="tabour-live", daemon=True)
        self._watcher.start()

    # -- consumers -----------------------------------------------------------------------
    def wait(self, timeout_s: float | None = None) -> Change | None:
        """The next (coalesced) change, or None after `timeout_s` or once closed."""
        return self._inbox.take(timeout_s)

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback(change)` on a thread of its own for every coalesced change.
        Returns a function that unsubscribes."""
        inbox = _Inbox()
        with self._lock:
            self._inboxes.append(inbox)

        def pump() -> None:
            while not inbox.closed:
                change = inbox.take(None)
                if change is not None:
                    try:
                        callback(change)
                    except Exception:
                        log.exception("live updates: subscriber failed")

        thread = threading.Thread(target=pump, name="tabour-live-subscriber", daemon=True)
        thread.start()
        self._threads.append(thread)

        def unsubscribe() -> None:
            with self._lock:
                if inbox in self._inboxes:
                    self._inboxes.remove(inbox)
            inbox.close()

        return unsubscribe

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            inboxes = list(self._inboxes)
        for inbox in inboxes:
            inbox.close()
        self._watcher.join(timeout=2)
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _deliver(self, change: Change) -> None:
        with self._lock:
            inboxes = list(self._inboxes)
        for inbox in inboxes:
            inbox.put(change)

    def _sleep_backoff(self, attempt: int) -> None:
        low, high = self.backoff_s
        self._stop.wait(min(high, low * 2**attempt))

    # -- SQLite --------------------------------------------------------------------------
    def _connect_sqlite(self) -> sqlite3.Connection:
        path = make_url(self.db.url).database or ":memory:"
        return sqlite3.connect(path, check_same_thread=False)

    def _run_sqlite(self) -> None:
        failures = 0
        while not self._stop.wait(self.poll_s):
            try:
                if self._sq is None:
                    self._sq = self._connect_sqlite()
                    self._version = self._sq.execute("PRAGMA data_version").fetchone()[0]
                    self._deliver(EVERYTHING)
                version = self._sq.execute("PRAGMA data_version").fetchone()[0]
                failures = 0
            except sqlite3.Error as exc:
                log.warning("live updates: %s; reopening the database", exc)
                if self._sq is not None:
                    self._sq.close()
                self._sq = None  # type: ignore[assignment]
                self._sleep_backoff(failures)
                failures += 1
                continue
            if version != self._version:
                self._version = version
                self._deliver(EVERYTHING)
        if self._sq is not None:
            self._sq.close()

    # -- PostgreSQL ----------------------------------------------------------------------
    def _connect_pg(self) -> None:
        import psycopg

        url = make_url(self.db.url).set(drivername="postgresql")
        conn = psycopg.connect(
            url.render_as_string(hide_password=False),
            autocommit=True,
            application_name="tabour-live",
            connect_timeout=5,
        )
        try:
            schema = conn.execute("SELECT current_schema()").fetchone()[0]  # type: ignore[index]
            channel = (CHANNEL_PREFIX + schema).replace('"', '""')
            conn.execute(f'LISTEN "{channel}"')
        except BaseException:
            conn.close()
            raise
        self.backend_pid = conn.info.backend_pid
        self._conn = conn

    def _run_pg(self) -> None:
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                if self._conn is None:
                    self._connect_pg()
                    self.reconnects += 1
                    self._deliver(EVERYTHING)
                failures = 0
                quiet_since = time.monotonic()
                while not self._stop.is_set():
                    got = False
                    for note in self._conn.notifies(timeout=0.2):
                        self._deliver(parse_payload(note.payload))
                        got = True
                    now = time.monotonic()
                    if got:
                        quiet_since = now
                    elif now - quiet_since > self.keepalive_s:
                        self._conn.execute("SELECT 1")  # notice a dead link, not just silence
                        quiet_since = now
            except psycopg.Error as exc:
                log.warning("live updates: lost the listener (%s); reconnecting", exc)
                self._drop_pg()
                self._sleep_backoff(failures)
                failures += 1
        self._drop_pg()

    def _drop_pg(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


__all__ = ["EVERYTHING", "Change", "ChangeFeed", "announce", "parse_payload", "payload_of"]
