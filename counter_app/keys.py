"""Every key of the counter app, in one place: one `Binding` per action, each with an `id`
(`counter.*`) a branch remaps in `branch.toml` (`[ui.keys]`, see `tui.keymap`).

The action keys are `priority` bindings of the main screen, so they act whatever widget has
focus; a dialog on top of it is a screen of its own, where they do nothing.
"""

from __future__ import annotations

from textual.binding import Binding

# The main screen's actions, in the order the key bar shows them.
MAIN: list[Binding] = [
    Binding("f2", "call_next", "Call next", id="counter.call_next", priority=True),
    Binding("f3", "call_code", "Call code", id="counter.call_code", priority=True),
    Binding("f4", "recall", "Recall", id="counter.recall", priority=True),
    Binding("f5", "serve", "Serve", id="counter.serve", priority=True),
    Binding("f6", "finish", "Finish", id="counter.finish", priority=True),
    Binding("f7", "no_show", "No-show", id="counter.no_show", priority=True),
    Binding("f8", "transfer", "Transfer", id="counter.transfer", priority=True),
    Binding("f9", "park", "Park/take back", id="counter.park", priority=True),
    Binding("f10", "walk_in", "Walk-in", id="counter.walk_in", priority=True),
    Binding("f11", "pause", "Pause/resume", id="counter.pause", priority=True),
    Binding("f12", "contributor", "Contributor", id="counter.contributor", priority=True),
    Binding("ctrl+p", "payment", "Payment", id="counter.payment", priority=True),
    Binding("ctrl+d", "dashboard", "Dashboard", id="counter.dashboard", priority=True),
]

# The app's own keys: they work on every screen (the login screen too).
APP: list[Binding] = [
    Binding("ctrl+l", "language", "Language", id="counter.language", priority=True),
    Binding("ctrl+q", "sign_out", "Sign out", id="counter.sign_out", priority=True),
]

ALL_IDS: list[str] = [b.id for b in (*MAIN, *APP) if b.id]

__all__ = ["ALL_IDS", "APP", "MAIN"]
