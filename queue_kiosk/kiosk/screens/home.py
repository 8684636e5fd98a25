"""The home screen: a big button per service (with its digit key), the priority path, the
urgent fast track, "Rate your visit" and the language toggle."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from queue_kiosk.desk import DIGITS
from queue_kiosk.kiosk.screens.base import KioskScreen
from queue_kiosk.kiosk.widgets.service_grid import ServiceButton, ServiceGrid
from tui import bidi
from tui.clock import TabourClock
from tui.lang import language_of


def digit_bindings(prefix: str) -> list[Binding]:
    return [
        Binding(d, f"digit('{d}')", d, show=False, id=f"{prefix}.digit_{d}") for d in DIGITS
    ]


class HomeScreen(KioskScreen):
    IDLE_FACTOR = None
    BINDINGS: ClassVar = [
        *digit_bindings("kiosk"),
        Binding("f2", "toggle_lang", "Language", id="kiosk.toggle_lang"),
        Binding("p", "priority", "Priority", id="kiosk.priority"),
        Binding("u", "urgent", "Urgent", id="kiosk.urgent"),
        Binding("r", "rate", "Rate your visit", id="kiosk.rate"),
    ]

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        branch = self.parts.settings.config.branch
        name = branch.name_ar if lang.is_rtl else branch.name_en
        head = [
            Static(lang.text(name), id="branch-name", classes="text"),
            TabourClock(branch.tz, self.parts.clock),
        ]
        if lang.is_rtl:
            head.reverse()
        yield Horizontal(*head, id="header")
        yield Static(lang.show("Choose a service to take a ticket"), id="prompt", classes="text")
        if any(s.priority for s in self.parts.desk.services()):
            yield Static(
                lang.show("Elderly, a disability or pregnant? Press Priority first."),
                id="hint",
                classes="text",
            )
        services = self.parts.desk.services()
        with VerticalScroll(id="services"):
            yield ServiceGrid([(s, s.digit) for s in services])
        actions: list[Button] = []
        if any(s.priority for s in services):
            actions.append(self.action_button("P", "Priority", "priority"))
        if any(s.urgent for s in services):
            actions.append(self.action_button("U", "Urgent service", "urgent"))
        if self.parts.kiosk.rating:
            actions.append(self.action_button("R", "Rate your visit", "rate"))
        other = "English" if lang.is_rtl else bidi.text("العربية", "ar", lang.bidi)
        actions.append(Button(lang.row(["F2", other]), id="lang", flat=True))
        for button in actions:
            button.can_focus = False
        if lang.is_rtl:
            actions.reverse()
        yield Horizontal(*actions, id="actions")

    def action_button(self, key: str, message: str, name: str) -> Button:
        lang = language_of(self)
        return Button(lang.row([key, lang.t(message)]), id=name, flat=True)

    # -- keys and touches -----------------------------------------------------------------
    def action_digit(self, digit: str) -> None:
        button = self.query_one(ServiceGrid).by_digit(digit)
        if button is not None:
            self.ask_for_ticket(button.service.code)

    @on(Button.Pressed, "ServiceButton")
    def _service(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, ServiceButton)
        self.ask_for_ticket(event.button.service.code)

    @on(Button.Pressed, "#priority")
    def action_priority(self) -> None:
        from queue_kiosk.kiosk.screens.priority import PriorityScreen

        if any(s.priority for s in self.parts.desk.services()):
            self.app.push_screen(PriorityScreen(self.parts))

    @on(Button.Pressed, "#urgent")
    def action_urgent(self) -> None:
        from queue_kiosk.kiosk.screens.choose import ChooseServiceScreen

        if any(s.urgent for s in self.parts.desk.services()):
            self.app.push_screen(ChooseServiceScreen(self.parts, "urgent"))

    @on(Button.Pressed, "#rate")
    def action_rate(self) -> None:
        from queue_kiosk.kiosk.screens.rating import RatingScreen

        if self.parts.kiosk.rating:
            self.app.push_screen(RatingScreen(self.parts))

    @on(Button.Pressed, "#lang")
    def action_toggle_lang(self) -> None:
        language_of(self).toggle()

    def action_home(self) -> None:
        """Already home."""


__all__ = ["HomeScreen", "digit_bindings"]
