"""Alerts: printers, the central link, dead letters, services past their target."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual.widgets import DataTable

from branch.settings import BranchConfig
from counter_app.widgets.dashboard.format import DASH, clock_time, service_name
from queue_kiosk.dashboard_data import AlertLine
from tui.bidi import fill_table
from tui.lang import language_of

COLUMNS = (("since", "Since"), ("alert", "Alert"), ("where", "Where"), ("details", "Details"))
WHERE_CHARS, DETAILS_CHARS = 24, 34  # the table fits its panel: nothing hides off-screen
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


class AlertTable(DataTable):
    """Open alerts, newest first; the cursor row is the one F5 acknowledges."""

    def __init__(self, config: BranchConfig, tz: ZoneInfo, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.config, self.tz = config, tz
        self.alerts: tuple[AlertLine, ...] = ()

    def where(self, source: str, lang: str) -> str:
        kind, _, rest = source.partition(":")
        if kind == "service" and rest:
            return service_name(self.config, rest, lang)
        if kind == "outbox" and rest:
            return f"outbox #{rest}"
        return source

    def show(self, alerts: tuple[AlertLine, ...]) -> None:
        self.alerts = alerts
        lang = language_of(self)
        rows = []
        for a in alerts:
            details = lang.t(a.message)
            if a.acknowledged_by:
                details = f"{details} ({lang.t('seen by')} {a.acknowledged_by})"
            rows.append((alert_key(a), [
                clock_time(a.raised_at, self.tz), lang.t(KIND_LABELS.get(a.kind, a.kind)),
                clip(self.where(a.source, lang.lang), WHERE_CHARS),
                clip(details or DASH, DETAILS_CHARS),
            ]))  # fmt: skip
        row = self.cursor_row
        fill_table(self, [(k, lang.t(label)) for k, label in COLUMNS], rows, lang.lang, lang.bidi)
        if rows:
            self.move_cursor(row=min(max(row, 0), len(rows) - 1))

    @property
    def selected(self) -> AlertLine | None:
        if not self.alerts or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return next((a for a in self.alerts if alert_key(a) == key), None)
