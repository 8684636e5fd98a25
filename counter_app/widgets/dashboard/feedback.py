"""Visitor ratings and complaints today."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from branch.settings import NamedCode
from queue_kiosk.dashboard_data import FeedbackSummary
from tui.bidi import block
from tui.lang import language_of

MAX_RECENT = 5


class FeedbackPanel(Static):
    def __init__(self, categories: Sequence[NamedCode] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.categories = {c.code: c for c in categories}
        self.summary: FeedbackSummary | None = None
        self.available = True

    def show(self, summary: FeedbackSummary | None, available: bool = True) -> None:
        self.summary, self.available = summary, available
        lang = language_of(self)
        if summary is None:
            msg = "No ratings yet today" if available else "Ratings are not recorded here"
            self.update(Text(lang.show(msg), justify="right" if lang.is_rtl else "left"))
            return
        avg = "-" if summary.average_rating is None else f"{summary.average_rating:.1f} / 5"
        lines = [
            f"{lang.t('Ratings today')}: {summary.ratings}",
            f"{lang.t('Average rating')}: {avg}",
            f"{lang.t('Complaints')}: {summary.complaints}",
        ]
        lines += [f"- {self.complaint(r, lang.lang)}" for r in summary.recent[:MAX_RECENT]]
        self.update(block("\n".join(lines), lang.lang, lang.bidi))

    def complaint(self, line: str, lang: str) -> str:
        """`category: text` with the category's name (settings) in the screen's language."""
        code, sep, text = line.partition(": ")
        named = self.categories.get(code)
        if named is None:
            return line
        name = named.name_ar if lang == "ar" else named.name_en
        return f"{name}{sep}{text}"
