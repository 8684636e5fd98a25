"""Choosing a service for a priority or urgent ticket: only the services that offer it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from queue_kiosk.desk import DIGITS
from queue_kiosk.kiosk.fees import fee_text
from queue_kiosk.kiosk.screens.base import KioskScreen
from queue_kiosk.kiosk.screens.home import digit_bindings
from queue_kiosk.kiosk.screens.priority import CLASS_LABELS
from queue_kiosk.kiosk.widgets.service_grid import ServiceButton, ServiceGrid
from tui.lang import language_of


class ChooseServiceScreen(KioskScreen):
    BINDINGS: ClassVar = digit_bindings("kiosk.choose")

    def __init__(self, parts, priority: str, **kwargs) -> None:
        super().__init__(parts, **kwargs)
        self.priority = priority

    def offered(self):
        services = self.parts.desk.services()
        if self.priority == "urgent":
            return [s for s in services if s.urgent]
        return [s for s in services if s.priority]

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        if self.priority == "urgent":
            fee = fee_text(self.parts.settings.config.central.urgent_fee_fils)
            title = lang.t("Urgent service")
            note = lang.t("Fee {fee}, paid at the counter").format(fee=fee)
        else:
            title = lang.t("Priority ticket")
            note = lang.t(CLASS_LABELS[self.priority])
        yield Static(lang.row([title, note], sep="  ·  "), id="title", classes="text")
        yield Static(lang.show("Choose a service"), id="prompt", classes="text")
        entries = [(s, DIGITS[i] if i < len(DIGITS) else None) for i, s in
                   enumerate(self.offered())]
        with VerticalScroll(id="services"):
            yield ServiceGrid(entries)
        back = Button(lang.row(["Esc", lang.t("Back")]), id="back", flat=True)
        back.can_focus = False
        yield Horizontal(back, id="actions")

    def action_digit(self, digit: str) -> None:
        button = self.query_one(ServiceGrid).by_digit(digit)
        if button is not None:
            self.ask_for_ticket(button.service.code, self.priority)

    @on(Button.Pressed, "ServiceButton")
    def _service(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, ServiceButton)
        self.ask_for_ticket(event.button.service.code, self.priority)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_home()


__all__ = ["ChooseServiceScreen"]
