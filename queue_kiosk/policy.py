"""Weighted aging: which waiting ticket a counter calls next.

A ticket's score at time t is `(t - issued_at) + boost(class)` (+ the counter's primary-service
boost). Maximising that score over tickets is the same as minimising
`rank_at = issued_at - boost(class)`, which does not depend on t: it is stored on the ticket
and indexed, so call-next reads the head of each served line in O(log n) instead of scoring
every waiting ticket. Consequences, proved in the tests:
- a priority ticket overtakes a normal one only if the normal one arrived less than `boost`
  earlier;
- nothing starves: a normal ticket is overtaken only by tickets issued less than the largest
  boost after it, a bounded set;
- a transferred ticket keeps its issue time, so it keeps its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from branch.settings import QueuePolicy


def rank_at(issued_at: datetime, priority: str, policy: QueuePolicy) -> datetime:
    return issued_at - timedelta(seconds=policy.boost_s(priority))


@dataclass(frozen=True)
class Candidate:
    """The head of one line a counter serves."""

    ticket_id: int
    rank_at: datetime
    service_code: str
    assigned: bool = False


def effective_rank(c: Candidate, primary: str | None, policy: QueuePolicy) -> datetime:
    """Rank with the counter's own bias: its primary service, and tickets sent to it by name."""
    if c.assigned or (primary is not None and c.service_code == primary):
        return c.rank_at - timedelta(minutes=policy.primary_service_boost_min)
    return c.rank_at


def choose(
    candidates: list[Candidate], primary: str | None, policy: QueuePolicy
) -> Candidate | None:
    """Highest score first; ties go to the earlier ticket (lower id)."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (effective_rank(c, primary, policy), c.ticket_id))
