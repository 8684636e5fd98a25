"""Tables shared by every process of the branch (DESIGN §3).

Enumerations are stored as short strings so SQLite and PostgreSQL hold the same thing and
migrations stay simple. Times are aware UTC datetimes (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _ts(nullable: bool = True, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable, index=index)


class TicketStatus(StrEnum):
    waiting = "waiting"
    called = "called"
    serving = "serving"
    done = "done"
    no_show = "no_show"
    transferred = "transferred"
    cancelled = "cancelled"
    expired = "expired"
    parked = "parked"


ACTIVE_STATUSES = (TicketStatus.called, TicketStatus.serving)
FINAL_STATUSES = (
    TicketStatus.done,
    TicketStatus.no_show,
    TicketStatus.transferred,
    TicketStatus.cancelled,
    TicketStatus.expired,
)


ACTIVE_SQL = "status IN ('called', 'serving')"


class CounterStatus(StrEnum):
    open = "open"
    paused = "paused"
    closed = "closed"


class Role(StrEnum):
    clerk = "clerk"
    supervisor = "supervisor"
    manager = "manager"
    admin = "admin"

    @property
    def level(self) -> int:
        return list(Role).index(self)


class PrintState(StrEnum):
    pending = "pending"
    printed = "printed"
    failed = "failed"


class Service(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    prefix: str = Field(max_length=1, unique=True)
    name_ar: str
    name_en: str
    target_wait_min: int
    target_service_min: int
    special: bool = False
    active: bool = True
    sort: int = 0


class Counter(SQLModel, table=True):
    __table_args__ = (
        # One clerk, one counter: a staff member holds at most one counter at a time. The
        # engine checks first (to name the other counter); the index settles races.
        Index(
            "ux_counter_staff",
            "staff_username",
            unique=True,
            sqlite_where=text("staff_username IS NOT NULL"),
            postgresql_where=text("staff_username IS NOT NULL"),
        ),
    )

    number: int = Field(primary_key=True)
    name_ar: str = ""
    name_en: str = ""
    services: str = Field(description="ordered service codes, comma-separated")
    primary_service: str | None = None
    status: str = Field(default=CounterStatus.closed, max_length=8)
    staff_username: str | None = None
    active: bool = True
    pause_reason: str | None = Field(default=None, max_length=32)
    # A manager's list of services for one business day (comma-separated), else the config's.
    services_today: str | None = None
    services_day: date | None = None

    @property
    def service_list(self) -> list[str]:
        """The services configured in branch.toml."""
        return [s for s in self.services.split(",") if s]

    def services_on(self, day: date) -> list[str]:
        """What the counter serves on a business day: the day's override, else the config's."""
        if self.services_today is not None and self.services_day == day:
            return [s for s in self.services_today.split(",") if s]
        return self.service_list


class Staff(SQLModel, table=True):
    username: str = Field(primary_key=True, max_length=32)
    display_name: str
    role: str = Field(max_length=12)
    pin_hash: str
    active: bool = True
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    # The language the counter app last used for this staff member ("ar"/"en"), if any.
    lang: str | None = Field(default=None, max_length=2)


class Ticket(SQLModel, table=True):
    __table_args__ = (
        # A ticket number is issued once per service per day; transfer copies keep the code.
        Index(
            "ux_ticket_day_code_origin",
            "business_day",
            "code",
            unique=True,
            sqlite_where=text("transferred_from IS NULL"),
            postgresql_where=text("transferred_from IS NULL"),
        ),
        # Call-next reads the head of each service's waiting line through these.
        Index(
            "ix_ticket_waiting_service",
            "service_code",
            "business_day",
            "rank_at",
            sqlite_where=text("status = 'waiting' AND assigned_counter IS NULL"),
            postgresql_where=text("status = 'waiting' AND assigned_counter IS NULL"),
        ),
        Index(
            "ix_ticket_waiting_counter",
            "assigned_counter",
            "business_day",
            "rank_at",
            sqlite_where=text("status = 'waiting' AND assigned_counter IS NOT NULL"),
            postgresql_where=text("status = 'waiting' AND assigned_counter IS NOT NULL"),
        ),
        # A counter's current ticket (at most one): the literal condition keeps the planner
        # on this index even when most rows have no counter yet.
        Index(
            "ix_ticket_counter_active",
            "counter_number",
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        # A counter's parked tickets (set aside, taken back later by code).
        Index(
            "ix_ticket_counter_parked",
            "counter_number",
            sqlite_where=text("status = 'parked'"),
            postgresql_where=text("status = 'parked'"),
        ),
        Index("ix_ticket_day_status", "business_day", "status"),
        Index("ix_ticket_service_finished", "service_code", "finished_at"),
        # Statistics (migration 0006): every column reports and the dashboard aggregate, in
        # business-day order, so they scan the index and never look rows up.
        Index(
            "ix_ticket_stats", "business_day", "service_code", "status", "issued_at", "called_at",
            "served_at", "finished_at", "counter_number", "staff_username", "transferred_from",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    business_day: date
    service_code: str = Field(max_length=16)
    number: int
    code: str = Field(max_length=8)
    priority: str = Field(default="normal", max_length=10)
    status: str = Field(default=TicketStatus.waiting, max_length=12)
    issued_at: datetime = Field(sa_column=_ts(nullable=False))
    rank_at: datetime = Field(
        sa_column=_ts(nullable=False),
        description="issued_at minus the class boost: the smallest rank_at is called first",
    )
    called_at: datetime | None = Field(default=None, sa_column=_ts())
    served_at: datetime | None = Field(default=None, sa_column=_ts())
    finished_at: datetime | None = Field(default=None, sa_column=_ts())
    counter_number: int | None = None
    assigned_counter: int | None = None
    staff_username: str | None = None
    recalls: int = 0
    transferred_from: int | None = None
    outcome: str | None = Field(default=None, max_length=32)
    lang: str = Field(default="ar", max_length=2)
    print_state: str = Field(default=PrintState.pending, max_length=8)
    estimated_wait_s: int | None = None
    # The kiosk's optional national-number step (DESIGN §7): never the number itself, only a
    # sealed form for the counter's lookup; erased at day close.
    national_ref: str | None = Field(default=None, sa_column=Column(Text))


class TicketEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_ticket_event_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(index=True)
    kind: str = Field(max_length=16)
    at: datetime = Field(sa_column=_ts(nullable=False))
    counter_number: int | None = None
    staff_username: str | None = None
    data: str | None = Field(default=None, sa_column=Column(Text))


class DayCounter(SQLModel, table=True):
    business_day: date = Field(primary_key=True)
    service_code: str = Field(primary_key=True, max_length=16)
    last_number: int = 0


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_ts(nullable=False))
    staff_username: str | None = None
    action: str = Field(max_length=48)
    subject_ref: str | None = None
    where: str | None = None
    outcome: str = Field(max_length=32)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class OutboxItem(SQLModel, table=True):
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_depends_on", "depends_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_ts(nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=_ts())
    response: str | None = Field(default=None, sa_column=Column(Text))
    claimed_by: str | None = None
    claimed_until: datetime | None = Field(default=None, sa_column=_ts())
    depends_on: int | None = None


class Payment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("client_payment_id"),
        Index("ix_payment_contributor_status", "contributor_ref", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_payment_id: str = Field(max_length=64)
    ticket_id: int | None = None
    contributor_ref: str = Field(max_length=64)
    purpose: str = Field(max_length=32)
    periods: str | None = None
    amount_fils: int
    method: str = Field(default="cash", max_length=12)
    status: str = Field(default="pending", max_length=12)
    provisional_receipt_no: str | None = None
    offline: bool = False
    failure_reason: str | None = Field(default=None, sa_column=Column(Text))
    central_id: str | None = None
    receipt_no: str | None = None
    created_by: str | None = None
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class Snapshot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "key_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    key_hash: str = Field(max_length=64)
    data: str = Field(sa_column=Column(Text, nullable=False))
    as_of: datetime = Field(sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False, index=True))


class CentralLink(SQLModel, table=True):
    """Last known state of each central upstream's circuit breaker.

    Written by whichever process saw it change (the relay, a counter), read by
    `tabour sync status` and by payment entry to decide whether the offline rules apply.
    """

    upstream: str = Field(primary_key=True, max_length=16)
    state: str = Field(max_length=12)
    failures: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    changed_at: datetime = Field(sa_column=_ts(nullable=False))
    changed_by: str | None = Field(default=None, max_length=64)
    # Why the link last failed: auth_failed, bad_gateway, unreachable, ... (sync.problems).
    fault_kind: str | None = Field(default=None, max_length=32)


class StaffLockout(SQLModel, table=True):
    """Wrong-PIN attempts per username, in the database so every process counts the same.

    Keyed by the name typed, not a foreign key: an unknown name is counted (and locked) like a
    real one, so the answers never tell which usernames exist.
    """

    username: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_ts())
    last_failure_at: datetime | None = Field(default=None, sa_column=_ts())


class Alert(SQLModel, table=True):
    """Something staff must see: a printer out of paper, central unreachable, a late service.

    At most one open alert per (kind, source): raising it again while open changes nothing.
    `message` is English source text with no personal data (screens translate it).
    """

    __table_args__ = (
        Index(
            "ux_alert_open",
            "kind",
            "source",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_alert_raised", "raised_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    source: str = Field(max_length=48)
    message: str = Field(sa_column=Column(Text, nullable=False))
    raised_at: datetime = Field(sa_column=_ts(nullable=False))
    cleared_at: datetime | None = Field(default=None, sa_column=_ts())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_ts())
    acknowledged_by: str | None = Field(default=None, max_length=64)


class Feedback(SQLModel, table=True):
    """A visitor's rating of one visit (one per ticket), with an optional complaint."""

    __table_args__ = (
        UniqueConstraint("ticket_id", name="ux_feedback_ticket"),
        Index("ix_feedback_day", "business_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int
    business_day: date
    service_code: str = Field(max_length=16)
    rating: int
    category: str | None = Field(default=None, max_length=32)
    text: str | None = Field(default=None, max_length=280)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
