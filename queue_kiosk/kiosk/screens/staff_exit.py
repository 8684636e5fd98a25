"""The operator's way out (`[kiosk] exit_chord`): a supervisor's or manager's username and
PIN, checked like every sign-in (counted failures, lockout, audit). Customers never see it
unless someone presses the chord; Escape goes back home."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from branch.models import Role
from branch.staff import AuthRefused, authenticate
from queue_kiosk.kiosk.screens.base import KioskScreen
from tui.lang import language_of


class StaffExitScreen(KioskScreen):
    AUTO_FOCUS = "#staff-user"

    def __init__(self, parts, **kwargs) -> None:
        super().__init__(parts, **kwargs)
        self.error = ""

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        yield Static(lang.show("Stop the kiosk (staff only)"), id="title", classes="text")
        with Vertical(id="rate-box"):
            yield Input(placeholder=lang.show("Username"), max_length=64, id="staff-user")
            yield Input(placeholder="PIN", password=True, max_length=32, id="staff-pin")
            yield Static(lang.show(self.error) if self.error else "", id="rate-error",
                         classes="text")

    @on(Input.Submitted, "#staff-user")
    def _user(self) -> None:
        self.query_one("#staff-pin", Input).focus()

    @on(Input.Submitted, "#staff-pin")
    def _pin(self) -> None:
        user = self.query_one("#staff-user", Input).value.strip()
        pin_box = self.query_one("#staff-pin", Input)
        pin, pin_box.value = pin_box.value, ""
        self._check(user, pin)

    @work(thread=True, group="staff-exit", exit_on_error=False)
    def _check(self, user: str, pin: str) -> None:
        try:
            with self.parts.db.write() as s:
                actor = authenticate(s, user, pin, self.parts.engine.clock(), where="kiosk")
        except AuthRefused:
            self.app.call_from_thread(self._refused, "Wrong username or PIN.")
            return
        if actor.role.level < Role.supervisor.level:
            self.app.call_from_thread(self._refused, "Only a supervisor or manager may stop it.")
            return
        self.app.call_from_thread(self.app.exit)

    def _refused(self, message: str) -> None:
        self.error = message
        self.query_one("#rate-error", Static).update(language_of(self).show(message))
        self.query_one("#staff-user", Input).focus()


__all__ = ["StaffExitScreen"]
