"""The national number the kiosk captured for a ticket, opened for the counter that calls it.

The kiosk keeps only a sealed copy in `Ticket.national_ref` (`branch.national_ref`, under the
branch secret) and the engine erases it at day close. The counter opens it in memory to
preload the lookup and never writes it anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch.audit import chain_key
from branch.models import Ticket
from branch.national_ref import open_sealed
from sync.identifiers import NATIONAL_NUMBER

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView


def captured_national_number(parts: CounterParts, ticket: TicketView) -> str | None:
    """The captured number, or None (no capture for this ticket, erased, or unreadable)."""
    with parts.db.read() as s:
        row = s.get(Ticket, ticket.id)
        token = row.national_ref if row is not None else None
    value = open_sealed(token, chain_key(parts.settings.home))
    if value is None or not NATIONAL_NUMBER.match(value):
        return None
    return value


__all__ = ["captured_national_number"]
