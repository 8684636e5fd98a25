"""The priority path: the customer says which class they belong to, then picks a service."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from queue_kiosk.desk import PRIORITY_CLASSES
from queue_kiosk.kiosk.screens.base import KioskScreen
from tui.lang import language_of

CLASS_LABELS = {
    "elderly": "Elderly person",
    "disabled": "Person with a disability",
    "pregnant": "Pregnant woman",
}


class PriorityScreen(KioskScreen):
    BINDINGS: ClassVar = [
        Binding(str(i + 1), f"choose('{c}')", str(i + 1), show=False, id=f"kiosk.priority_{c}")
        for i, c in enumerate(PRIORITY_CLASSES)
    ]

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        yield Static(lang.show("Priority ticket"), id="title", classes="text")
        yield Static(
            lang.show("Priority is for elderly people, people with a disability and pregnant "
                      "women. Which applies to you?"),
            id="prompt",
            classes="text",
        )
        with Vertical(id="classes"):
            for i, c in enumerate(PRIORITY_CLASSES):
                button = Button(lang.row([str(i + 1), lang.t(CLASS_LABELS[c])]), id=c, flat=True)
                button.can_focus = False
                yield button
        back = Button(lang.row(["Esc", lang.t("Back")]), id="back", flat=True)
        back.can_focus = False
        yield Horizontal(back, id="actions")

    def action_choose(self, priority: str) -> None:
        from queue_kiosk.kiosk.screens.choose import ChooseServiceScreen

        self.app.push_screen(ChooseServiceScreen(self.parts, priority))

    @on(Button.Pressed, "#classes Button")
    def _class(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(str(event.button.id))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_home()


__all__ = ["CLASS_LABELS", "PriorityScreen"]
