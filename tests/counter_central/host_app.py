"""A tiny host for the central panels, shaped as the counter shell hosts them: the app owns
the Language, the theme and the live-update feed; the panel is a screen pushed on top."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from counter_app.parts import CounterParts
from tui.lang import Language
from tui.live import start_live_updates
from tui.theme import BASE_TCSS, use_theme


class HostApp(App):
    CSS_PATH: ClassVar = [BASE_TCSS]
    BINDINGS: ClassVar = [Binding("ctrl+l", "toggle_lang", "Language", id="host.lang")]

    def __init__(
        self,
        parts: CounterParts,
        make_screen: Callable[[], Screen],
        lang: str = "en",
        live: bool = True,
    ) -> None:
        super().__init__()
        self.parts, self.make_screen, self.live = parts, make_screen, live
        self.language = Language(self, lang, parts.settings.config.ui.bidi)
        self.animation_level = "none"  # keys answer at once; nothing moves under a snapshot

    def compose(self) -> ComposeResult:
        yield Static("counter main screen", id="host-main")

    def on_mount(self) -> None:
        use_theme(self)
        if self.live:
            start_live_updates(self, self.parts.db)
        self.push_screen(self.make_screen())

    def action_toggle_lang(self) -> None:
        self.language.toggle()
