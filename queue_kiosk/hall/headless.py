"""`tabour hall --headless`: the serial displays and the chime without a screen.

For a branch whose hall TV runs elsewhere (or has none): the same read model, the same
notifier, the same display driving as the board, in a plain loop.
"""

from __future__ import annotations

import logging
import threading

from branch.live import ChangeFeed
from queue_kiosk.hall.parts import HallParts
from queue_kiosk.hall_view import CallTracker, load_hall

log = logging.getLogger(__name__)


def run_headless(parts: HallParts, stop: threading.Event, wait_s: float = 0.5) -> int:
    """Drive displays and chime until `stop` is set; returns the number of reads made."""
    tracker = CallTracker()
    reads = 0
    with ChangeFeed(parts.db) as feed:
        change: object | None = True  # the first read: everything
        while not stop.is_set():
            if change is not None:
                state = load_hall(
                    parts.db, parts.settings.config, parts.clock(), parts.hall.calls_shown
                )
                parts.displays.update(state)
                for call in tracker.fresh(state):
                    log.info("call %s -> counter %s (%s)", call.code, call.counter, call.kind)
                    parts.chime.ring()
                reads += 1
            change = feed.wait(wait_s)
    return reads


__all__ = ["run_headless"]
