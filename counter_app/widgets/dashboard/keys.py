"""The keys a screen answers, shown in the screen's language (Textual's Footer is English)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from tui.lang import language_of

NAMES = {"ctrl": "Ctrl", "shift": "Shift", "alt": "Alt", "escape": "Esc", "enter": "Enter"}


def key_name(key: str) -> str:
    """`ctrl+l` -> `Ctrl+L`, `f2` -> `F2`, `escape` -> `Esc`: one Latin run in Arabic too."""
    return "+".join(NAMES.get(k, k.upper() if len(k) <= 3 else k.title()) for k in key.split("+"))


class KeyBar(Static):
    """`F2 Open counter  F3 Close counter ...` from the screen's bindings with this prefix,
    keys as remapped by `[ui.keys]`; mirrored in Arabic."""

    def __init__(self, prefix: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix

    def on_mount(self) -> None:
        self.call_after_refresh(self.relabel)

    def relabel(self) -> None:
        lang = language_of(self)
        order = [b.id for b in type(self.screen).BINDINGS if isinstance(b, Binding) and b.id]
        found: dict[str, str] = {}
        for active in self.screen.active_bindings.values():
            b = active.binding
            if b.id in order and b.show and b.id not in found:
                found[b.id] = f"{key_name(b.key)} {lang.t(b.description)}"
        parts = [found[i] for i in order if i in found and i.startswith(self.prefix)]
        self.update(lang.row(parts, sep="   "))
