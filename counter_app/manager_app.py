"""`tabour manager`: sign in (supervisors and managers), then the dashboard.

Escape on the dashboard signs out (back to the sign-in screen); Ctrl+Q quits.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding

from branch.staff import Actor, save_lang
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from counter_app.screens.manager_login import ManagerLoginScreen
from tui.keymap import apply_keymap
from tui.lang import Language, LanguageChanged
from tui.live import start_live_updates
from tui.theme import BASE_TCSS, use_theme

MANAGER_TCSS = Path(__file__).with_name("manager.tcss")


class ManagerApp(App):
    CSS_PATH: ClassVar = [BASE_TCSS, MANAGER_TCSS]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar = [
        Binding("ctrl+q", "quit", "Quit", id="manager.quit", priority=True),
    ]

    def __init__(
        self, parts: CounterParts, lang: str | None = None, actor: Actor | None = None,
        live: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        ui = parts.settings.config.ui
        self.parts = parts
        self.language = Language(self, lang or ui.default_lang, ui.bidi)
        self.signed_in = actor
        self.live = live
        self.title = "Tabour manager"

    def on_mount(self) -> None:
        use_theme(self)
        apply_keymap(self, self.parts.settings.config.ui)
        self.push_screen(ManagerLoginScreen(self.parts))
        if self.signed_in is not None:
            self.push_screen(DashboardScreen(self.parts, self.signed_in))
        if self.live:
            start_live_updates(self, self.parts.db)

    def on_manager_login_screen_signed_in(self, message: ManagerLoginScreen.SignedIn) -> None:
        self.signed_in = message.actor
        self.push_screen(DashboardScreen(self.parts, message.actor), self._signed_out)

    def _signed_out(self, _: object = None) -> None:
        self.signed_in = None

    def on_language_changed(self, message: LanguageChanged) -> None:
        if self.signed_in is not None and self.signed_in.username:
            self.save_language(self.signed_in.username, message.lang)

    @work(thread=True, group="manager-lang", exit_on_error=False)
    def save_language(self, username: str, lang: str) -> None:
        """Remember the staff member's language for their next sign-in (any Tabour app)."""
        with self.parts.db.write() as s:
            save_lang(s, username, lang)
