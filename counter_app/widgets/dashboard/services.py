"""Per service: waiting now, the longest wait against the target, today's figures.

A grid of cells rather than a `DataTable`, so the longest-wait cell carries the shared classes
`wait-near` / `wait-past` (tui/base.tcss) and the theme colours it. Rows are built once per
language (mirrored in Arabic: the service name on the right); a refresh only updates cells.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from branch.settings import BranchConfig
from counter_app.widgets.dashboard.format import duration, service_name, share
from queue_kiosk.dashboard_data import ServicePanel
from tui.bidi import ordered
from tui.lang import language_of

# (key, label msgid, width in cells)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("service", "Service", 34),
    ("waiting", "Waiting", 11),
    ("longest", "Longest / target", 17),
    ("avg", "Average wait", 14),
    ("p90", "90% waited under", 18),
    ("within", "Within target", 14),
    ("service_time", "Average service", 17),
    ("no_show", "No-show rate", 16),
    ("open", "Open counters", 14),
)
STATE_CLASS = {"near": "wait-near", "late": "wait-past"}
DROP_FIRST = ("open", "no_show", "service_time", "p90")  # on a narrow terminal, in this order
NAME_MIN = 26


def columns_for(width: int) -> tuple[tuple[str, str, int], ...]:
    """The columns that fit `width` cells: the service name shrinks first, then the least
    urgent figures go (the wait against the target always stays)."""
    cols = list(COLUMNS)
    spare = width - sum(w for _, _, w in cols)
    if spare < 0:
        shrink = min(-spare, cols[0][2] - NAME_MIN)
        cols[0] = (cols[0][0], cols[0][1], cols[0][2] - shrink)
    for key in DROP_FIRST:
        if sum(w for _, _, w in cols) <= width:
            break
        cols = [c for c in cols if c[0] != key]
    return tuple(cols)


def cells(p: ServicePanel, config: BranchConfig, lang: str) -> dict[str, str]:
    return {
        "service": f"{p.prefix}  {service_name(config, p.code, lang)}",
        "waiting": str(p.waiting),
        "longest": f"{duration(p.longest_wait_s if p.waiting else None)} / {p.target_wait_min}:00",
        "avg": duration(p.avg_wait_s),
        "p90": duration(p.p90_wait_s),
        "within": share(p.within_target_share),
        "service_time": duration(p.avg_service_s),
        "no_show": share(p.no_show_rate),
        "open": str(p.open_counters),
    }


class ServiceBoard(Vertical):
    """One row per active service; `show()` updates it from a snapshot."""

    def __init__(self, config: BranchConfig, **kwargs) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.codes = [s.code for s in config.services if s.active]
        self.panels: tuple[ServicePanel, ...] = ()
        self.columns = COLUMNS

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        self.columns = columns_for(self.app.size.width - 4)  # borders and a margin
        with Horizontal(classes="board-row board-head"):
            for key, label, width in ordered(self.columns, lang.lang):
                yield self._cell(lang.show(label), width, f"head-{key}", key)
        for code in self.codes:
            with Horizontal(classes="board-row", id=f"svc-{code}"):
                for key, _, width in ordered(self.columns, lang.lang):
                    yield self._cell("", width, f"svc-{code}-{key}", key)

    def on_resize(self) -> None:
        if columns_for(self.app.size.width - 4) != self.columns:
            self.relabel()

    @staticmethod
    def _cell(content: str, width: int, cell_id: str, key: str) -> Static:
        cell = Static(content, id=cell_id, classes=f"cell col-{key}")
        cell.styles.width = width
        return cell

    def on_mount(self) -> None:
        self.show(self.panels)

    def show(self, panels: tuple[ServicePanel, ...]) -> None:
        self.panels = panels
        if not self.is_mounted:
            return
        lang = language_of(self)
        for p in panels:
            if p.code not in self.codes:
                continue
            shown = {key for key, _, _ in self.columns}
            for key, value in cells(p, self.config, lang.lang).items():
                if key not in shown:
                    continue
                cell = self.query_one(f"#svc-{p.code}-{key}", Static)
                text = lang.text(value) if key == "service" else value
                if str(cell.content) != text:
                    cell.update(text)
            longest = self.query_one(f"#svc-{p.code}-longest", Static)
            state = p.longest_state if p.waiting else "ok"
            longest.set_class(state == "near", "wait-near")
            longest.set_class(state == "late", "wait-past")

    def relabel(self) -> None:
        """The language changed: rebuild the rows mirrored, then fill them again."""
        self.refresh(recompose=True)
        self.call_after_refresh(self.show, self.panels)
