"""`tabour counter`: the screen counter staff live in all day.

The app is a thin host: it owns the language, the theme, the key map and the live-update
watch, starts on the login screen and shows the main screen once someone signs in. The screens
take their parts (database, engine, clock, central link, printer) from `CounterParts`, so the
whole-branch demo can host them too.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.screen import ModalScreen

from branch.staff import save_lang
from counter_app import keys
from counter_app.messages import SignedIn, SignedOut
from counter_app.parts import CounterParts
from counter_app.screens.login import LoginScreen
from counter_app.screens.main import MainScreen
from tui.keymap import apply_keymap
from tui.lang import Language
from tui.live import start_live_updates
from tui.theme import BASE_TCSS, use_theme


class CounterApp(App):
    CSS_PATH: ClassVar = [BASE_TCSS, "counter.tcss"]
    BINDINGS: ClassVar = keys.APP
    ENABLE_COMMAND_PALETTE = False  # Ctrl+P is the payment key
    TITLE = "Tabour counter"

    def __init__(self, parts: CounterParts, lang: str | None = None, live: bool = True) -> None:
        super().__init__()
        self.parts = parts
        ui = parts.settings.config.ui
        self.language = Language(self, lang or ui.default_lang, ui.bidi)
        self.live = live
        self.login = LoginScreen(parts, parts.counter, id="login-screen")
        self.main: MainScreen | None = None

    def on_mount(self) -> None:
        use_theme(self)
        apply_keymap(self, self.parts.settings.config.ui)
        self.push_screen(self.login)
        if self.live:
            start_live_updates(self, self.parts.db)

    def on_signed_in(self, message: SignedIn) -> None:
        self.main = MainScreen(self.parts, message.actor, message.counter, id="main-screen")
        self.push_screen(self.main)

    def on_signed_out(self, message: SignedOut) -> None:
        while self.screen is not self.login and len(self.screen_stack) > 1:
            self.pop_screen()
        self.main = None
        self.login.reset()
        lang = self.language
        self.login.query_one("#status").say(
            lang.t("Signed out; counter {n} is {status}").format(
                n=message.counter, status=lang.t(message.leave)
            )
        )

    def action_language(self) -> None:
        self.language.toggle()
        main = self.main
        if main is None or main.actor.username is None:
            return
        username, lang, db = main.actor.username, self.language.lang, self.parts.db

        def work() -> None:
            with db.write() as s:
                save_lang(s, username, lang)

        self.run_worker(work, thread=True, group="save-lang", exit_on_error=False)

    def action_sign_out(self) -> None:
        """Ctrl+Q: on the login screen, quit; at the counter, sign out (closed or paused)."""
        if self.screen is self.login:
            self.exit()
            return
        if isinstance(self.screen, ModalScreen) or self.main is None:
            self.bell()
            return
        while self.screen is not self.main:
            self.pop_screen()
        main = self.main
        main.ask_sign_out(lambda leave: self.post_message(SignedOut(main.counter, leave)))


__all__ = ["CounterApp"]
