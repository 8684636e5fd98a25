"""The national number the kiosk captured for a ticket, opened for the counter that calls it.

The kiosk keeps only a sealed reference in `Ticket.national_ref` (`branch.national_ref`,
under keys derived from the branch secret), erased at day close. The counter reads
it through the engine (clerk and up, every read audited), opens it in memory to preload the
lookup, and never writes the number anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch.staff import Actor
from queue_kiosk.national import Sealer, UnreadableReference

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView


def captured_national_number(parts: CounterParts, actor: Actor, ticket: TicketView) -> str | None:
    """The captured number, or None (no capture, erased at day close, or unreadable with
    this branch's key)."""
    token = parts.engine.national_ref(ticket.id, actor)
    if token is None:
        return None
    try:
        return Sealer.for_home(parts.settings.home).open(token)
    except UnreadableReference:
        return None


__all__ = ["captured_national_number"]
