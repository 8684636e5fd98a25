"""One `Central` per counter process, living on its own event-loop thread.

`Central` is async (one shared httpx pool per upstream, circuit breakers). The counter's
screens call it from thread workers, and the shell's preload runs in a thread worker too,
so both reach the same client through a blocking portal: the pools and breakers are shared,
and Textual's event loop never waits on central, a lock or the network.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from sync.central import Central

T = TypeVar("T")
_KEY = "central_session"
_lock = threading.Lock()


class CentralSession:
    """Blocking face of one `Central`: `run(lambda c: c.lookup(...))` from any thread.

    The loop runs on a daemon thread: a counter that exits without closing the session (a
    crash, Ctrl+C) is never held up by it; `close()` shuts the pools down cleanly."""

    def __init__(self, factory: Callable[[], Central]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="central-session", daemon=True
        )
        self._thread.start()
        self._closed = False

        async def build() -> Central:
            return factory()

        self.central: Central = self._call(build())

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def run(self, fn: Callable[[Central], Awaitable[T]]) -> T:
        """Run `fn(central)` on the session's loop and wait for its answer (or its error)."""

        async def go() -> T:
            return await fn(self.central)

        return self._call(go())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._call(self.central.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():
                self._loop.close()


def central_session(parts: CounterParts) -> CentralSession:
    """The process's session, built on first use from `parts.central_factory`."""
    with _lock:
        session = parts.extra.get(_KEY)
        if session is None:
            if parts.central_factory is None:
                raise RuntimeError("this counter has no central link configured")
            session = CentralSession(parts.central_factory)
            parts.extra[_KEY] = session
        return session


def central_timeout_s(parts: CounterParts) -> float:
    """The timeout central calls really use (the session's client, else the settings)."""
    session = parts.extra.get(_KEY)
    if session is not None:
        return float(session.central.client.timeout_s)
    return float(parts.settings.config.central.timeout_s)


def close_central_session(parts: CounterParts) -> None:
    """Close the session if one was opened (the app calls this at exit; tests too)."""
    with _lock:
        session = parts.extra.pop(_KEY, None)
    if session is not None:
        session.close()


__all__ = ["CentralSession", "central_session", "central_timeout_s", "close_central_session"]
