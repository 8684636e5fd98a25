"""`KioskApp`: the touch kiosk. Arabic home by default; customers never leave it.

Hardened: no command palette, no quit key, no text selection, and no key that can crash it
(unbound keys do nothing). The operator stops it with SIGTERM/SIGINT, or with the
`[kiosk] exit_chord` followed by a manager's username and PIN.
"""

from __future__ import annotations

import asyncio
import signal
from typing import ClassVar

from textual.app import App

from queue_kiosk.kiosk.parts import KioskParts
from queue_kiosk.kiosk.screens.home import HomeScreen
from tui.keymap import apply_keymap
from tui.lang import Language
from tui.theme import BASE_TCSS, use_theme


class KioskApp(App, inherit_bindings=False):
    CSS_PATH: ClassVar = [BASE_TCSS, "kiosk.tcss"]
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    TITLE = "Tabour kiosk"
    BINDINGS: ClassVar = []

    def __init__(
        self, parts: KioskParts, *, lang: str | None = None, handle_signals: bool = False
    ) -> None:
        super().__init__()
        self.parts = parts
        self.handle_signals = handle_signals
        ui = parts.settings.config.ui
        self.language = Language(self, lang or ui.default_lang, ui.bidi)
        chord = parts.kiosk.exit_chord
        if chord:
            self._bindings.bind(chord, "staff_exit", "Staff", show=False, priority=True)
        self.home = HomeScreen(parts)

    def on_mount(self) -> None:
        use_theme(self)
        apply_keymap(self, self.parts.settings.config.ui)
        self.push_screen(self.home)
        # The printer (fonts, artwork download) is made ready before the first customer.
        self.run_worker(self._warm_printer, thread=True, group="printer", exit_on_error=False)
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.add_signal_handler(sig, self.exit)

    def _warm_printer(self) -> None:
        try:
            self.parts.printer()
        except Exception:  # a broken printer shows on the first ticket instead
            import logging

            logging.getLogger(__name__).exception("kiosk printer not ready")

    def action_staff_exit(self) -> None:
        from queue_kiosk.kiosk.screens.staff_exit import StaffExitScreen

        if not isinstance(self.screen, StaffExitScreen):
            self.push_screen(StaffExitScreen(self.parts))


__all__ = ["KioskApp"]
