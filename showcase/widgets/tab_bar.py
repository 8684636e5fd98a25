"""The demo's tab bar: one line on top of every hosted screen, naming each tab and its key."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tui.lang import LanguageChanged, language_of


def key_label(key: str) -> str:
    """`alt+1` -> `Alt+1`, `ctrl+q` -> `Ctrl+Q` (the way a keyboard says it)."""
    return "+".join(p.upper() if len(p) == 1 else p.capitalize() for p in key.split("+"))


class TabBar(Widget):
    """Reads the tabs, the current one and the printed count from the app
    (`ShowcaseApp.tab_entries()`); mirrored in Arabic (the first tab on the right)."""

    DEFAULT_CSS = """
    TabBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def render(self) -> Text:
        lang = language_of(self)
        entries = getattr(self.app, "tab_entries", lambda: [])()
        parts: list[Text] = []
        for number, title, current in entries:
            label = f" {number} {lang.show(title)} "
            parts.append(Text(label, style="bold reverse" if current else ""))
        extra = [
            Text(f" {key_label('f1')} {lang.show('Next tab')} "),
            Text(f" {key_label('ctrl+l')} {lang.show('Language')} "),
            Text(f" {key_label('ctrl+q')} {lang.show('Quit')} "),
        ]
        items = [*parts, *extra]
        if lang.is_rtl:
            items.reverse()
        line = Text("│").join(items)
        if lang.is_rtl:
            line.align("right", self.size.width)
        return line

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.refresh()
