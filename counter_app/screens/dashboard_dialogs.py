"""The dashboard's dialogs: the acting staff member's PIN, and a counter's services today."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from branch.settings import BranchConfig
from tui.lang import language_of


class PinDialog(ModalScreen[str | None]):
    """Asks the PIN of `username` to confirm `what`; dismisses with the PIN or None."""

    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="dashboard.pin.cancel", priority=True),
    ]

    def __init__(self, username: str, what: str) -> None:
        super().__init__(classes="dashboard-dialog")
        self.username, self.what = username, what

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        with Vertical(id="pin-box", classes="dialog-box"):
            yield Static(lang.text(self.what), id="pin-what", classes="text")
            yield Static(lang.label_value("PIN for", self.username), id="pin-who", classes="text")
            yield Input(password=True, id="pin", max_length=12, restrict=r"[0-9]*")
            yield Static(lang.row([lang.t("Enter confirm"), lang.t("Esc cancel")], sep="   "),
                         classes="text dialog-keys")  # fmt: skip

    @on(Input.Submitted, "#pin")
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ServicesDialog(ModalScreen[list[str] | None]):
    """Ticks the services a counter serves today; F2 applies, Escape cancels."""

    BINDINGS: ClassVar = [
        Binding("f2", "apply", "Apply", id="dashboard.services.apply", priority=True),
        Binding("escape", "cancel", "Cancel", id="dashboard.services.cancel", priority=True),
    ]

    def __init__(self, config: BranchConfig, counter: int, current: list[str]) -> None:
        super().__init__(classes="dashboard-dialog")
        self.config, self.counter, self.current = config, counter, current

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        title = lang.t("Services of counter {counter} today").format(counter=self.counter)
        options = [
            Selection(
                lang.text(f"{s.prefix}  {s.name_ar if lang.is_rtl else s.name_en}"),
                s.code,
                s.code in self.current,
            )
            for s in self.config.services
            if s.active
        ]
        with Vertical(id="services-box", classes="dialog-box"):
            yield Static(lang.text(title), classes="text")
            yield SelectionList[str](*options, id="services")
            yield Static(lang.row([lang.t("Space tick"), lang.t("F2 apply"),
                                   lang.t("Esc cancel")], sep="   "),
                         classes="text dialog-keys")  # fmt: skip

    def action_apply(self) -> None:
        chosen = list(self.query_one("#services", SelectionList).selected)
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
