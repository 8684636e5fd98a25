"""Messages of the showcase app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from showcase.services import Printed


@dataclass
class PrintedJobs(Message, bubble=False):
    """The virtual printers' jobs since the demo started (a background scan found new ones)."""

    jobs: list[Printed]
    displays: dict[str, str]  # "display-1" -> its two lines as the emulator shows them
