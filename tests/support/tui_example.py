"""A tiny app built only from the `tui` toolkit, for its tests (no feature screens)."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlmodel import func, select
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from branch.clock import Clock
from branch.db import Database
from branch.models import Ticket, TicketStatus
from branch.settings import UISettings
from tui import bidi
from tui.clock import TabourClock
from tui.keymap import apply_keymap
from tui.lang import Language, LanguageChanged, language_of
from tui.live import DataChanged, start_live_updates
from tui.theme import BASE_TCSS, use_theme


class ExampleApp(App):
    CSS_PATH: ClassVar = [BASE_TCSS]
    BINDINGS: ClassVar = [Binding("f2", "toggle_lang", "Language", id="example.toggle_lang")]

    def __init__(self, db: Database | None, ui: UISettings, clock: Clock, lang: str) -> None:
        super().__init__()
        self.db, self.ui, self.clock = db, ui, clock
        self.language = Language(self, lang, ui.bidi)
        self.waiting = 0
        self.changes: list[DataChanged] = []

    def compose(self) -> ComposeResult:
        yield TabourClock(ZoneInfo("Asia/Amman"), self.clock, id="clock")
        yield Static(id="waiting", classes="text")
        yield DataTable(id="table")

    def on_mount(self) -> None:
        use_theme(self)
        apply_keymap(self, self.ui)
        self.render_text()
        if self.db is not None:
            start_live_updates(self, self.db)

    def action_toggle_lang(self) -> None:
        self.language.toggle()

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.render_text()

    def on_data_changed(self, message: DataChanged) -> None:
        self.changes.append(message)
        assert self.db is not None
        with self.db.read() as s:
            self.waiting = s.exec(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.status == TicketStatus.waiting)
            ).one()
        self.render_text()

    def render_text(self) -> None:
        lang = language_of(self)
        self.query_one("#waiting", Static).update(lang.label_value("Waiting", str(self.waiting)))
        bidi.fill_table(
            self.query_one("#table", DataTable),
            [("ticket", lang.t("Ticket")), ("service", lang.t("Service")),
             ("status", lang.t("Status"))],
            [("t1", ["A023", lang.t("Service"), lang.t("called")])],
            lang.lang, lang.bidi,
        )  # fmt: skip
