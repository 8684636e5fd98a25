"""Visitor feedback: "Rate your visit" from the kiosk, one rating per ticket.

A rating names a ticket issued today by its code, a score 1–5, an optional complaint
category (a short code) and an optional short text (≤ 280 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from branch import live
from branch.clock import Clock, business_day, utc_now
from branch.db import Database
from branch.errors import DomainError, NotFound
from branch.models import Feedback, Ticket
from branch.settings import BranchConfig
from queue_kiosk.dashboard_data import FeedbackSummary

MAX_TEXT = 280
CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
RECENT = 5


class AlreadyRated(DomainError):
    pass


@dataclass(frozen=True)
class FeedbackView:
    id: int
    ticket_id: int
    code: str
    business_day: date
    service: str
    rating: int
    category: str | None
    text: str | None
    created_at: datetime


def _view(f: Feedback, code: str) -> FeedbackView:
    assert f.id is not None
    return FeedbackView(
        id=f.id, ticket_id=f.ticket_id, code=code, business_day=f.business_day,
        service=f.service_code, rating=f.rating, category=f.category, text=f.text,
        created_at=f.created_at,
    )  # fmt: skip


class FeedbackBook:
    """Record and list visitor ratings."""

    def __init__(
        self,
        db: Database,
        config: BranchConfig,
        clock: Clock = utc_now,
        categories: tuple[str, ...] | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.categories = categories

    def record_feedback(
        self, code: str, rating: int, category: str | None = None, text: str | None = None
    ) -> FeedbackView:
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise DomainError("a rating is a whole number from 1 to 5")
        if category is not None:
            category = category.strip() or None
        if category is not None:
            known = self.categories
            if not CATEGORY.match(category) or (known is not None and category not in known):
                allowed = ", ".join(known) if known else "a short code"
                raise DomainError(f"unknown complaint category {category!r}; use {allowed}")
        if text is not None:
            text = " ".join(text.split()) or None
        if text is not None and len(text) > MAX_TEXT:
            raise DomainError(f"the comment is {len(text)} characters; at most {MAX_TEXT}")
        code = code.strip().upper()
        try:
            with self.db.write() as s:
                now = self.clock()
                day = business_day(now, self.config.branch.tz)
                ticket = s.exec(
                    select(Ticket).where(
                        Ticket.code == code, Ticket.business_day == day,
                        col(Ticket.transferred_from).is_(None),
                    )
                ).first()  # fmt: skip
                if ticket is None or ticket.id is None:
                    raise NotFound(f"no ticket {code} today")
                if s.exec(select(Feedback.id).where(Feedback.ticket_id == ticket.id)).first():
                    raise AlreadyRated(f"ticket {code} has already been rated")
                fb = Feedback(
                    ticket_id=ticket.id, business_day=day, service_code=ticket.service_code,
                    rating=rating, category=category, text=text, created_at=now,
                )  # fmt: skip
                s.add(fb)
                s.flush()
                live.announce(s, "feedback", ticket.id)
                return _view(fb, code)
        except IntegrityError:  # rated by another kiosk at this instant
            raise AlreadyRated(f"ticket {code} has already been rated") from None

    def for_day(self, day: date | None = None) -> list[FeedbackView]:
        day = day or business_day(self.clock(), self.config.branch.tz)
        with self.db.read() as s:
            return feedback_for_day(s, day)


def feedback_for_day(s: Session, day: date) -> list[FeedbackView]:
    rows = s.exec(
        select(Feedback, Ticket.code)
        .join(Ticket, col(Ticket.id) == col(Feedback.ticket_id))
        .where(Feedback.business_day == day)
        .order_by(col(Feedback.created_at), col(Feedback.id))
    ).all()
    return [_view(f, code) for f, code in rows]


def feedback_source(session: Session, config: BranchConfig, day: date) -> FeedbackSummary | None:
    """`dashboard_data.FeedbackSource`: today's ratings and complaints for the dashboard."""
    count, avg = session.exec(
        select(func.count(col(Feedback.id)), func.avg(Feedback.rating)).where(
            Feedback.business_day == day
        )
    ).one()
    complaint = col(Feedback.category).is_not(None) | col(Feedback.text).is_not(None)
    complaints = session.exec(
        select(func.count(col(Feedback.id))).where(Feedback.business_day == day, complaint)
    ).one()
    recent = session.exec(
        select(Feedback.category, Feedback.text)
        .where(Feedback.business_day == day, complaint)
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(RECENT)
    ).all()
    lines = tuple(
        ": ".join(p for p in (cat, (txt or "")[:80]) if p) for cat, txt in recent
    )
    return FeedbackSummary(
        ratings=int(count), average_rating=None if avg is None else round(float(avg), 2),
        complaints=int(complaints), recent=lines,
    )  # fmt: skip
