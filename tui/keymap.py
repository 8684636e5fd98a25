"""Key remaps from `[ui.keys]` in branch.toml, loaded into Textual's keymap.

Every `Binding` in a Tabour app has an `id` (e.g. `counter.call_next`); a branch remaps it:

    [ui.keys]
    "counter.call_next" = "f5,ctrl+n"

Settings validate ids and key names (a bad one is one config-error line naming the key);
`apply_keymap(app, ui)` in the app's `on_mount` (or `__init__`) does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import App
from textual.binding import Binding

from branch.settings import UISettings


def apply_keymap(app: App, ui: UISettings | Mapping[str, str]) -> dict[str, str]:
    """Load the remaps into `app`; returns the keymap applied."""
    keys = dict(ui.keys if isinstance(ui, UISettings) else ui)
    app.set_keymap(keys)
    return keys


def binding_ids(*bindings: Binding | tuple) -> list[str]:
    """The ids of a `BINDINGS` list (for docs and checks that every binding has one)."""
    return [b.id for b in bindings if isinstance(b, Binding) and b.id]


__all__ = ["apply_keymap", "binding_ids"]
