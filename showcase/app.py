"""`ShowcaseApp`: the kiosk, a counter, the hall board and the manager dashboard in one terminal.

Each tab is a Textual mode holding the real screen its own app shows (`showcase.tabs`), over
one set of parts, one language and one live-update watch. Textual delivers a message only to
the screens of the current mode, so the app forwards what every screen must hear (database
changes, a language switch) to the hosted screens of the other modes too, and a tab shown
again is never stale. Keys: F1 and Shift+F1 step through the tabs (F2-F12 belong to the
counter and the dashboard; Alt+digit does not reach an app the same way on every terminal),
Ctrl+L switches the language everywhere, Ctrl+Q or Ctrl+C stop the whole demo.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from branch.live import EVERYTHING
from showcase.messages import PrintedJobs
from showcase.parts import ShowcaseParts
from showcase.services import Printed, PrintedList
from showcase.tabs import TABS, Tab, build_screen
from showcase.widgets.tab_bar import TabBar
from tui.keymap import apply_keymap
from tui.lang import Language, LanguageChanged
from tui.live import DataChanged, start_live_updates
from tui.theme import BASE_TCSS, use_theme

_ROOT = Path(__file__).resolve().parents[1]


def front_end_styles() -> list[Path]:
    """Every front-end's stylesheet that is installed, then the showcase's own."""
    found: list[Path] = []
    for folder in ("queue_kiosk/kiosk", "queue_kiosk/hall", "counter_app"):
        found += sorted((_ROOT / folder).glob("*.tcss"))
    return [*found, Path(__file__).with_name("showcase.tcss")]


class ShowcaseApp(App):
    CSS_PATH: ClassVar = [BASE_TCSS, *front_end_styles()]
    ENABLE_COMMAND_PALETTE = False
    TITLE = "Tabour demo"
    BINDINGS: ClassVar = [
        Binding("f1,ctrl+pagedown", "step_tab(1)", "Next tab", id="demo.next_tab", priority=True),
        Binding(
            "shift+f1,ctrl+pageup",
            "step_tab(-1)",
            "Previous tab",
            id="demo.previous_tab",
            priority=True,
        ),
        Binding("ctrl+l", "language", "Language", id="demo.language", priority=True),
        Binding("ctrl+q", "quit", "Quit", id="demo.quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", id="demo.quit_c", priority=True, show=False),
    ]

    def __init__(
        self,
        parts: ShowcaseParts,
        *,
        lang: str | None = None,
        start: str = "counter",
        seconds: float | None = None,
        printed: PrintedList | None = None,
        status: Callable[[], list[str]] | None = None,
        live: bool = True,
        scan_s: float = 1.0,
    ) -> None:
        super().__init__()
        self.parts = parts
        ui = parts.settings.config.ui
        self.language = Language(self, lang or ui.default_lang, ui.bidi)
        self.tabs: dict[str, Tab] = {t.id: t for t in TABS}
        self.hosted: dict[str, Screen] = {}
        self.start_tab = start
        self.seconds = seconds
        self.printed = printed
        self.jobs: list[Printed] = []
        self._status = status
        self.live = live
        self.scan_s = scan_s
        for tab in TABS:
            self.add_mode(tab.id, self._factory(tab))

    def _factory(self, tab: Tab) -> Callable[[], Screen]:
        def make() -> Screen:
            screen = build_screen(tab, self.parts)
            self.hosted[tab.id] = screen
            return screen

        return make

    # -- start and stop -------------------------------------------------------------------
    def on_mount(self) -> None:
        use_theme(self)
        apply_keymap(self, self.parts.settings.config.ui)
        self.switch_mode(self.start_tab)
        self.call_after_refresh(self._after_switch, self.start_tab)
        if self.live:
            start_live_updates(self, self.parts.db)
        if self.seconds:
            self.set_timer(self.seconds, self.exit)
        if self.printed is not None:
            self.set_interval(self.scan_s, self._scan)

    async def on_event(self, event: events.Event) -> None:
        """The demo's own keys also while a dialog is up: Textual leaves the app's bindings out
        under a modal screen, and Ctrl+C must always stop the demo."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and isinstance(self.screen, ModalScreen)
            and (action := self._own_keys().get(event.key))
        ):
            event.stop()
            await self.run_action(action)
            return
        await super().on_event(event)

    def _own_keys(self) -> dict[str, str]:
        return {
            key.strip(): b.action
            for b in self.BINDINGS
            if isinstance(b, Binding)
            for key in b.key.split(",")
        }

    # -- tabs -----------------------------------------------------------------------------
    def tab_entries(self) -> list[tuple[str, str, bool]]:
        """(number, title, is current) per tab, for the tab bar."""
        return [(str(i), t.title, self.current_mode == t.id) for i, t in enumerate(TABS, 1)]

    def action_step_tab(self, step: int) -> None:
        ids = [t.id for t in TABS]
        here = ids.index(self.current_mode) if self.current_mode in ids else 0
        self.action_show_tab(ids[(here + step) % len(ids)])

    def action_show_tab(self, tab_id: str) -> None:
        if tab_id not in self.tabs or tab_id == self.current_mode:
            return
        self.switch_mode(tab_id)
        self.call_after_refresh(self._after_switch, tab_id)

    def _after_switch(self, tab_id: str) -> None:
        screen = self.hosted.get(tab_id)
        if screen is None:
            return
        for bar in screen.query(TabBar):
            bar.refresh()
        # anything the screen missed while its mode was not shown (it was built after the
        # watch's first "everything", or a forwarded change raced its mount)
        screen.post_message(DataChanged(EVERYTHING))
        if tab_id == "printed" and self.printed is not None:
            screen.post_message(PrintedJobs(list(self.jobs), self._display_lines()))

    def action_language(self) -> None:
        self.language.toggle()

    # -- what the screens of the other modes must hear ------------------------------------
    def _others(self) -> list[Screen]:
        shown = set(map(id, self.screen_stack))
        return [s for s in self.hosted.values() if id(s) not in shown and s.is_attached]

    def on_data_changed(self, message: DataChanged) -> None:
        for screen in self._others():
            screen.post_message(DataChanged(message.change))

    def on_language_changed(self, message: LanguageChanged) -> None:
        for screen in self._others():
            screen.post_message(LanguageChanged(message.lang))
        for screen in self.hosted.values():
            if screen.is_attached:
                for bar in screen.query(TabBar):
                    bar.refresh()

    # -- printed jobs ---------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="printed-scan", exit_on_error=False)
    def _scan(self) -> None:
        assert self.printed is not None
        jobs = self.printed.new()
        displays = self._display_lines()
        self.call_from_thread(self._scanned, jobs, displays)

    def _scanned(self, jobs: list[Printed], displays: dict[str, str]) -> None:
        fresh = [j for j in jobs if j not in self.jobs]
        self.jobs = jobs
        for job in fresh:
            self.notify(
                f"{job.printer}: {job.label} → {job.path}", title=self.language.t("Printed")
            )
        screen = self.hosted.get("printed")
        if screen is not None and screen.is_attached:
            screen.post_message(PrintedJobs(list(jobs), displays))

    def _display_lines(self) -> dict[str, str]:
        out: dict[str, str] = {}
        home = self.parts.settings.home
        for d in self.parts.settings.config.devices.displays:
            spec = d.device
            if spec.startswith("virtual:"):
                path = home / spec.removeprefix("virtual:").split("?", 1)[0] / "display.txt"
                try:
                    out[f"{d.counter}"] = path.read_text(encoding="ascii").rstrip("\n")
                except OSError:
                    out[f"{d.counter}"] = ""
        return out

    def status_lines(self) -> list[str]:
        return self._status() if self._status else []


__all__ = ["ShowcaseApp"]
