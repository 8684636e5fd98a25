"""A clock widget in the branch time zone, driven by an injected clock.

The clock function is `branch.clock.Clock` (UTC datetimes); tests and snapshots pass a
`FixedClock`, so the picture never moves.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual.widgets import Static

from branch.clock import Clock, as_utc, utc_now


class TabourClock(Static):
    """`HH:MM` (or `fmt`) in `tz`, refreshed every `interval_s`."""

    def __init__(
        self,
        tz: ZoneInfo,
        clock: Clock = utc_now,
        fmt: str = "%H:%M",
        interval_s: float = 1.0,
        **kwargs,
    ) -> None:
        self.tz = tz
        self.clock = clock
        self.fmt = fmt
        self.interval_s = interval_s
        super().__init__(self.now_text(), **kwargs)

    def now_text(self) -> str:
        return as_utc(self.clock()).astimezone(self.tz).strftime(self.fmt)

    def on_mount(self) -> None:
        self.set_interval(self.interval_s, self.tick)

    def tick(self) -> None:
        self.update(self.now_text())


__all__ = ["TabourClock"]
