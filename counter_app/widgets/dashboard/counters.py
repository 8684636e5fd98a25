"""Per counter: status, staff, current ticket, served today, idle time (a mirrored table)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from branch.i18n import gettext
from branch.settings import BranchConfig
from counter_app.widgets.dashboard.format import DASH, clock_time, duration, prefixes
from counter_app.widgets.dashboard.rtl_table import RtlTable
from queue_kiosk.dashboard_data import CounterPanel
from tui.bidi import fill_table
from tui.lang import language_of

COLUMNS = (
    ("counter", "Counter"),
    ("status", "Status"),
    ("staff", "Staff"),
    ("services", "Services"),
    ("ticket", "Ticket"),
    ("since", "Since"),
    ("served", "Served"),
    ("idle", "Idle time"),
)


class CounterTable(RtlTable):
    """The branch's counters; the cursor row is the counter a manager action applies to."""

    def __init__(self, config: BranchConfig, tz: ZoneInfo, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.config, self.tz = config, tz
        self.panels: tuple[CounterPanel, ...] = ()

    def show(self, panels: tuple[CounterPanel, ...]) -> None:
        self.panels = panels
        lang = language_of(self)
        rows = []
        for c in panels:
            ticket = DASH
            if c.ticket:
                ticket = f"{c.ticket} {lang.t(c.ticket_status or '')}".strip()
            idle = duration(c.idle_today_s)
            if c.idle_now_s is not None:
                idle = f"{idle} ({duration(c.idle_now_s)})"
            rows.append((str(c.number), [
                str(c.number), self.status(c, lang.lang), c.staff or DASH,
                prefixes(self.config, c.services), ticket, clock_time(c.since, self.tz),
                str(c.served_today), idle,
            ]))  # fmt: skip
        row = self.cursor_row
        fill_table(self, [(k, lang.t(label)) for k, label in COLUMNS], rows, lang.lang, lang.bidi)
        if rows:
            self.move_cursor(row=min(max(row, 0), len(rows) - 1))
        self.flush_right()

    def status(self, c: CounterPanel, lang: str) -> str:
        """`paused: Break` (the reason's name from settings), else the status."""
        shown = gettext(c.status, lang)
        reason = next((r for r in self.config.queue.pause_reasons if r.code == c.pause_reason),
                      None)  # fmt: skip
        if reason is None:
            return shown
        return f"{shown}: {reason.name_ar if lang == 'ar' else reason.name_en}"

    @property
    def selected(self) -> CounterPanel | None:
        if not self.panels or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return next((c for c in self.panels if str(c.number) == key), None)
