"""My queue: per service the counter serves, how many wait, the oldest wait against the
service's target (amber near it, red past it), and the next codes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from counter_app.widgets.timefmt import duration
from queue_kiosk.counter_view import CounterQueue, LineView
from tui import bidi
from tui.lang import language_of

NEAR = 0.75  # share of the target from which a wait shows amber


def wait_class(line: LineView) -> str:
    """`wait-past`, `wait-near` or '' (the classes base.tcss colours)."""
    if line.target_wait_min is None or not line.waiting:
        return ""
    target = line.target_wait_min * 60
    if line.oldest_wait_s > target:
        return "wait-past"
    return "wait-near" if line.oldest_wait_s >= NEAR * target else ""


class QueueTable(DataTable):
    def __init__(self, **kw) -> None:
        super().__init__(cursor_type="none", zebra_stripes=False, **kw)
        self.queue: CounterQueue | None = None
        self.elapsed_s = 0

    def show(self, queue: CounterQueue) -> None:
        self.queue = queue
        self.fill()

    def fill(self) -> None:
        lang = language_of(self)
        q = self.queue
        columns = [
            ("service", lang.t("Service")), ("waiting", lang.t("Waiting")),
            ("oldest", lang.t("Oldest wait")), ("target", lang.t("Target")),
            ("next", lang.t("Next")),
        ]  # fmt: skip
        rows: list[tuple[str, list[str]]] = []
        styles: dict[str, str] = {}
        lines = [] if q is None else [*q.lines, *([q.assigned] if q.assigned else [])]
        for line in lines:
            key = line.service or "assigned"
            name = line.name_ar if lang.lang == "ar" else line.name_en
            if line.service is None:
                name = lang.t("Sent to this counter")
            target = f"{line.target_wait_min} {lang.t('min')}" if line.target_wait_min else "—"
            rows.append((key, [
                name, str(line.waiting), duration(line.oldest_wait_s) if line.waiting else "—",
                target, " ".join(line.next_codes[:3]),
            ]))  # fmt: skip
            styles[key] = wait_class(line)
        self._fill(columns, rows)
        theme = self.app.current_theme
        colours = {
            "wait-past": f"bold {theme.foreground} on {theme.error}",
            "wait-near": f"bold {theme.warning}",
        }
        for key, cls in styles.items():
            if not cls:
                continue
            cell: Text = self.get_cell(key, "oldest")
            self.update_cell(key, "oldest", Text(cell.plain, style=colours[cls],
                                                 justify=cell.justify))  # fmt: skip

    def _fill(self, columns: list[tuple[str, str]], rows: list[tuple[str, list[str]]]) -> None:
        """`tui.bidi.fill_table` with each column's width given: auto widths are settled
        only when the table is next idle, and a busy screen showed clipped names meanwhile."""
        lang = language_of(self)
        self.clear(columns=True)
        keyed = [(key, bidi.cell(label, lang.lang, lang.bidi)) for key, label in columns]
        cells = [[bidi.cell(c, lang.lang, lang.bidi) for c in row] for _, row in rows]
        for i, (key, label) in bidi.ordered(list(enumerate(keyed)), lang.lang):
            width = max([label.cell_len, *(row[i].cell_len for row in cells)])
            self.add_column(label, key=key, width=width)
        for (key, _), row in zip(rows, cells, strict=True):
            self.add_row(*bidi.ordered(row, lang.lang), key=key)


__all__ = ["QueueTable", "wait_class"]
