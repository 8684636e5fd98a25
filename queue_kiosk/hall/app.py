"""`HallApp`: the board on a TV-sized terminal, live from the branch database.

The app owns the language (fixed, alternating every `[hall] alternate_s`, or side by side)
and the live-update worker; the board screen does the rest. No key is needed to run it;
F2 switches the language by hand, Ctrl+Q quits.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding

from queue_kiosk.hall.parts import HallParts
from queue_kiosk.hall.screens.board import BoardScreen
from tui.keymap import apply_keymap
from tui.lang import Language
from tui.live import start_live_updates
from tui.theme import BASE_TCSS, use_theme


class HallApp(App):
    CSS_PATH: ClassVar = [BASE_TCSS, "hall.tcss"]
    ENABLE_COMMAND_PALETTE = False
    TITLE = "Tabour hall"
    BINDINGS: ClassVar = [
        Binding("f2", "toggle_lang", "Language", id="hall.toggle_lang"),
        Binding("ctrl+q", "quit", "Quit", id="hall.quit", priority=True),
    ]

    def __init__(self, parts: HallParts, *, live: bool = True) -> None:
        super().__init__()
        self.parts = parts
        self.live = live
        hall, ui = parts.hall, parts.settings.config.ui
        start = hall.languages if hall.languages in ("ar", "en") else ui.default_lang
        if hall.languages == "side_by_side":
            start = "en"  # left to right; each label carries its Arabic beside it
        self.language = Language(self, start, ui.bidi)
        self.board = BoardScreen(parts)

    def on_mount(self) -> None:
        use_theme(self)
        apply_keymap(self, self.parts.settings.config.ui)
        self.push_screen(self.board)
        if self.parts.hall.languages == "alternate":
            self.set_interval(self.parts.hall.alternate_s, self.language.toggle)
        if self.live:
            start_live_updates(self, self.parts.db)

    def action_toggle_lang(self) -> None:
        if self.parts.hall.languages != "side_by_side":
            self.language.toggle()


__all__ = ["HallApp"]
