"""The header: branch, counter, staff member, central link and outbox backlog, clock."""

from __future__ import annotations

from dataclasses import dataclass

from textual.reactive import reactive
from textual.widgets import Static

from sync.problems import FAULT_LABELS
from tui.lang import language_of


@dataclass(frozen=True)
class LinkState:
    """What the header says about central: known only once a worker asked."""

    online: bool | None = None  # None: not known (yet), or the status module is not installed
    backlog: int = 0
    fault: str | None = None


class CounterHeader(Static):
    """One mirrored line; the screen sets its parts and the clock text."""

    link: reactive[LinkState] = reactive(LinkState)
    clock_text: reactive[str] = reactive("")

    def __init__(self, branch_ar: str, branch_en: str, counter: int, staff: str, **kw) -> None:
        super().__init__(**kw)
        self.branch = {"ar": branch_ar, "en": branch_en}
        self.counter, self.staff = counter, staff

    def render(self) -> str:
        lang = language_of(self)
        link = self.link
        if link.online is None:
            central = lang.t("central: unknown")
        elif link.online:
            central = lang.t("central online")
        else:
            central = lang.t("central OFFLINE")
            if link.fault:
                central += " · " + lang.t(FAULT_LABELS.get(link.fault, link.fault))
        if link.backlog:
            central += " · " + lang.t("outbox {n}").format(n=link.backlog)
        parts = [
            self.branch.get(lang.lang, self.branch["en"]),
            lang.t("counter {n}").format(n=self.counter),
            self.staff,
            central,
            self.clock_text,
        ]
        return lang.row(parts, sep="  │  ")

    def watch_link(self, link: LinkState) -> None:
        self.set_class(link.online is False, "offline")


__all__ = ["CounterHeader", "LinkState"]
