"""A refusal or error, in the customer's language, that goes home by itself."""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Static

from queue_kiosk.desk import KioskRefusal
from queue_kiosk.kiosk.screens.base import KioskScreen
from tui.lang import language_of

log = logging.getLogger(__name__)

TITLES = {
    "closed": "The branch is closed now",
    "no_counter": "No counter serves this service now",
    "error": "The ticket could not be issued",
}
DETAILS = {
    "closed": "Opening hours: {opens} to {closes}. Please come back then.",
    "no_counter": "Please ask a member of staff or choose another service.",
    "error": "Please try again, or ask a member of staff.",
}
NOT_OFFERED = ("This service is not offered here", "Please choose another service.")


class NoticeScreen(KioskScreen):
    IDLE_FACTOR = None
    BINDINGS: ClassVar = [Binding("enter", "home", "Back", id="kiosk.notice_back", show=False)]

    def __init__(self, parts, kind: str, title: str, detail: str, **fmt: str) -> None:
        super().__init__(parts)
        self.kind, self.title_id, self.detail_id, self.fmt = kind, title, detail, fmt

    @classmethod
    def for_refusal(cls, parts, refusal: KioskRefusal) -> NoticeScreen:
        kiosk = parts.kiosk
        if refusal.reason == "error":
            log.warning("kiosk could not issue: %s", refusal)
        title = TITLES.get(refusal.reason, NOT_OFFERED[0])
        detail = DETAILS.get(refusal.reason, NOT_OFFERED[1])
        return cls(parts, refusal.reason, title, detail, opens=kiosk.opens, closes=kiosk.closes)

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        with Center(id="notice-box"), Vertical(
            id="notice", classes="thanks" if self.kind == "thanks" else "alert"
        ):
            yield Static(lang.show(self.title_id), id="notice-title", classes="text")
            yield Static(
                lang.text(lang.t(self.detail_id).format(**self.fmt)),
                id="notice-detail",
                classes="text",
            )
        back = Button(lang.row(["Enter", lang.t("Back")]), id="back", flat=True)
        back.can_focus = False
        yield Horizontal(back, id="actions")

    def on_mount(self) -> None:
        self.set_timer(self.parts.kiosk.idle_timeout_s, self.action_home)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_home()


__all__ = ["NoticeScreen"]
