"""Alerts: printers, the central link, dead letters, services past their target."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from textual import events

from branch.settings import BranchConfig
from counter_app.widgets.dashboard.format import DASH, clock_time, service_name
from counter_app.widgets.dashboard.rtl_table import RtlTable
from queue_kiosk.dashboard_data import AlertLine, ServicePanel
from tui.bidi import fill_table
from tui.lang import language_of

COLUMNS = (("since", "Since"), ("alert", "Alert"), ("where", "Where"), ("details", "Details"))
WHERE_CHARS, DETAILS_CHARS, MIN_WHERE, MIN_DETAILS = 24, 60, 8, 8
PAST_TARGET = "longest wait {minutes} min, target {target} min"
KIND_LABELS = {
    "print_failed": "Printer failed",
    "printer_offline": "Printer offline",
    "paper_out": "Printer out of paper",
    "paper_near_end": "Paper nearly out",
    "service_past_target": "Service past its target",
    "central_down": "Central link down",
    "central_auth": "Central refuses our credentials",
    "dead_letters": "Undeliverable to central",
}


def clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def alert_key(alert: AlertLine) -> str:
    return f"{alert.kind}|{alert.source}"


class AlertTable(RtlTable):
    """Open alerts, newest first; the cursor row is the one F5 acknowledges."""

    def __init__(self, config: BranchConfig, tz: ZoneInfo, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.config, self.tz = config, tz
        self.alerts: tuple[AlertLine, ...] = ()
        self.services: dict[str, ServicePanel] = {}

    def where(self, source: str, lang: str) -> str:
        kind, _, rest = source.partition(":")
        if kind == "service" and rest:
            return service_name(self.config, rest, lang)
        if kind == "outbox" and rest:
            return f"outbox #{rest}"
        return source

    def details(self, alert: AlertLine, t: Callable[[str], str]) -> str:
        """The alert's details in the screen's language where the dashboard knows the figures
        (a service past its target), else the source's own text."""
        kind, _, code = alert.source.partition(":")
        panel = self.services.get(code) if kind == "service" else None
        if alert.kind == "service_past_target" and panel is not None:
            return t(PAST_TARGET).format(
                minutes=panel.longest_wait_s // 60, target=panel.target_wait_min
            )
        return t(alert.message)

    def show(self, alerts: tuple[AlertLine, ...], services: tuple[ServicePanel, ...] = ()) -> None:
        self.alerts = alerts
        self.services = {p.code: p for p in services}
        lang = language_of(self)
        lines = []
        for a in alerts:
            details = self.details(a, lang.t)
            if a.acknowledged_by:
                details = f"{details} ({lang.t('seen by')} {a.acknowledged_by})"
            lines.append((alert_key(a), clock_time(a.raised_at, self.tz),
                          lang.t(KIND_LABELS.get(a.kind, a.kind)),
                          clip(self.where(a.source, lang.lang), WHERE_CHARS), details or DASH))  # fmt: skip
        # the details take what the panel has left, so nothing hides off-screen (in Arabic the
        # first columns are on the right: a table wider than its panel would hide them)
        labels = [lang.t(label) for _, label in COLUMNS]

        def widest(i: int) -> int:
            return max([cell_len(labels[i]), *(cell_len(line[i + 1]) for line in lines)])

        fixed = widest(0) + widest(1) + 2 * self.cell_padding * len(COLUMNS) + 3  # + scrollbar
        room = (self.scrollable_content_region.width or 96) - fixed  # for where + details
        where_chars = min(widest(2), max(MIN_WHERE, room - MIN_DETAILS))
        details_chars = max(MIN_DETAILS, min(DETAILS_CHARS, room - where_chars))
        rows = [(key, [since, alert, clip(where, where_chars), clip(details, details_chars)])
                for key, since, alert, where, details in lines]  # fmt: skip
        row = self.cursor_row
        fill_table(self, list(zip([k for k, _ in COLUMNS], labels, strict=True)), rows, lang.lang,
                   lang.bidi)  # fmt: skip
        if rows:
            self.move_cursor(row=min(max(row, 0), len(rows) - 1))
        self.flush_right()

    @property
    def selected(self) -> AlertLine | None:
        if not self.alerts or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return next((a for a in self.alerts if alert_key(a) == key), None)

    def on_resize(self, _: events.Resize) -> None:
        self.show(self.alerts, tuple(self.services.values()))
