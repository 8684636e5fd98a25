"""The branch database: one engine per process, SQLite (WAL) or PostgreSQL by URL.

SQLite: every write transaction starts with `BEGIN IMMEDIATE` (a deferred read-then-write
fails with SQLITE_BUSY even with a timeout), WAL journal, `busy_timeout`; money writes ask
for `synchronous=FULL`, queue writes run at NORMAL (durable across process crashes, which
is what WAL guarantees). PostgreSQL: READ COMMITTED, row locks taken explicitly by callers
(`FOR UPDATE SKIP LOCKED`).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from branch.errors import DatabaseBusy, DatabaseNotReady, DatabaseUnreachable

_begin_mode: ContextVar[str] = ContextVar("tabour_begin_mode", default="BEGIN")
_durable: ContextVar[bool] = ContextVar("tabour_durable", default=False)


def _is_locked(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or "busy" in str(orig)
    )


def _begin_immediate(dbapi: sqlite3.Connection, timeout_s: float) -> None:
    """Take the write lock, polling every 0.1-2 ms until `timeout_s`.

    SQLite's own busy handler sleeps in steps of up to 100 ms and is not woken when the lock
    is released, so under contention a waiter can sleep long after the lock became free
    (hundreds of ms at p99 with 8 counters). Polling with short sleeps keeps call-next
    latency close to the time the lock is actually held.
    """
    dbapi.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_s
        pause = 0.0001
        while True:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.002)
    finally:
        dbapi.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")


class Database:
    """Sessions for reading and writing, with the right locking for the backend."""

    def __init__(self, url: str, busy_timeout_ms: int = 10_000) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).expanduser().parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnreachable(
                        f"the database {self.safe_url} cannot be reached: cannot create "
                        f"{folder} ({exc.strerror or exc})"
                    ) from None
            self.engine = create_engine(
                url,
                connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            )
            self._install_sqlite_hooks(self.engine)
        else:
            if parsed.drivername == "postgresql":
                url = str(parsed.set(drivername="postgresql+psycopg"))
            self.engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=2,
                max_overflow=4,
                connect_args={"connect_timeout": 10},
            )
        self._dv_conn: sqlite3.Connection | None = None

    def _install_sqlite_hooks(self, engine: Engine) -> None:
        busy = self.busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: object) -> None:
            dbapi = conn.connection.dbapi_connection  # type: ignore[attr-defined]
            sync = "FULL" if _durable.get() else "NORMAL"
            dbapi.execute(f"PRAGMA synchronous={sync}")
            mode = _begin_mode.get()
            if mode == "BEGIN":
                dbapi.execute(mode)
            else:
                _begin_immediate(dbapi, busy / 1000)

    # -- sessions -----------------------------------------------------------------------
    @contextmanager
    def write(self, durable: bool = False) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        mode_token = _begin_mode.set("BEGIN IMMEDIATE")
        dur_token = _durable.set(durable)
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except (OperationalError, sqlite3.OperationalError) as exc:
            if self.is_sqlite and _is_locked(exc):
                raise DatabaseBusy(
                    f"the branch database is busy (another process held it for more than "
                    f"{self.busy_timeout_ms / 1000:g} s); nothing was changed, try again"
                ) from None
            raise
        finally:
            _begin_mode.reset(mode_token)
            _durable.reset(dur_token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # -- change notification -----------------------------------------------------------
    def data_version(self) -> int:
        """SQLite's `PRAGMA data_version` on a private connection: changes only when another
        connection commits. Cheap enough to poll every 100 ms."""
        if not self.is_sqlite:
            raise NotImplementedError("data_version is SQLite only; PostgreSQL uses LISTEN")
        if self._dv_conn is None:
            path = make_url(self.url).database or ":memory:"
            self._dv_conn = sqlite3.connect(path, check_same_thread=False)
        return int(self._dv_conn.execute("PRAGMA data_version").fetchone()[0])

    # -- schema ------------------------------------------------------------------------
    def check_reachable(self) -> None:
        """Connect once; `DatabaseUnreachable` (one line, with the driver's reason) if not.

        Kept apart from the schema check so a server that is down is never reported as a
        database that is "not migrated".
        """
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise DatabaseUnreachable(
                f"the database {self.safe_url} cannot be reached: {_first_line(exc)}"
            ) from None

    def current_revision(self) -> str | None:
        self.check_reachable()
        try:
            with self.engine.connect() as conn:
                row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            return None
        return row[0] if row else None

    def require_migrated(self) -> None:
        from branch.migrate import head_revision

        current, head = self.current_revision(), head_revision()
        if current != head:
            state = "has no Tabour schema" if current is None else f"is at revision {current}"
            raise DatabaseNotReady(
                f"the database {self.safe_url} {state}, this Tabour needs {head}; "
                "run `tabour db upgrade`"
            )

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        if self._dv_conn is not None:
            self._dv_conn.close()
            self._dv_conn = None
        self.engine.dispose()


def _first_line(exc: DBAPIError) -> str:
    """The driver's own reason, on one line, without SQLAlchemy's background link."""
    orig = exc.orig if exc.orig is not None else exc
    lines = [ln.strip() for ln in str(orig).strip().splitlines() if ln.strip()]
    reason = "; ".join(lines[:2]) if lines else type(orig).__name__
    return reason[:300]
