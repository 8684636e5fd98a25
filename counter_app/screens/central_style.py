"""The stylesheet of the counter's central panels (`counter_app/central.tcss`).

Each of these screens names it in `CSS_PATH`; Textual reads a screen's file once, for the
whole app, so the host app (the counter shell, or the whole-branch demo) needs nothing more
than `tui/base.tcss`.
"""

from __future__ import annotations

from pathlib import Path

CENTRAL_TCSS = Path(__file__).resolve().parent.parent / "central.tcss"

__all__ = ["CENTRAL_TCSS"]
