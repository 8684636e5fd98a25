"""The lookup the kiosk made possible, loaded before the clerk opens the panel.

When the kiosk captured a national number for a ticket, the counter shell calls
`preload_for_ticket` in a thread worker right after the ticket is called; the contributor
panel then opens already loaded (`contributor_lookup.loaded_for`). The number itself comes
from `counter_app.kiosk_capture`, in memory only, and is never written by the counter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch.staff import Actor
from counter_app.contributor_lookup import load_contributor, loaded_for
from counter_app.kiosk_capture import captured_national_number
from sync import problems as p

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView


def preload_for_ticket(parts: CounterParts, actor: Actor, ticket: TicketView) -> None:
    """Blocking. Look the captured person up for `ticket` (audited with the ticket); nothing
    happens without a capture or when it is already loaded. Central being down is not an
    error here: the branch's copy is used if it has one, else the panel says so when opened."""
    if loaded_for(parts, ticket) is not None:
        return
    nn = captured_national_number(parts, actor, ticket)
    if nn is None:
        return
    try:
        load_contributor(parts, actor, "national_number", nn, ticket, source="kiosk")
    except (p.CentralUnavailable, p.CentralNotFound):
        return


__all__ = ["preload_for_ticket"]
