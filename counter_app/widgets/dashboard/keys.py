"""The keys a screen answers, shown in the screen's language (Textual's Footer is English)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from tui.lang import language_of


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
                found[b.id] = f"{self.app.get_key_display(b)} {lang.t(b.description)}"
        parts = [found[i] for i in order if i in found and i.startswith(self.prefix)]
        self.update(lang.row(parts, sep="   "))
