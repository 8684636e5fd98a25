"""The manager dashboard: waits against the service standards, counters, alerts, the day by
hour and visitor ratings, live; and a manager's actions, each confirmed by PIN.

`DashboardScreen(parts, actor)` is hosted by the counter app (Ctrl+D for supervisors and
managers), by `tabour manager` and by the whole-branch demo. It renders
`queue_kiosk.dashboard_data.dashboard_snapshot` and sends intentions to
`counter_app.dashboard_actions`; both run in thread workers, so the event loop never waits on
the database. It reloads when the shared notifier (`tui.live`, started by the hosting app)
reports a change, and every `SLOW_REFRESH_S` seconds for what time alone changes (a wait
crossing its target).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from branch.errors import TabourError
from branch.staff import Actor, StaffLocked
from counter_app.dashboard_actions import CLEARS_BY_ITSELF, DashboardActions, Refused
from counter_app.dashboard_alerts import derived_source, with_late_services
from counter_app.parts import CounterParts
from counter_app.refusals import refusal_line
from counter_app.screens.dashboard_dialogs import PinDialog, ServicesDialog
from counter_app.widgets.dashboard.alerts import KIND_LABELS, AlertTable
from counter_app.widgets.dashboard.chart import HourChart
from counter_app.widgets.dashboard.counters import CounterTable
from counter_app.widgets.dashboard.feedback import FeedbackPanel
from counter_app.widgets.dashboard.format import share
from counter_app.widgets.dashboard.keys import KeyBar
from counter_app.widgets.dashboard.services import ServiceBoard
from queue_kiosk.alerts import alert_source
from queue_kiosk.dashboard_data import (
    AlertSource,
    DashboardData,
    FeedbackSource,
    dashboard_snapshot,
)
from queue_kiosk.feedback import feedback_source
from tui.clock import TabourClock
from tui.lang import LanguageChanged, language_of
from tui.live import DataChanged

DASHBOARD_TCSS = Path(__file__).parent.parent / "dashboard.tcss"
SLOW_REFRESH_S = 30.0


class DashboardScreen(Screen):
    CSS_PATH: ClassVar = [DASHBOARD_TCSS]
    BINDINGS: ClassVar = [
        Binding("f2", "open_counter", "Open counter", id="dashboard.open_counter", priority=True),
        Binding("f3", "close_counter", "Close counter", id="dashboard.close_counter",
                priority=True),
        Binding("f4", "services", "Counter services", id="dashboard.services", priority=True),
        Binding("f5", "acknowledge", "Acknowledge alert", id="dashboard.acknowledge",
                priority=True),
        Binding("ctrl+l", "language", "Language", id="dashboard.language", priority=True),
        Binding("escape", "leave", "Back", id="dashboard.leave"),
    ]  # fmt: skip

    slow_refresh_s = SLOW_REFRESH_S  # what only time changes: a wait crossing its target

    def __init__(self, parts: CounterParts, actor: Actor) -> None:
        super().__init__()
        self.parts, self.actor = parts, actor
        self.config = parts.settings.config
        self.tz = parts.settings.tz
        self.actions = DashboardActions(parts)
        self.stored_alerts: AlertSource = alert_source  # the alerts table (queue_kiosk.alerts)
        self.stored: frozenset[tuple[str, str]] = frozenset()
        self.feedback_source: FeedbackSource | None = feedback_source
        self.data: DashboardData | None = None
        self.loads = 0  # snapshots shown (tests wait on it)
        self._loading = self._dirty = False
        self.message = ""

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="dash-header"):
            yield Static(id="dash-title", classes="text")
            yield TabourClock(self.tz, self.parts.clock, id="dash-clock")
        yield Static(id="dash-totals", classes="text")
        yield ServiceBoard(self.config, id="dash-services")
        with Horizontal(id="dash-middle"):
            yield CounterTable(self.config, self.tz, id="dash-counters")
            with Vertical(id="dash-feedback-box"):
                yield Static(id="dash-feedback-title", classes="panel-title text")
                yield FeedbackPanel(self.config.kiosk.complaint_categories, id="dash-feedback")
        with Horizontal(id="dash-bottom"):
            yield AlertTable(self.config, self.tz, id="dash-alerts")
            yield HourChart(id="dash-chart")
        yield Static(id="dash-status", classes="text")
        yield KeyBar("dashboard.", id="dash-keys")

    def on_resize(self, event: events.Resize) -> None:
        """The chart gives way to the alerts on a narrow terminal (the counter's 120 columns)."""
        self.query_one(HourChart).styles.width = max(36, min(56, event.size.width * 35 // 100))

    def on_mount(self) -> None:
        self.render_labels()
        self.load()
        self.set_interval(self.slow_refresh_s, self.load)

    # -- data -----------------------------------------------------------------------------
    def snapshot(self) -> tuple[DashboardData, frozenset[tuple[str, str]]]:
        """One refresh (blocking: the worker calls it): the snapshot with every alert, and
        which alerts are stored rows (those can be acknowledged)."""
        stored: set[tuple[str, str]] = set()

        def stored_source(session, config, now):  # type: ignore[no-untyped-def]
            lines = self.stored_alerts(session, config, now)
            stored.update((a.kind, a.source) for a in lines)
            return lines

        data = dashboard_snapshot(
            self.parts.db, self.config, self.parts.clock(),
            alert_source=derived_source(stored_source), feedback_source=self.feedback_source,
        )  # fmt: skip
        return with_late_services(data), frozenset(stored)

    def load(self) -> None:
        """Refresh soon. One load at a time: changes arriving while one runs are folded into
        a single next load (a busy branch commits many times a second)."""
        if self._loading:
            self._dirty = True
            return
        self._loading, self._dirty = True, False
        self._load()

    @work(thread=True, group="dashboard-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            data, stored = self.snapshot()
        except (TabourError, SQLAlchemyError) as exc:
            line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            self.app.call_from_thread(
                self._loaded, None, frozenset(), f"{type(exc).__name__}: {line}"
            )
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, data, stored, None)

    def _loaded(
        self, data: DashboardData | None, stored: frozenset[tuple[str, str]], error: str | None
    ) -> None:
        self._loading = False
        if data is not None:
            self.show(data, stored)
        else:
            self.say(error or "", True)
        if self._dirty:
            self.load()

    def on_data_changed(self, _: DataChanged) -> None:
        self.load()

    def show(
        self, data: DashboardData, stored: frozenset[tuple[str, str]] = frozenset(),
        force: bool = False,
    ) -> None:  # fmt: skip
        """Put a snapshot on screen; a panel whose part of it has not changed is left alone
        (the event loop's time per refresh stays small on a busy day)."""
        prev = None if force else self.data
        self.data, self.stored = data, stored
        if prev is None or data.services != prev.services:
            self.query_one(ServiceBoard).show(data.services)
        if prev is None or data.counters != prev.counters:
            self.query_one(CounterTable).show(data.counters)
        if prev is None or (data.alerts, data.services) != (prev.alerts, prev.services):
            self.query_one(AlertTable).show(data.alerts, data.services)
        if prev is None or data.hours != prev.hours:
            self.query_one(HourChart).show(data.hours)
        if prev is None or data.feedback != prev.feedback:
            self.query_one(FeedbackPanel).show(data.feedback, self.feedback_source is not None)
        self.render_totals()
        self.loads += 1

    def render_labels(self) -> None:
        lang = language_of(self)
        branch = self.config.branch
        name = branch.name_ar if lang.is_rtl else branch.name_en
        who = f"{self.actor.username or '-'} · {lang.t(self.actor.role.value)}"
        self.query_one("#dash-title", Static).update(
            lang.row([lang.t("Manager dashboard"), name, who], sep="  |  ")
        )
        self.query_one("#dash-counters", CounterTable).border_title = lang.show("Counters")
        self.query_one("#dash-alerts", AlertTable).border_title = lang.show("Alerts")
        self.query_one("#dash-services", ServiceBoard).border_title = lang.show(
            "Services: waits against their targets"
        )
        self.query_one("#dash-feedback-title", Static).update(lang.show("Visitor ratings"))
        self.query_one(KeyBar).relabel()
        self.render_status()

    def render_totals(self) -> None:
        if self.data is None:
            return
        lang = language_of(self)
        t = self.data.totals
        waiting = sum(s.waiting for s in self.data.services)
        parts = [
            lang.label_value("Business day", self.data.business_day.isoformat()),
            lang.label_value("Issued", str(t.get("issued", 0))),
            lang.label_value("Served", str(t.get("served", 0))),
            lang.label_value("Waiting", str(waiting)),
            lang.label_value("Within target", share(t.get("within_target_share"))),
            lang.label_value("Walk-outs", str(t.get("walk_outs", 0))),
        ]
        if lang.is_rtl:  # label_value already mirrored each part: keep the parts' order
            parts = list(reversed(parts))
        self.query_one("#dash-totals", Static).update("   ".join(parts))

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.render_labels()
        self.query_one(ServiceBoard).relabel()
        if self.data is not None:
            self.show(self.data, self.stored, force=True)

    # -- one-line messages ------------------------------------------------------------------
    def say(self, message: str, error: bool = False) -> None:
        self.message = message
        status = self.query_one("#dash-status", Static)
        status.set_class(error, "error")
        self.render_status()

    def render_status(self) -> None:
        self.query_one("#dash-status", Static).update(language_of(self).text(self.message))

    def refusal(self, exc: TabourError) -> str:
        """The refusal in the screen's language (the engine's wording matched by the counter
        app's `refusal_line`; an unmatched line stays English, still one line)."""
        lang = language_of(self)
        if isinstance(exc, StaffLocked):  # the end of the lock in the branch's time zone
            return exc.shown_in(self.tz).in_lang(lang.lang)
        if isinstance(exc, Refused):
            return exc.in_lang(lang.lang)
        translated = lang.t(str(exc))
        return translated if translated != str(exc) else refusal_line(exc, lang.lang)

    # -- manager actions ----------------------------------------------------------------
    def _selected_counter(self) -> int | None:
        panel = self.query_one(CounterTable).selected
        if panel is None:
            self.say(language_of(self).t("Choose a counter first (arrow keys)"), error=True)
            return None
        return panel.number

    def _with_pin(self, what: str, then) -> None:
        username = self.actor.username
        if username is None:
            self.say(language_of(self).t("Sign in as a staff member to act"), error=True)
            return

        def got(pin: str | None) -> None:
            if pin is None:
                self.say(language_of(self).t("Nothing changed"))
                return
            self.act(then, username, pin)

        self.app.push_screen(PinDialog(username, what), got)

    @work(thread=True, group="dashboard-act", exit_on_error=False)
    def act(self, then, username: str, pin: str) -> None:
        try:
            message = then(username, pin)
        except TabourError as exc:
            self.app.call_from_thread(self.say, self.refusal(exc), True)
            return
        self.app.call_from_thread(self.say, message)
        self.app.call_from_thread(self.load)

    def action_open_counter(self) -> None:
        number = self._selected_counter()
        if number is None:
            return
        lang = language_of(self)
        msg = lang.t("Counter {counter} opened").format(counter=number)
        self._with_pin(
            lang.t("Open counter {counter}").format(counter=number),
            lambda u, p: (self.actions.open_counter(u, p, number), msg)[1],
        )

    def action_close_counter(self) -> None:
        number = self._selected_counter()
        if number is None:
            return
        lang = language_of(self)
        msg = lang.t("Counter {counter} closed").format(counter=number)
        self._with_pin(
            lang.t("Close counter {counter}").format(counter=number),
            lambda u, p: (self.actions.close_counter(u, p, number), msg)[1],
        )

    def action_services(self) -> None:
        panel = self.query_one(CounterTable).selected
        if panel is None:
            self._selected_counter()
            return
        number = panel.number

        def chosen(codes: list[str] | None) -> None:
            lang = language_of(self)
            if codes is None:
                self.say(lang.t("Nothing changed"))
                return
            if not codes:
                self.say(lang.t("Give the counter at least one service"), error=True)
                return
            letters = " ".join(self.config.service(c).prefix for c in codes)
            msg = lang.t("Counter {counter} serves today: {services}").format(
                counter=number, services=letters
            )
            self._with_pin(
                lang.t("Counter {counter} serves today: {services}").format(
                    counter=number, services=letters
                ),
                lambda u, p: (self.actions.set_services(u, p, number, codes), msg)[1],
            )

        self.app.push_screen(ServicesDialog(self.config, number, list(panel.services)), chosen)

    def action_acknowledge(self) -> None:
        lang = language_of(self)
        alert = self.query_one(AlertTable).selected
        if alert is None:
            self.say(lang.t("No alert to acknowledge"), error=True)
            return
        if (alert.kind, alert.source) not in self.stored:
            self.say(lang.t(CLEARS_BY_ITSELF), error=True)
            return
        done = lang.t("Alert acknowledged")
        what = f"{lang.t('Acknowledge alert')}: {lang.t(KIND_LABELS.get(alert.kind, alert.kind))}"
        self._with_pin(
            what, lambda u, p: (self.actions.acknowledge(u, p, alert.kind, alert.source), done)[1]
        )

    def action_language(self) -> None:
        language_of(self).toggle()

    def action_leave(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()
