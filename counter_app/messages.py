"""App-wide messages of the counter app: small, posted by workers and dialogs."""

from __future__ import annotations

from textual.message import Message

from branch.staff import Actor


class SignedIn(Message):
    """A staff member signed in at a counter: the app shows the main screen."""

    def __init__(self, actor: Actor, counter: int) -> None:
        super().__init__()
        self.actor, self.counter = actor, counter


class SignedOut(Message):
    """The staff member left the counter (closed or paused): back to the login screen."""

    def __init__(self, counter: int, leave: str) -> None:
        super().__init__()
        self.counter, self.leave = counter, leave


__all__ = ["SignedIn", "SignedOut"]
