"""Kiosk-wide messages: small dataclasses a worker posts to its screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from queue_kiosk.desk import Issued, KioskRefusal

if TYPE_CHECKING:
    from printer.jobs import PrintOutcome


@dataclass
class TicketIssued(Message):
    """The engine issued a ticket; the ticket screen shows it while it prints."""

    issued: Issued
    started: float  # time.perf_counter() at the key press


@dataclass
class IssueRefused(Message):
    refusal: KioskRefusal


@dataclass
class PrintFinished(Message):
    """The printer worker is done with a ticket: printed or failed (print_state recorded)."""

    ticket_id: int
    outcome: PrintOutcome | None
    error: str | None = None  # the printer could not even be opened


@dataclass
class FeedbackSaved(Message):
    code: str


@dataclass
class FeedbackRefused(Message):
    reason: str


__all__ = ["FeedbackRefused", "FeedbackSaved", "IssueRefused", "PrintFinished", "TicketIssued"]
