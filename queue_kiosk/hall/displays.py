"""The serial displays the hall drives: one per counter (`[[devices.displays]]`) and the
optional hall display (`[hall.display]`).

A counter display shows its counter's current code (`A023 -> 4`) and is cleared when the
counter has none; the hall display shows the latest call. Each `CounterDisplay` owns its line
in a thread (sends never block the caller, a pulled cable is retried with backoff). The
current picture is also re-sent every `refresh_s`, so a display that was unplugged, or
switched off and on, shows the right code again by itself, even when no call happens.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from branch.settings import Settings
from printer.devices import parse_spec
from printer.displays import CounterDisplay, counter_display, display_connection, driver
from queue_kiosk.hall_view import HallState

_UNSET = object()


class HallDisplays:
    def __init__(
        self,
        counters: Mapping[int, CounterDisplay],
        hall: CounterDisplay | None = None,
        refresh_s: float = 10.0,
    ) -> None:
        self.counters = dict(counters)
        self.hall = hall
        self.refresh_s = refresh_s
        self._shown: dict[int, object] = {n: _UNSET for n in self.counters}
        self._hall_event: object = _UNSET
        self._hall_picture: tuple[str, int] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None
        if self and refresh_s > 0:
            self._refresher = threading.Thread(
                target=self._refresh_loop, name="tabour-hall-displays", daemon=True
            )
            self._refresher.start()

    @classmethod
    def from_settings(cls, settings: Settings, refresh_s: float = 10.0) -> HallDisplays:
        counters = {
            d.counter: counter_display(d, settings.home) for d in settings.config.devices.displays
        }
        hall = None
        if (cfg := settings.config.hall.display) is not None:
            spec = parse_spec(cfg.device)
            hall = CounterDisplay(
                driver(cfg.driver),
                lambda: display_connection(spec, settings.home, cfg.driver),
                name="hall-display",
                caption=cfg.caption,
            )
        return cls(counters, hall, refresh_s)

    def __bool__(self) -> bool:
        return bool(self.counters) or self.hall is not None

    def update(self, state: HallState) -> None:
        """Send what changed since the last state; returns at once."""
        with self._lock:
            for number, disp in self.counters.items():
                code = state.at_counters.get(number)
                if self._shown[number] != code:
                    self._shown[number] = code
                    self._send(disp, number, code)
            if self.hall is not None:
                newest = state.newest
                event = newest.event_id if newest else None
                if event != self._hall_event:
                    self._hall_event = event
                    self._hall_picture = (newest.code, newest.counter) if newest else None
                    self._send_hall()

    def _send(self, disp: CounterDisplay, number: int, code: object) -> None:
        if isinstance(code, str):
            disp.show_call(code, number)
        else:
            disp.clear()

    def _send_hall(self) -> None:
        assert self.hall is not None
        if self._hall_picture is None:
            self.hall.clear()
        else:
            self.hall.show_call(*self._hall_picture)

    def refresh(self) -> None:
        """Re-send every display's current picture (a replugged display recovers)."""
        with self._lock:
            for number, disp in self.counters.items():
                if self._shown[number] is not _UNSET:
                    self._send(disp, number, self._shown[number])
            if self.hall is not None and self._hall_event is not _UNSET:
                self._send_hall()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_s):
            self.refresh()

    def close(self) -> None:
        self._stop.set()
        for disp in (*self.counters.values(), *([self.hall] if self.hall else [])):
            disp.close(timeout=2.0)


__all__ = ["HallDisplays"]
