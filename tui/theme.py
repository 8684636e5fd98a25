"""The Tabour theme and the shared stylesheet every app's own `.tcss` builds on.

    class HallApp(App):
        CSS_PATH = [BASE_TCSS, "hall.tcss"]

        def on_mount(self) -> None:
            use_theme(self)

High contrast for kiosks in bright halls and TVs across a room: near-black background,
near-white text, a yellow accent (`$accent`) for "called", amber `$warning` for a wait near
its target and red `$error` past it. `base.tcss` names the classes (`.called`, `.wait-near`,
`.wait-past`, `.-rtl`) so every front-end means the same thing by them.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.theme import Theme

BASE_TCSS = Path(__file__).with_name("base.tcss")

TABOUR = Theme(
    name="tabour",
    primary="#3B82F6",
    secondary="#14B8A6",
    accent="#FACC15",  # called
    warning="#F59E0B",  # wait near its target
    error="#EF4444",  # wait past its target, failures
    success="#22C55E",
    foreground="#F5F5F5",
    background="#0B0F14",
    surface="#151B23",
    panel="#1F2937",
    dark=True,
    variables={
        "footer-key-foreground": "#FACC15",
        "block-cursor-text-style": "bold",
    },
)


def use_theme(app: App) -> None:
    app.register_theme(TABOUR)
    app.theme = TABOUR.name


__all__ = ["BASE_TCSS", "TABOUR", "use_theme"]
