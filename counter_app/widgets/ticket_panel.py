"""The counter's current ticket: code, service, priority mark, "urgent: fee due", how long the
customer waited and, while serving, the serving timer. Idle and paused states say what to do."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from branch.settings import BranchConfig
from counter_app.widgets.timefmt import duration
from queue_kiosk.counter_view import CounterQueue
from tui.lang import language_of

PRIORITY_MARK = {"elderly": "◆", "disabled": "◆", "pregnant": "◆", "urgent": "▲"}


class TicketPanel(Static):
    """Renders a `CounterQueue`'s current ticket; `elapsed_s` (since the read) keeps the
    timers moving between reads without asking the database."""

    def __init__(self, config: BranchConfig, **kw) -> None:
        super().__init__("", **kw)
        self.config = config
        self.queue: CounterQueue | None = None
        self.elapsed_s = 0

    def show(self, queue: CounterQueue, elapsed_s: int = 0) -> None:
        self.queue, self.elapsed_s = queue, elapsed_s
        cur = queue.current
        self.set_class(cur is not None and cur.status == "called", "is-called")
        self.set_class(cur is not None and cur.status == "serving", "is-serving")
        self.set_class(queue.status == "paused", "is-paused")
        self.refresh()

    def tick(self, elapsed_s: int) -> None:
        self.elapsed_s = elapsed_s
        if self.queue is not None and self.queue.current is not None:
            self.refresh()

    def _line(self, text: str, style: str = "") -> Text:
        lang = language_of(self)
        return Text(lang.text(text), style=style, justify="right" if lang.is_rtl else "left")

    def render(self) -> Text:
        """One `Text` (not a Rich group), so the CSS `text-align` mirrors it in Arabic."""
        return Text("\n").join(self._lines())

    def _lines(self) -> list[Text]:
        lang = language_of(self)
        q = self.queue
        title = self._line(lang.t("Current ticket"), "bold")
        if q is None:
            return [title, self._line(lang.t("loading…"))]
        cur = q.current
        lines: list[Text] = [title, Text("")]
        if cur is None:
            if q.status == "paused":
                reason = q.pause_reason or ""
                lines.append(self._line(lang.t("Paused") + f": {self._reason(reason)}", "bold"))
                lines.append(self._line(lang.t("F11 resumes calling.")))
            else:
                lines.append(self._line(lang.t("No ticket at this counter."), "bold"))
                lines.append(self._line(lang.t("F2 calls the next customer.")))
        else:
            code = cur.code
            mark = PRIORITY_MARK.get(cur.priority, "")
            lines.append(Text(f"{mark} {code} {mark}".strip(), style="bold", justify="center"))
            lines.append(Text(""))
            lines.append(self._line(self._service(cur.service), "bold"))
            status = lang.t(cur.status)
            if cur.priority != "normal":
                status += " · " + lang.t(cur.priority)
            lines.append(self._line(status))
            for note in cur.notes:
                lines.append(self._line("⚠ " + lang.t(note), "bold reverse"))
            lines.append(self._line(lang.t("Waited") + f": {duration(cur.waited_s)}"))
            if cur.serving_s is not None:
                serving = duration(cur.serving_s + self.elapsed_s)
                lines.append(self._line(lang.t("Serving for") + f": {serving}", "bold"))
        if q.parked:
            codes = " ".join(p.code for p in q.parked)
            lines.append(Text(""))
            lines.append(self._line(lang.t("Parked") + f": {codes}"))
        return lines

    def _service(self, code: str) -> str:
        lang = language_of(self)
        try:
            cfg = self.config.service(code)
        except KeyError:
            return code
        return cfg.name_ar if lang.lang == "ar" else cfg.name_en

    def _reason(self, code: str) -> str:
        lang = language_of(self)
        for r in self.config.queue.pause_reasons:
            if r.code == code:
                return r.name_ar if lang.lang == "ar" else r.name_en
        return code


__all__ = ["TicketPanel"]
