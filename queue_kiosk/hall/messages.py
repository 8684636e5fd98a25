"""Messages of the hall app."""

from __future__ import annotations

from textual.message import Message

from queue_kiosk.hall_view import HallCall, HallState


class HallLoaded(Message, bubble=False):
    """A fresh read of the hall's data (from the load worker); `seq` orders reads."""

    def __init__(self, state: HallState, seq: int) -> None:
        super().__init__()
        self.state = state
        self.seq = seq


class CallAnnounced(Message):
    """A call or recall newer than anything shown: the board highlights it, the chime rings."""

    def __init__(self, call: HallCall) -> None:
        super().__init__()
        self.call = call


__all__ = ["CallAnnounced", "HallLoaded"]
