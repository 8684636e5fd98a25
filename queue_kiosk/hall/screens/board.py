"""The now-serving board: the newest call in block letters, the last calls, the waiting counts.

Data comes from `queue_kiosk.hall_view` in a thread worker, on every `DataChanged` (never on a
timer); loads are serialised and coalesced (a change during a load asks for one more load), so
a burst of calls costs at most two reads and the screen never shows an older read after a
newer one. A call or recall newer than the last one seen is highlighted for
`[hall] highlight_s` and rings the chime; the serial displays get each read from the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from branch.i18n import gettext
from queue_kiosk.hall.messages import CallAnnounced, HallLoaded
from queue_kiosk.hall.parts import HallParts
from queue_kiosk.hall.widgets.big_text import BigText
from queue_kiosk.hall_view import CallTracker, HallCall, HallState, load_hall
from tui import bidi
from tui.clock import TabourClock
from tui.lang import LanguageChanged, language_of
from tui.live import DataChanged

log = logging.getLogger(__name__)
_NEVER = object()


class BoardScreen(Screen):
    """The hall board; takes its parts (db, settings, clock, chime, displays) from `HallParts`."""

    AUTO_FOCUS = None
    BINDINGS: ClassVar = []

    def __init__(self, parts: HallParts, **kwargs) -> None:
        super().__init__(**kwargs)
        self.parts = parts
        self.state: HallState | None = None
        self.highlighted: HallCall | None = None
        self.loads = 0  # reads applied, for tests and diagnostics
        self.rung = 0  # chimes asked for
        self.tracker = CallTracker()
        self._loading = False
        self._pending = False
        self._seq = 0
        self._timer: Timer | None = None
        self._shown: dict[str, object] = {}
        self._recomposing = False
        self._rows: dict[str, int] = {}

    # -- text in the board's language mode ------------------------------------------------
    @property
    def side_by_side(self) -> bool:
        return self.parts.hall.languages == "side_by_side"

    def say(self, message: str, **fmt: object) -> str:
        """A fixed message, translated and ready for the terminal (both languages side by side
        when the settings say so)."""
        lang = language_of(self)
        if self.side_by_side:
            ar = bidi.text(gettext(message, "ar").format(**fmt), "ar", lang.bidi)
            return f"{message.format(**fmt)}  ·  {ar}"
        return bidi.text(lang.t(message).format(**fmt), lang.lang, lang.bidi)

    def named(self, en: str, ar: str) -> str:
        lang = language_of(self)
        if self.side_by_side:
            return f"{en}  ·  {bidi.text(ar, 'ar', lang.bidi)}"
        return bidi.text(ar if lang.is_rtl else en, lang.lang, lang.bidi)

    def _rtl(self) -> bool:
        return language_of(self).is_rtl and not self.side_by_side

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        rtl = self._rtl()
        clock = TabourClock(self.parts.settings.tz, self.parts.clock, id="clock")
        title = Static(id="title", classes="text")
        with Horizontal(id="header"):
            yield from ((clock, title) if rtl else (title, clock))
        now = Vertical(
            Static(id="now-label"),
            BigText(id="now-code"),
            Static(id="now-counter-label"),
            BigText(id="now-counter"),
            Static(id="now-line"),
            id="now",
        )
        calls = Vertical(
            Static(id="calls-title", classes="text"),
            Static(id="calls", classes="text"),
            id="calls-panel",
        )
        with Horizontal(id="main"):
            yield from ((calls, now) if rtl else (now, calls))
        with Vertical(id="waiting-panel"):
            yield Static(id="waiting-title", classes="text")
            yield Static(id="waiting")

    def on_mount(self) -> None:
        self.render_state()
        self.reload()  # hosted in another app, the first DataChanged may have gone by

    def on_screen_resume(self) -> None:
        if self.state is not None:
            self.reload()  # changes made while another screen was on top

    async def on_language_changed(self, _: LanguageChanged) -> None:
        self._recomposing = True  # widgets are replaced: nothing may be drawn meanwhile
        try:
            await self.recompose()
        finally:
            self._recomposing = False
        self._shown.clear()
        self._rows.clear()
        self.render_state()

    # -- data -----------------------------------------------------------------------------
    def on_data_changed(self, _: DataChanged) -> None:
        self.reload()

    def reload(self) -> None:
        if self._loading:
            self._pending = True
            return
        self._loading = True
        self._seq += 1
        self._load(self._seq)

    @work(thread=True, group="hall-load", exit_on_error=False)
    def _load(self, seq: int) -> None:
        try:
            parts = self.parts
            state = load_hall(
                parts.db, parts.settings.config, parts.clock(), parts.hall.calls_shown
            )
            parts.displays.update(state)
            self.post_message(HallLoaded(state, seq))
        except Exception as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            log.warning("hall: cannot read the branch database: %s %s", type(exc).__name__, first)
            self.app.call_from_thread(self._load_failed)

    def _load_failed(self) -> None:
        """The database is away (logged): keep what is shown, read again soon."""
        self._loading = False
        self._pending = False
        self.set_timer(2.0, self.reload)

    def on_hall_loaded(self, message: HallLoaded) -> None:
        self._loading = False
        self.apply(message.state)
        if self._pending:
            self._pending = False
            self.reload()

    def apply(self, state: HallState) -> None:
        first = not self.tracker.started
        fresh = self.tracker.fresh(state)
        self.state = state
        self.loads += 1
        newest = state.newest
        if newest is not None and fresh:
            for call in fresh:
                self.post_message(CallAnnounced(call))
            self.highlight(newest, self.parts.hall.highlight_s)
        elif newest is not None and first:
            age = (self.parts.clock() - newest.at).total_seconds()
            if age < self.parts.hall.highlight_s:
                self.highlight(newest, self.parts.hall.highlight_s - age)
        self.render_state()

    def on_call_announced(self, message: CallAnnounced) -> None:
        self.rung += 1
        self.parts.chime.ring()

    # -- highlight ------------------------------------------------------------------------
    def highlight(self, call: HallCall, seconds: float) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if seconds <= 0:
            self.highlighted = None
            return
        self.highlighted = call
        self._timer = self.set_timer(seconds, self.end_highlight)

    def end_highlight(self) -> None:
        self.highlighted = None
        self._timer = None
        self.render_state()

    # -- rendering ------------------------------------------------------------------------
    def _put(self, widget_id: str, key: object, make: Callable[[], object], rows: int = 0) -> None:
        """Update a Static only when what it shows changed: a call repaints only its parts."""
        if self._shown.get(widget_id, _NEVER) == key:
            return
        first = widget_id not in self._shown
        self._shown[widget_id] = key
        # Every board Static has a size fixed by hall.tcss but the waiting table's height (its
        # `rows`): skipping the layout pass otherwise keeps a call's repaint short.
        relayout = first or self._rows.get(widget_id, rows) != rows
        self._rows[widget_id] = rows
        self.query_one(widget_id, Static).update(make(), layout=relayout)  # type: ignore[arg-type]

    def render_state(self) -> None:
        if not self.is_mounted or self._recomposing:
            return
        lang = language_of(self)
        branch = self.parts.settings.config.branch
        mode = (lang.lang, self.side_by_side)
        def title() -> str:
            if self.side_by_side:  # each part already holds both languages, rendered
                return "   ·   ".join([self.named(branch.name_en, branch.name_ar),
                                       self.say("Now serving")])  # fmt: skip
            # Raw parts: bidi.row renders and mirrors them once (rendering twice would undo it).
            name = branch.name_ar if lang.is_rtl else branch.name_en
            return bidi.row([name, lang.t("Now serving")], lang.lang, lang.bidi, sep="   ·   ")

        self._put("#title", mode, title)
        state = self.state
        newest = state.newest if state else None
        self.query_one("#now", Vertical).set_class(self.highlighted is not None, "-highlight")
        code = self.query_one("#now-code", BigText)
        counter = self.query_one("#now-counter", BigText)
        if newest is None:
            self._put("#now-label", (mode, None), lambda: self.say("Please wait to be called"))
            code.text = counter.text = ""
            self._put("#now-counter-label", None, str)
            self._put("#now-line", None, str)
        else:
            self._put("#now-label", (mode, "ticket"), lambda: self.say("Ticket"))
            code.text = newest.code
            counter.text = str(newest.counter)
            self._put("#now-counter-label", mode, lambda: self.say("Counter"))
            self._put("#now-line", (mode, newest.code, newest.counter),
                      lambda: self.call_line(newest))  # fmt: skip
        self._put("#calls-title", mode, lambda: self.say("Last calls"))
        calls = tuple((c.event_id, c.code, c.counter) for c in state.calls) if state else None
        lit = self.highlighted.event_id if self.highlighted else None
        self._put("#calls", (mode, calls, lit), lambda: self.calls_text(state))
        self._put("#waiting-title", mode, lambda: self.say("Waiting"))
        counts = tuple(w.waiting for w in state.waiting) if state else None
        self._put("#waiting", (mode, counts), lambda: self.waiting_table(state),
                  rows=len(counts or ()))  # fmt: skip

    def call_line(self, call: HallCall) -> str:
        """`A023  →  Counter 4`; in Arabic the code is on the right and the arrow points left."""
        lang = language_of(self)
        counter = self.say("Counter {n}", n=call.counter)
        if self._rtl():
            return bidi.row([call.code, "←", gettext("Counter {n}", "ar").format(n=call.counter)],
                            "ar", lang.bidi, sep="   ")  # fmt: skip
        return f"{call.code}   →   {counter}"

    def calls_text(self, state: HallState | None) -> Text:
        justify = "right" if self._rtl() else "left"
        out = Text(justify=justify, no_wrap=True, overflow="ellipsis")
        if state is None or not state.calls:
            out.append(self.say("No calls yet"), style="dim")
            return out
        for i, call in enumerate(state.calls):
            if i:
                out.append("\n\n")
            newest = (
                i == 0
                and self.highlighted is not None
                and self.highlighted.event_id == call.event_id
            )
            style = "bold reverse" if newest else ("bold" if i == 0 else "")
            out.append(self.call_line(call), style=style)
        return out

    def waiting_table(self, state: HallState | None) -> Table:
        rtl = self._rtl()
        justify = "right" if rtl else "left"
        table = Table.grid(expand=True)
        columns = ["prefix", "name", "count"] * 2
        for kind in bidi.ordered(columns, "ar" if rtl else "en"):
            if kind == "name":
                table.add_column(ratio=1, justify=justify, no_wrap=True, overflow="ellipsis")
            else:
                table.add_column(justify="right" if kind == "count" else "center", no_wrap=True)
        lines = list(state.waiting) if state else []
        for i in range(0, len(lines), 2):
            cells: list[str | Text] = []
            for line in lines[i : i + 2]:
                count = Text(f"  {line.waiting}  ", style="bold")
                cells += [
                    Text(f" {line.prefix}  " if not rtl else f"  {line.prefix} ", style="bold"),
                    self.named(line.name_en, line.name_ar),
                    count,
                ]
            cells += [""] * (6 - len(cells))
            table.add_row(*bidi.ordered(cells, "ar" if rtl else "en"))
        return table

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.stop()


__all__ = ["BoardScreen"]
