"""`KioskScreen`: what every kiosk screen shares: its parts, going home, issuing a ticket.

Issuing runs in a thread worker (the engine writes to the database; the event loop never
waits on a database lock); the worker posts `TicketIssued` or `IssueRefused` back to the
screen that asked, which then shows the ticket screen or a notice.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on, work
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from branch.errors import DomainError
from queue_kiosk.desk import KioskRefusal
from queue_kiosk.kiosk.messages import IssueRefused, TicketIssued
from queue_kiosk.kiosk.parts import KioskParts
from tui.lang import LanguageChanged, language_of


class KioskScreen(Screen):
    AUTO_FOCUS = None
    BINDINGS: ClassVar = [
        Binding("escape", "home", "Home", id="kiosk.home", show=False),
    ]

    # A customer who walks away mid-way: back home after `idle_timeout_s` x this factor of
    # no key, touch or typing (and what they typed goes with the screen). None: the screen
    # handles going home itself (home, ticket, notice).
    IDLE_FACTOR: ClassVar[float | None] = 2.0

    def __init__(self, parts: KioskParts, **kwargs) -> None:
        super().__init__(**kwargs)
        self.parts = parts
        self.issuing = False
        self._idle: Timer | None = None

    # -- walking away ----------------------------------------------------------------------
    def on_screen_resume(self) -> None:
        self._rearm()

    def on_screen_suspend(self) -> None:
        if self._idle is not None:
            self._idle.stop()

    def on_key(self) -> None:
        self._rearm()

    def on_mouse_down(self) -> None:
        self._rearm()

    def on_input_changed(self) -> None:
        self._rearm()

    def _rearm(self) -> None:
        if self.IDLE_FACTOR is None:
            return
        if self._idle is not None:
            self._idle.stop()
        self._idle = self.set_timer(
            self.parts.kiosk.idle_timeout_s * self.IDLE_FACTOR, self._walked_away
        )

    def _walked_away(self) -> None:
        if self.app.screen is self and not self.issuing:
            go_home(self)

    # -- navigation ------------------------------------------------------------------------
    def action_home(self) -> None:
        go_home(self)

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.refresh(recompose=True)

    # -- issuing ---------------------------------------------------------------------------
    def ask_for_ticket(self, service: str, priority: str = "normal") -> None:
        """A customer chose a service: the national-number step when settings ask for it,
        else issue at once."""
        if self.parts.kiosk.national_number:
            from queue_kiosk.kiosk.screens.national_number import NationalNumberScreen

            self.app.push_screen(NationalNumberScreen(self.parts, service, priority))
            return
        self.issue(service, priority)

    def issue(self, service: str, priority: str = "normal", national_number: str | None = None):
        if self.issuing:
            return  # a second press while the first is being issued: one ticket
        self.issuing = True
        self._issue(service, priority, language_of(self).lang, national_number, time.perf_counter())

    @work(thread=True, group="issue", exit_on_error=False)
    def _issue(
        self,
        service: str,
        priority: str,
        lang: str,
        national_number: str | None,
        started: float,
    ) -> None:
        try:
            issued = self.parts.desk.issue(service, priority, lang, national_number)
        except KioskRefusal as refusal:
            self.post_message(IssueRefused(refusal))
            return
        except DomainError as error:
            self.post_message(IssueRefused(KioskRefusal("error", str(error))))
            return
        self.post_message(TicketIssued(issued, started))

    @on(TicketIssued)
    def _show_ticket(self, message: TicketIssued) -> None:
        from queue_kiosk.kiosk.screens.ticket import TicketScreen

        self.issuing = False
        go_home(self)
        self.app.push_screen(TicketScreen(self.parts, message.issued, message.started))

    @on(IssueRefused)
    def _show_refusal(self, message: IssueRefused) -> None:
        from queue_kiosk.kiosk.screens.notice import NoticeScreen

        self.issuing = False
        go_home(self)
        self.app.push_screen(NoticeScreen.for_refusal(self.parts, message.refusal))


def go_home(screen: Screen) -> None:
    """Pop kiosk screens until the home screen is on top."""
    from queue_kiosk.kiosk.screens.home import HomeScreen

    app = screen.app
    while (
        len(app.screen_stack) > 1
        and isinstance(app.screen, KioskScreen)
        and not isinstance(app.screen, HomeScreen)
    ):
        app.pop_screen()


__all__ = ["KioskScreen", "go_home"]
