"""The optional national-number step (`[kiosk] national_number = true`).

The customer may type their 10-digit national number so the counter has the record ready;
it is masked while typed, validated, sealed under the branch secret for the counter, and
never printed or shown again. Leaving it empty skips the step.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from queue_kiosk.kiosk.screens.base import KioskScreen
from tui.lang import language_of

NN_DIGITS = r"[0-9٠-٩۰-۹]*"


class NationalNumberScreen(KioskScreen):
    AUTO_FOCUS = "#nn"
    BINDINGS: ClassVar = [
        Binding("f3", "skip", "Skip", id="kiosk.nn_skip", show=False, priority=True),
    ]

    def __init__(self, parts, service: str, priority: str = "normal", **kwargs) -> None:
        super().__init__(parts, **kwargs)
        self.service = service
        self.priority = priority
        self.error = ""

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        yield Static(lang.show("Your national number (optional)"), id="title", classes="text")
        yield Static(
            lang.show("Type your 10-digit national number so the counter has your record "
                      "ready. It is not printed or shown again."),
            id="prompt",
            classes="text",
        )
        with Vertical(id="nn-box"):
            yield Input(
                placeholder="0000000000",
                restrict=NN_DIGITS,
                max_length=10,
                password=True,
                id="nn",
            )
            yield Static(lang.show(self.error) if self.error else "", id="nn-error",
                         classes="text")
        buttons = [
            Button(lang.row(["Enter", lang.t("Continue")]), id="continue", flat=True),
            Button(lang.row(["F3", lang.t("Skip")]), id="skip", flat=True),
            Button(lang.row(["Esc", lang.t("Back")]), id="back", flat=True),
        ]
        for b in buttons:
            b.can_focus = False
        if lang.is_rtl:
            buttons.reverse()
        yield Horizontal(*buttons, id="actions")

    @on(Input.Submitted, "#nn")
    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        box = self.query_one("#nn", Input)
        typed, box.value = box.value, ""  # the number leaves the screen at once
        if not typed.strip():
            self.action_skip()
            return
        from queue_kiosk.national import InvalidNationalNumber, validate

        try:
            number = validate(typed)
        except InvalidNationalNumber:
            self.error = "A national number is exactly 10 digits. Try again, or skip."
            self.query_one("#nn-error", Static).update(language_of(self).show(self.error))
            return
        self.issue(self.service, self.priority, national_number=number)

    @on(Button.Pressed, "#skip")
    def action_skip(self) -> None:
        self.query_one("#nn", Input).value = ""
        self.issue(self.service, self.priority)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_home()

    def on_language_changed(self, _) -> None:
        self.query_one("#nn", Input).value = ""
        self.refresh(recompose=True)


__all__ = ["NationalNumberScreen"]
