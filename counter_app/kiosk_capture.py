"""The national number the kiosk captured for a ticket, opened for the counter that calls it.

The kiosk stores only a sealed copy (keyed with the branch secret) and erases it at day
close; the counter opens it in memory to preload the lookup. Until the kiosk's capture is
installed, there is nothing to open.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from sync.identifiers import NATIONAL_NUMBER

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView


def captured_national_number(parts: CounterParts, ticket: TicketView) -> str | None:
    """The captured number, or None (no capture for this ticket, or no capture installed)."""
    try:
        capture = import_module("queue_kiosk.capture")
    except ImportError:
        return None
    opener = getattr(capture, "open_captured", None)
    if opener is None:
        return None
    with parts.db.read() as s:
        value = opener(s, ticket.id)
    if not isinstance(value, str) or not NATIONAL_NUMBER.match(value):
        return None
    return value


__all__ = ["captured_national_number"]
