"""What the counter's header says about central: online or not, and the outbox backlog.

Read from the branch database only (`sync.link_state` as the relay and every counter's
breaker publish it, and the outbox), never by calling central: the header must answer at
once while central is down. Blocking; the shell calls it in a thread worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import func, select

from branch.models import CentralLink, OutboxItem
from sync import outbox
from sync.breaker import BreakerState

if TYPE_CHECKING:
    from counter_app.parts import CounterParts

UPSTREAM = "ssc"


class LinkStatus(NamedTuple):
    online: bool
    backlog: int  # outbox items not yet delivered (pending or in flight)
    fault: str | None  # the kind of the last fault (`unreachable`, `auth_failed`, ...)


def link_status(parts: CounterParts) -> LinkStatus:
    """Online unless the last published state of the SSC link is not closed; a branch that
    never heard from central yet counts as online (the first call will say otherwise)."""
    with parts.db.read() as s:
        link = s.get(CentralLink, UPSTREAM)
        backlog = s.execute(
            select(func.count()).where(
                OutboxItem.status.in_((outbox.PENDING, outbox.IN_FLIGHT))  # type: ignore[attr-defined]
            )
        ).scalar()
    online = link is None or link.state == BreakerState.closed.value
    fault = None if link is None else link.fault_kind
    if not online and fault is None:
        fault = "unreachable"
    return LinkStatus(online, int(backlog or 0), fault)


__all__ = ["LinkStatus", "link_status"]
