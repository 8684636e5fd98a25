"""A tab whose front-end is not there: says which and why, and what to run instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from showcase.widgets.tab_bar import TabBar
from tui.lang import LanguageChanged, language_of

if TYPE_CHECKING:
    from showcase.tabs import Tab


class PendingScreen(Screen):
    AUTO_FOCUS = None

    def __init__(self, tab: Tab, reason: str) -> None:
        super().__init__(id=f"pending-{tab.id}")
        self.tab = tab
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield TabBar()
        with Vertical(id="pending-box"):
            yield Static(id="pending-title", classes="text")
            yield Static(id="pending-reason", classes="text")

    def on_mount(self) -> None:
        self._show()

    def on_language_changed(self, _: LanguageChanged) -> None:
        self._show()

    def _show(self) -> None:
        lang = language_of(self)
        title = lang.t("The {tab} screen is not available in this build.").format(
            tab=lang.t(self.tab.title)
        )
        self.query_one("#pending-title", Static).update(lang.text(title))
        self.query_one("#pending-reason", Static).update(self.reason)
