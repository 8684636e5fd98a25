"""Switching the language at run time: one `Language` per app, a `LanguageChanged` message.

    class HallApp(App):
        def __init__(self, settings):
            super().__init__()
            self.language = Language(self, settings.config.ui.default_lang,
                                     settings.config.ui.bidi)

    class HomeScreen(Screen):
        def compose(self):
            yield Static(language_of(self).show("Take a ticket"), id="title")

        def on_language_changed(self, _: LanguageChanged) -> None:
            self.refresh(recompose=True)  # or update the widgets that show text

`t()` translates (logical order: for storage, printing, logs); `show()` translates and
renders for the terminal (bidi, see `tui.bidi`). `set()`/`toggle()` post `LanguageChanged`
to the app and every screen in the stack and set the app's `-rtl`/`-ltr` class, which
`base.tcss` uses to right-align Arabic and dock sidebars on the right.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App
from textual.dom import DOMNode
from textual.message import Message

from branch.i18n import LANGS, gettext
from tui import bidi as _bidi


class LanguageChanged(Message, bubble=False):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang


class Language:
    """The app's current language and bidi mode, and translators bound to them."""

    def __init__(self, app: App, lang: str = "ar", bidi: _bidi.Bidi = "app") -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        self.app = app
        self.lang = lang
        self.bidi: _bidi.Bidi = bidi
        self._set_class()

    @property
    def is_rtl(self) -> bool:
        return _bidi.is_rtl(self.lang)

    def t(self, message: str) -> str:
        """The translation, in logical order."""
        return gettext(message, self.lang)

    def show(self, message: str) -> str:
        """The translation, ready for the terminal."""
        return _bidi.text(gettext(message, self.lang), self.lang, self.bidi)

    def text(self, value: str) -> str:
        """Already-translated text (a service name from settings) ready for the terminal."""
        return _bidi.text(value, self.lang, self.bidi)

    def row(self, parts: Sequence[str], sep: str = "  ") -> str:
        return _bidi.row(parts, self.lang, self.bidi, sep)

    def label_value(self, label: str, value: str) -> str:
        return _bidi.label_value(self.t(label), value, self.lang, self.bidi)

    def set(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        if lang == self.lang:
            return
        self.lang = lang
        self._set_class()
        for node in (self.app, *self.app.screen_stack):
            node.post_message(LanguageChanged(lang))

    def toggle(self) -> None:
        self.set("en" if self.lang == "ar" else "ar")

    def _set_class(self) -> None:
        self.app.set_class(self.is_rtl, "-rtl")
        self.app.set_class(not self.is_rtl, "-ltr")


def language_of(node: DOMNode) -> Language:
    """The `Language` of the app `node` belongs to (the app sets `self.language`)."""
    language = getattr(node.app, "language", None)
    if not isinstance(language, Language):
        raise RuntimeError("this app has no `language` (create tui.lang.Language in __init__)")
    return language


__all__ = ["Language", "LanguageChanged", "language_of"]
