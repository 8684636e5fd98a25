"""The counter's main screen: header, current ticket, my queue, status line, key bar.

It renders `queue_kiosk.counter_view.CounterQueue` and sends intentions to the engine. Every
engine call and every read runs in a thread worker, so the event loop never waits on the
database; a refusal comes back as one line on the status line. Changes other processes commit
arrive as `tui.live.DataChanged` and trigger one coalesced re-read.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from branch.clock import as_utc
from branch.models import Role
from branch.staff import Actor
from counter_app import keys
from counter_app.parts import CounterParts
from counter_app.refusals import refusal_line
from counter_app.screens.dialogs import ChoiceDialog, CodeDialog
from counter_app.widgets.header import CounterHeader, LinkState
from counter_app.widgets.key_bar import KeyBar
from counter_app.widgets.queue_table import QueueTable
from counter_app.widgets.status_line import StatusLine
from counter_app.widgets.ticket_panel import TicketPanel
from queue_kiosk.counter_view import CounterQueue, counter_queue
from queue_kiosk.engine import TicketView
from tui.lang import LanguageChanged, language_of
from tui.live import DataChanged

LINK_EVERY_S = 5.0
PRIORITY_CHOICES = ("normal", "elderly", "disabled", "pregnant", "urgent")


def _optional(module: str, attr: str) -> Any | None:
    """A part another package provides (the central panels, the dashboard), imported when
    first used; None while it is not installed."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    return getattr(mod, attr, None)


class MainScreen(Screen):
    BINDINGS: ClassVar = keys.MAIN

    def __init__(self, parts: CounterParts, actor: Actor, counter: int, **kw) -> None:
        super().__init__(**kw)
        self.parts, self.actor, self.counter = parts, actor, counter
        self.config = parts.settings.config
        self.queue: CounterQueue | None = None
        self.read_at: datetime | None = None
        self._reloading = False
        self._dirty = False
        self.actions_done = 0  # answers on the status line (done or refused): tests, bench
        self.acted_at = 0.0  # perf_counter when the last engine action started (bench)
        self.painted_at = 0.0  # perf_counter when an action's answer was last on screen (bench)

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        b = self.config.branch
        yield CounterHeader(b.name_ar, b.name_en, self.counter, self.actor.username or "",
                            id="header")  # fmt: skip
        with Horizontal(id="body"):
            yield TicketPanel(self.config, id="ticket")
            with Vertical(id="queue-box"):
                yield Static(id="queue-title", classes="text")
                yield QueueTable(id="queue")
                yield Static(id="next-codes", classes="text")
        yield StatusLine(id="status")
        yield KeyBar([*keys.MAIN, *keys.APP], id="keys")

    def on_mount(self) -> None:
        self.parts.counter = self.counter
        self._tick()
        self.set_interval(1.0, self._tick)
        self.set_interval(LINK_EVERY_S, self.check_link)
        self.check_link()
        self.reload()
        self._texts()

    def _texts(self) -> None:
        lang = language_of(self)
        self.query_one("#queue-title", Static).update(lang.show("My queue"))
        nxt = " ".join(self.queue.next_codes) if self.queue and self.queue.next_codes else "—"
        self.query_one("#next-codes", Static).update(lang.label_value("Next to call", nxt))

    def on_language_changed(self, _: LanguageChanged) -> None:
        self._texts()
        self.query_one(QueueTable).fill()
        for w in (self.query_one(CounterHeader), self.query_one(TicketPanel),
                  self.query_one(KeyBar)):  # fmt: skip
            w.refresh()
        self.query_one(StatusLine).on_language_changed()

    def on_screen_resume(self) -> None:
        self.query_one(KeyBar).refresh()

    def _tick(self) -> None:
        now = as_utc(self.parts.clock())
        self.query_one(CounterHeader).clock_text = now.astimezone(self.parts.settings.tz).strftime(
            "%H:%M"
        )
        if self.read_at is not None:
            self.query_one(TicketPanel).tick(int((now - self.read_at).total_seconds()))

    # -- reading ------------------------------------------------------------------------
    def on_data_changed(self, _: DataChanged) -> None:
        self.reload()

    def reload(self) -> None:
        """Re-read the counter's queue in a worker; several requests while one read runs make
        one more read, not many."""
        self._dirty = True
        if self._reloading:
            return
        self._reloading = True
        self.run_worker(self._read_loop, thread=True, group="reload", exit_on_error=False)

    def _read(self) -> tuple[CounterQueue, datetime]:
        now = as_utc(self.parts.clock())
        return counter_queue(self.parts.db, self.config, self.counter, now), now

    def _read_loop(self) -> None:
        try:
            self._dirty = False
            queue, now = self._read()
            self._ui(self.show_queue, queue, now)
        except Exception as exc:  # the database went away: say so, keep the last picture
            self._ui(self._refused, exc)
        finally:
            self._ui(self._read_done)

    def _read_done(self) -> None:
        self._reloading = False
        if self._dirty:
            self.reload()

    def show_queue(self, queue: CounterQueue, now: datetime) -> None:
        self.queue, self.read_at = queue, now
        self.query_one(TicketPanel).show(queue)
        self.query_one(QueueTable).show(queue)
        self._texts()

    def check_link(self) -> None:
        status = self.parts.extra.get("link_status") or _optional(
            "counter_app.header_status", "link_status"
        )
        if status is None:
            return

        def ask() -> None:
            try:
                online, backlog, fault = status(self.parts)
                state = LinkState(bool(online), int(backlog), fault)
            except Exception:
                state = LinkState(None)
            self._ui(self._set_link, state)

        self.run_worker(ask, thread=True, group="link", exclusive=True, exit_on_error=False)

    def _set_link(self, state: LinkState) -> None:
        self.query_one(CounterHeader).link = state

    def _ui(self, fn: Callable[..., Any], *args: Any) -> None:
        """From a worker thread: run `fn` on the event loop if this screen is still in the
        app's stack (a sign-out may have closed it while the worker ran)."""
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(self._if_shown, fn, *args)

    def _if_shown(self, fn: Callable[..., Any], *args: Any) -> None:
        if self in self.app.screen_stack:
            fn(*args)

    # -- acting -------------------------------------------------------------------------
    def say(self, message: str) -> None:
        self.query_one(StatusLine).say(message)
        self.actions_done += 1

    def refuse(self, message: str) -> None:
        self.query_one(StatusLine).refuse(message)
        self.actions_done += 1

    def _refused(self, exc: BaseException) -> None:
        self.refuse(refusal_line(exc, language_of(self).lang))

    def engine_call(
        self, call: Callable[[], Any], done: Callable[[Any], str], *, called: bool = False
    ) -> None:
        """Run `call` in a thread worker; then say `done(result)` or why it was refused, and
        re-read the queue in the same worker (the screen does not wait for the live feed)."""
        self.acted_at = time.perf_counter()

        def work() -> None:
            try:
                result = call()
            except Exception as exc:
                self._ui(self._finished, None, exc)
                return
            try:
                queue, now = self._read()
            except Exception:
                queue = now = None
            self._ui(self._finished, (done(result), queue, now), None)
            if called:
                self._preload()

        self.run_worker(work, thread=True, group="engine", exit_on_error=False)

    def _finished(self, ok: tuple[str, CounterQueue | None, datetime | None] | None,
                  exc: BaseException | None) -> None:  # fmt: skip
        if exc is not None:
            self._refused(exc)
        elif ok is not None:
            message, queue, now = ok
            if queue is not None and now is not None:
                self.show_queue(queue, now)
            self.say(message)
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.painted_at = time.perf_counter()

    def _preload(self) -> None:
        """The kiosk-captured lookup of the ticket just called (central panels' part)."""
        preload = _optional("counter_app.lookup_preload", "preload_for_ticket")
        if preload is None:
            return
        try:
            ticket = self.parts.engine.current(self.counter)
            if ticket is not None:
                preload(self.parts, self.actor, ticket)
        except Exception as exc:
            self._ui(self._refused, exc)

    def _t(self, msgid: str, **values: Any) -> str:
        return language_of(self).t(msgid).format(**values)

    def _held(self) -> Any:
        return self.queue.current if self.queue else None

    # F2
    def action_call_next(self) -> None:
        eng, n, who = self.parts.engine, self.counter, self.actor
        self.engine_call(lambda: eng.call_next(n, who),
                         lambda t: self._t("Called {code}", code=t.code), called=True)  # fmt: skip

    # F3
    def action_call_code(self) -> None:
        def chosen(code: str | None) -> None:
            if code:
                eng, n, who = self.parts.engine, self.counter, self.actor
                self.engine_call(lambda: eng.call_ticket(n, code, who),
                                 lambda t: self._t("Called {code}", code=t.code),
                                 called=True)  # fmt: skip

        self.app.push_screen(CodeDialog("Call a ticket by its code", dialog_id="call-code"), chosen)

    # F4
    def action_recall(self) -> None:
        eng, n, who = self.parts.engine, self.counter, self.actor
        self.engine_call(lambda: eng.recall(n, who),
                         lambda t: self._t("Recalled {code} ({k})", code=t.code, k=t.recalls))  # fmt: skip

    # F5
    def action_serve(self) -> None:
        eng, n, who = self.parts.engine, self.counter, self.actor
        self.engine_call(lambda: eng.start_serving(n, who),
                         lambda t: self._t("Serving {code}", code=t.code))  # fmt: skip

    # F6
    def action_finish(self) -> None:
        held = self._held()
        if held is None:
            self.refuse(self._t("counter {n} has no called ticket", n=self.counter))
            return
        lang = language_of(self)
        options = [(o.code, o.name_ar if lang.lang == "ar" else o.name_en)
                   for o in self.config.queue.outcomes]  # fmt: skip

        def chosen(outcome: str | None) -> None:
            if outcome:
                eng, n, who = self.parts.engine, self.counter, self.actor
                self.engine_call(lambda: eng.finish(n, outcome, who),
                                 lambda t: self._t("Finished {code}", code=t.code))  # fmt: skip

        self.app.push_screen(
            ChoiceDialog("Finish {code}: how did the visit end?", options, dialog_id="finish",
                         title_values={"code": held.code}),
            chosen,
        )  # fmt: skip

    # F7
    def action_no_show(self) -> None:
        eng, n, who = self.parts.engine, self.counter, self.actor
        self.engine_call(lambda: eng.no_show(n, who),
                         lambda t: self._t("{code}: no-show", code=t.code))  # fmt: skip

    # F8
    def action_transfer(self) -> None:
        held = self._held()
        if held is None:
            self.refuse(self._t("counter {n} has no called ticket", n=self.counter))
            return
        lang = language_of(self)
        options: list[tuple[str | None, str]] = [(None, lang.t("To a service"))]
        options += [(f"service:{s.code}", s.name_ar if lang.lang == "ar" else s.name_en)
                    for s in self.config.services if s.active]  # fmt: skip
        options.append((None, lang.t("To a counter")))
        options += [(f"counter:{c.number}", (c.name_ar if lang.lang == "ar" else c.name_en)
                     or lang.t("counter {n}").format(n=c.number))
                    for c in self.config.counters if c.number != self.counter]  # fmt: skip

        def chosen(target: str | None) -> None:
            if not target:
                return
            kind, value = target.split(":", 1)
            eng, n, who = self.parts.engine, self.counter, self.actor
            if kind == "service":
                self.engine_call(lambda: eng.transfer(n, to_service=value, actor=who),
                                 lambda t: self._t("{code} sent to {where}", code=t.code,
                                                   where=value))  # fmt: skip
            else:
                to = int(value)
                self.engine_call(lambda: eng.transfer(n, to_counter=to, actor=who),
                                 lambda t: self._t("{code} sent to counter {n}", code=t.code,
                                                   n=to))  # fmt: skip

        self.app.push_screen(
            ChoiceDialog("Transfer {code} to a service or a counter", options,
                         dialog_id="transfer", title_values={"code": held.code}),
            chosen,
        )  # fmt: skip

    # F9
    def action_park(self) -> None:
        eng, n, who = self.parts.engine, self.counter, self.actor
        if self._held() is not None:

            def parked(result: tuple[TicketView, TicketView | None]) -> str:
                p, called = result
                if called is None:
                    return self._t("Parked {code}; nothing else is waiting", code=p.code)
                return self._t("Parked {code}; called {next}", code=p.code, next=called.code)

            self.engine_call(lambda: eng.park(n, who, call_next=True), parked, called=True)
            return
        if self.queue is not None and not self.queue.parked:
            self.refuse(self._t("nothing to park, and no ticket is parked here"))
            return

        def chosen(code: str | None) -> None:
            if code:
                self.engine_call(lambda: eng.take_back(n, code, who),
                                 lambda t: self._t("Took back {code}", code=t.code),
                                 called=True)  # fmt: skip

        self.app.push_screen(CodeDialog("Take back a parked ticket", dialog_id="take-back"),
                             chosen)  # fmt: skip

    # F10
    def action_walk_in(self) -> None:
        lang = language_of(self)
        services = self.queue.services if self.queue else []
        if not services:
            self.refuse(self._t("this counter serves no service today"))
            return
        names = {s.code: (s.name_ar if lang.lang == "ar" else s.name_en)
                 for s in self.config.services}  # fmt: skip
        answers: dict[str, str] = {}

        def got_lang(value: str | None) -> None:
            if not value:
                return
            eng, n, who = self.parts.engine, self.counter, self.actor
            svc, prio = answers["service"], answers["priority"]
            self.engine_call(lambda: eng.walk_in(n, svc, who, prio, value),
                             lambda t: self._t("Walk-in {code} called", code=t.code),
                             called=True)  # fmt: skip

        def got_priority(value: str | None) -> None:
            if value:
                answers["priority"] = value
                self.app.push_screen(ChoiceDialog(
                    "Walk-in: the customer's language", [("ar", "العربية"), ("en", "English")],
                    dialog_id="walk-in-lang"), got_lang)  # fmt: skip

        def got_service(value: str | None) -> None:
            if value:
                answers["service"] = value
                self.app.push_screen(ChoiceDialog(
                    "Walk-in: priority", [(p, lang.t(p)) for p in PRIORITY_CHOICES],
                    dialog_id="walk-in-priority"), got_priority)  # fmt: skip

        self.app.push_screen(ChoiceDialog(
            "Walk-in: which service?", [(c, names.get(c, c)) for c in services],
            dialog_id="walk-in-service"), got_service)  # fmt: skip

    # F11
    def action_pause(self) -> None:
        eng, n, who = self.parts.engine, self.counter, self.actor
        if self.queue is not None and self.queue.status == "paused":
            self.engine_call(lambda: eng.resume(n, who), lambda _: self._t("Resumed"))
            return
        lang = language_of(self)
        options = [(r.code, r.name_ar if lang.lang == "ar" else r.name_en)
                   for r in self.config.queue.pause_reasons]  # fmt: skip

        def chosen(reason: str | None) -> None:
            if reason:
                shown = dict(options).get(reason, reason)
                self.engine_call(lambda: eng.pause(n, who, reason),
                                 lambda _: self._t("Paused: {reason}", reason=shown))  # fmt: skip

        self.app.push_screen(ChoiceDialog("Pause: why?", options, dialog_id="pause"), chosen)

    # F12, Ctrl+P, Ctrl+D: panels other packages provide
    def _open_panel(self, module: str, attr: str, missing: str, with_ticket: bool) -> None:
        try:
            screen_cls = _optional(module, attr)
        except Exception as exc:
            self._refused(exc)
            return
        if screen_cls is None:
            self.refuse(self._t(missing))
            return
        if not with_ticket:
            self.app.push_screen(screen_cls(self.parts, self.actor))
            return

        def fetch() -> None:
            try:
                ticket = self.parts.engine.current(self.counter)
            except Exception as exc:
                self._ui(self._refused, exc)
                return
            self._ui(self._push_panel, screen_cls, ticket)

        self.run_worker(fetch, thread=True, group="panel", exit_on_error=False)

    def _push_panel(self, screen_cls: Any, ticket: TicketView | None) -> None:
        try:
            self.app.push_screen(screen_cls(self.parts, self.actor, ticket))
        except Exception as exc:
            self._refused(exc)

    def action_contributor(self) -> None:
        self._open_panel("counter_app.screens.contributor", "ContributorScreen",
                         "the contributor panel is not installed", True)  # fmt: skip

    def action_payment(self) -> None:
        self._open_panel("counter_app.screens.payment", "PaymentScreen",
                         "the payment panel is not installed", True)  # fmt: skip

    def action_dashboard(self) -> None:
        if self.actor.role.level < Role.supervisor.level:
            self.refuse(self._t("only supervisors and managers open the dashboard"))
            return
        self._open_panel("counter_app.screens.dashboard", "DashboardScreen",
                         "the dashboard is not installed", False)  # fmt: skip

    # Ctrl+Q (the app's key calls this while the main screen is up)
    def ask_sign_out(self, then: Callable[[str], None]) -> None:
        lang = language_of(self)
        options = [("closed", lang.t("Close the counter")), ("paused", lang.t("Leave it paused"))]

        def chosen(leave: str | None) -> None:
            if not leave:
                return
            eng, n, who = self.parts.engine, self.counter, self.actor

            def work() -> None:
                try:
                    eng.sign_out(n, who, leave)
                except Exception as exc:
                    self._ui(self._refused, exc)
                    return
                self._ui(then, leave)

            self.run_worker(work, thread=True, group="engine", exit_on_error=False)

        self.app.push_screen(ChoiceDialog("Sign out: leave the counter", options,
                                          dialog_id="sign-out"), chosen)  # fmt: skip


__all__ = ["MainScreen"]
