"""Looking a contributor up for the counter, and keeping what was loaded for the ticket.

`load_contributor` is blocking (a thread worker of the panel, or the shell's worker right
after a ticket is called): the lookup, then the contribution statement, both audited with the
ticket, both served from the branch's snapshots (stale, with `as_of`) when central is down.
What it loads is kept in memory only, per ticket, in `parts.extra`: the identifier typed or
captured at the kiosk is never written anywhere by the counter (DESIGN §7), and the panel
that asked is the one place it is shown in full.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from branch.staff import Actor
from counter_app.central_session import central_session
from sync import contract as c
from sync import problems as p
from sync.identifiers import IdentifierKind, validate_identifier
from sync.snapshots import Read

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView

KINDS: tuple[IdentifierKind, ...] = ("national_number", "personal_number", "insurance_number")
KIND_LABELS = {
    "national_number": "National number",
    "personal_number": "Personal number",
    "insurance_number": "Insurance number",
}
_CACHE = "contributor_lookups"
_KEEP = 4  # the current ticket and a few before it; older lookups are dropped
_lock = threading.Lock()


@dataclass(frozen=True)
class LoadedContributor:
    """A lookup as the panel shows it. `identifier` lives in memory only."""

    kind: IdentifierKind
    identifier: str
    summary: Read[c.ContributorSummary]
    statement: Read[c.Statement] | None
    statement_error: BaseException | None
    ticket_id: int | None
    source: str = "counter"  # or "kiosk": loaded before the panel was opened

    @property
    def contributor_id(self) -> str:
        return self.summary.value.contributor_id

    @property
    def stale(self) -> bool:
        return self.summary.stale or (self.statement is not None and self.statement.stale)

    @property
    def as_of(self) -> datetime:
        """The oldest time among what is shown (what a stale badge must admit to)."""
        times = [self.summary.as_of]
        if self.statement is not None:
            times.append(self.statement.as_of)
        return min(times)

    @property
    def national_number(self) -> str | None:
        return self.identifier if self.kind == "national_number" else None

    def dues(self) -> list[c.StatementPeriod]:
        if self.statement is None:
            return []
        return [x for x in self.statement.value.periods if x.due_fils + x.late_fee_fils > 0]


def ticket_ref(ticket: TicketView | None) -> str | None:
    """How an audit entry names the visit: the code and the ticket's id, nothing personal."""
    return None if ticket is None else f"{ticket.code}#{ticket.id}"


def load_contributor(
    parts: CounterParts,
    actor: Actor,
    kind: IdentifierKind,
    value: str,
    ticket: TicketView | None,
    *,
    source: str = "counter",
) -> LoadedContributor:
    """Blocking: look up, then read the statement; keep the result for the ticket.

    Raises `InvalidIdentifier` before anything leaves the branch, `CentralNotFound` when
    central does not know the number, `CentralUnavailable` when central cannot answer and
    no snapshot holds the person. A statement that cannot be read leaves the summary shown
    with the statement's own one-line reason."""
    if kind not in KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}")
    value = validate_identifier(kind, value.strip())
    ref = ticket_ref(ticket)
    session = central_session(parts)
    summary = session.run(lambda cen: cen.lookup(actor=actor, ticket=ref, **{kind: value}))
    statement: Read[c.Statement] | None = None
    error: BaseException | None = None
    try:
        statement = session.run(
            lambda cen: cen.statement(summary.value.contributor_id, actor=actor, ticket=ref)
        )
    except p.CentralError as exc:
        error = exc
    loaded = LoadedContributor(
        kind, value, summary, statement, error, ticket.id if ticket else None, source
    )
    remember(parts, loaded)
    return loaded


def remember(parts: CounterParts, loaded: LoadedContributor) -> None:
    with _lock:
        cache: dict[int | None, LoadedContributor] = parts.extra.setdefault(_CACHE, {})
        cache.pop(loaded.ticket_id, None)
        cache[loaded.ticket_id] = loaded
        while len(cache) > _KEEP:
            cache.pop(next(iter(cache)))


def loaded_for(parts: CounterParts, ticket: TicketView | None) -> LoadedContributor | None:
    """What was loaded for this ticket (or, with no ticket, the last lookup made without one)."""
    with _lock:
        cache: dict[int | None, LoadedContributor] = parts.extra.get(_CACHE, {})
        return cache.get(ticket.id if ticket else None)


def forget(parts: CounterParts, ticket: TicketView | None) -> None:
    with _lock:
        parts.extra.get(_CACHE, {}).pop(ticket.id if ticket else None, None)


__all__ = [
    "KINDS",
    "KIND_LABELS",
    "LoadedContributor",
    "forget",
    "load_contributor",
    "loaded_for",
    "remember",
    "ticket_ref",
]
