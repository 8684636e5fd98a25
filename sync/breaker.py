"""A circuit breaker per upstream: when central is down the counter learns it at once.

closed: calls go through; `failure_threshold` failures in a row open it.
open: calls fail immediately (no 5-second freeze per click) for `reset_timeout_s`.
half_open: the next caller probes `/health`; success closes, failure opens again.

The breaker is plain state, no I/O: the client runs the probe. `on_change` lets a process
publish transitions (the relay writes them to the branch database for `tabour sync status`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger("tabour.sync.breaker")


class BreakerState(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


@dataclass(frozen=True)
class BreakerSnapshot:
    name: str
    state: BreakerState
    failures: int
    last_error: str | None
    opened_for_s: float | None
    last_kind: str | None = None


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 3,
        reset_timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerSnapshot], None] | None = None,
    ) -> None:
        if failure_threshold < 1 or reset_timeout_s <= 0:
            raise ValueError("failure_threshold >= 1 and reset_timeout_s > 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._state = BreakerState.closed
        self._failures = 0
        self._opened_at: float | None = None
        self._last_error: str | None = None
        self._last_kind: str | None = None

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._current()

    def _current(self) -> BreakerState:
        if (
            self._state is BreakerState.open
            and self._opened_at is not None
            and self._clock() - self._opened_at >= self.reset_timeout_s
        ):
            return BreakerState.half_open
        return self._state

    def snapshot(self) -> BreakerSnapshot:
        with self._lock:
            return self._snap()

    def _snap(self) -> BreakerSnapshot:
        opened = None if self._opened_at is None else self._clock() - self._opened_at
        return BreakerSnapshot(
            self.name, self._current(), self._failures, self._last_error, opened, self._last_kind
        )

    def record_success(self) -> None:
        with self._lock:
            changed = self._state is not BreakerState.closed
            self._state, self._failures, self._opened_at = BreakerState.closed, 0, None
            snap = self._snap() if changed else None
        if snap is not None:
            self._notify(snap)

    def record_failure(self, error: str, kind: str | None = None) -> None:
        with self._lock:
            self._failures += 1
            self._last_error = error
            self._last_kind = kind
            current = self._current()
            trip = current is BreakerState.half_open or (
                current is BreakerState.closed and self._failures >= self.failure_threshold
            )
            snap = None
            if trip:
                self._state, self._opened_at = BreakerState.open, self._clock()
                snap = self._snap()
        if snap is not None:
            self._notify(snap)

    def trip(self, error: str, kind: str | None = None) -> None:
        """Open now, whatever the count: a failed health probe."""
        with self._lock:
            self._failures += 1
            self._last_error = error
            self._last_kind = kind or self._last_kind
            self._state, self._opened_at = BreakerState.open, self._clock()
            snap = self._snap()
        self._notify(snap)

    def _notify(self, snap: BreakerSnapshot) -> None:
        if self._on_change is not None:
            try:
                self._on_change(snap)
            except Exception:  # publishing state must never break a call
                log.exception("could not publish the %s breaker state", self.name)
