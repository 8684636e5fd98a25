"""The badge that says a record came from the branch's offline copy, and how old it is."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from textual.widgets import Static

from counter_app.widgets.money import local_time
from tui.lang import language_of


class StaleBadge(Static):
    """Hidden for a fresh answer; `OFFLINE copy as of 2026-03-15 10:30` for a stale one."""

    DEFAULT_CSS = """
    StaleBadge { width: auto; height: 1; padding: 0 1; display: none; }
    StaleBadge.-stale { display: block; background: $warning; color: $background;
                        text-style: bold; }
    """

    def __init__(self, tz: ZoneInfo, **kw) -> None:
        super().__init__("", **kw)
        self.tz = tz
        self.as_of: datetime | None = None

    def show(self, stale: bool, as_of: datetime | None) -> None:
        self.as_of = as_of if stale else None
        self.render_badge()

    def render_badge(self) -> None:
        self.set_class(self.as_of is not None, "-stale")
        if self.as_of is None:
            self.update("")
            return
        lang = language_of(self)
        when = local_time(self.as_of, self.tz)
        # The time is its own part: inside an Arabic run a date's digits would be reordered.
        self.update(lang.row([lang.t("OFFLINE copy as of"), when], sep=" "))


__all__ = ["StaleBadge"]
