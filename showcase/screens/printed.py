"""What the branch's devices produced during the demo: every ticket and receipt the virtual
printers printed (with the PNG to open), what each counter display shows, and the demo's
background services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from showcase.messages import PrintedJobs
from showcase.widgets.tab_bar import TabBar
from tui import bidi
from tui.lang import LanguageChanged, language_of

if TYPE_CHECKING:
    from showcase.parts import ShowcaseParts


class PrintedScreen(Screen):
    AUTO_FOCUS = "#printed-table"

    def __init__(self, parts: ShowcaseParts) -> None:
        super().__init__(id="printed-screen")
        self.parts = parts
        self.latest: PrintedJobs | None = None

    def compose(self) -> ComposeResult:
        yield TabBar()
        yield Static(id="printed-title", classes="text")
        yield DataTable(id="printed-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="printed-bottom"):
            yield Static(id="printed-displays", classes="text")
            with Vertical(id="printed-status-box"):
                yield Static(id="printed-status", classes="text")

    def on_mount(self) -> None:
        self._show()

    def on_language_changed(self, _: LanguageChanged) -> None:
        self._show()

    def on_printed_jobs(self, message: PrintedJobs) -> None:
        self.latest = message
        self._show()

    def _show(self) -> None:
        lang = language_of(self)
        jobs = self.latest.jobs if self.latest else []
        self.query_one("#printed-title", Static).update(
            lang.label_value("Printed since the demo started", str(len(jobs)))
        )
        table = self.query_one("#printed-table", DataTable)
        columns = [("printer", lang.t("Printer")), ("job", lang.t("Job")),
                   ("png", lang.t("Picture"))]  # fmt: skip
        rows = [
            (str(i), [j.printer_title(lang.t), j.label, str(j.path)])
            for i, j in enumerate(reversed(jobs))
        ]
        bidi.fill_table(table, columns, rows, lang.lang, lang.bidi)
        displays = self.latest.displays if self.latest else {}
        lines = [lang.show("Counter displays")]
        for name, text in sorted(displays.items(), key=lambda kv: int(kv[0])):
            lines.append(lang.text(lang.t("Counter {n}").format(n=name)))
            lines += [f"  |{row}|" for row in text.splitlines()]
        self.query_one("#printed-displays", Static).update("\n".join(lines))
        status = getattr(self.app, "status_lines", lambda: [])()
        self.query_one("#printed-status", Static).update("\n".join(status))
