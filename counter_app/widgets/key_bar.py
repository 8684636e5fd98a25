"""The visible key bar: the keys as they are now (after `[ui.keys]` remaps), translated and
mirrored in Arabic."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from tui.lang import language_of


def key_label(key: str) -> str:
    """`f2` → `F2`, `ctrl+p` → `Ctrl+P`, `enter` → `Enter`: how staff read keys."""
    return "+".join(p.upper() if len(p) == 1 or (p[0] == "f" and p[1:].isdigit()) else p.title()
                    for p in key.split("+"))  # fmt: skip


class KeyBar(Static):
    def __init__(self, bindings: list[Binding], per_row: int = 8, **kw) -> None:
        super().__init__("", **kw)
        self.bindings = bindings
        self.per_row = per_row

    def keys_for(self, binding: Binding) -> str:
        keymap = getattr(self.app, "_keymap", {}) or {}
        keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
        return key_label(keys.split(",")[0].strip())

    def render(self) -> str:
        lang = language_of(self)
        items = [f"{self.keys_for(b)} {lang.t(b.description)}" for b in self.bindings]
        rows = [items[i : i + self.per_row] for i in range(0, len(items), self.per_row)]
        return "\n".join(lang.row(r, sep="  ") for r in rows)


__all__ = ["KeyBar"]
