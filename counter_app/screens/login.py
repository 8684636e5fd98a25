"""Signing in at a counter: username (focused first), Tab to the PIN, Enter signs in.

The PIN is checked by `branch.staff.authenticate` (lockout after 5 wrong PINs, counted in the
database so every process sees it, audited) in a thread worker. Then, unless the app was
started with `--counter N`, the staff member picks a counter nobody else holds; signing in
opens it under them (`QueueEngine.sign_in`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from sqlmodel import col, or_, select
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from branch.clock import as_utc
from branch.models import Counter
from branch.staff import Actor, StaffLocked, authenticate, saved_lang
from counter_app import keys
from counter_app.messages import SignedIn
from counter_app.parts import CounterParts
from counter_app.refusals import refusal_line
from counter_app.widgets.key_bar import KeyBar
from counter_app.widgets.status_line import StatusLine
from tui import bidi
from tui.lang import LanguageChanged, language_of
from tui.live import DataChanged


class LoginScreen(Screen):
    BINDINGS: ClassVar = [
        Binding("escape", "back", "Back", id="counter.login.back", show=False),
    ]

    def __init__(self, parts: CounterParts, fixed_counter: int | None = None, **kw) -> None:
        super().__init__(**kw)
        self.parts = parts
        self.fixed_counter = fixed_counter
        self.actor: Actor | None = None  # authenticated, choosing a counter
        self.free: list[tuple[int, str]] = []  # (number, label) the actor may take
        self.busy = False
        self._values = {"username": "", "pin": ""}

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        lang = language_of(self)
        b = self.parts.settings.config.branch
        branch = b.name_ar if lang.lang == "ar" else b.name_en
        title = lang.t("Counter sign-in")
        if self.fixed_counter is not None:
            title += " · " + lang.t("counter {n}").format(n=self.fixed_counter)
        with Vertical(id="login"):
            yield Static(lang.row([branch, title], sep="  │  "), id="login-title", classes="text")
            with Horizontal(classes="field"):
                yield from bidi.ordered([
                    Label(lang.show("Username"), classes="field-label"),
                    Input(self._values["username"], max_length=32, id="username"),
                ], lang.lang)  # fmt: skip
            with Horizontal(classes="field"):
                yield from bidi.ordered([
                    Label(lang.show("PIN"), classes="field-label"),
                    Input(self._values["pin"], password=True, max_length=12, id="pin"),
                ], lang.lang)  # fmt: skip
            yield Static(lang.show("Choose your counter") if self.actor else "",
                         id="choose-title", classes="text")  # fmt: skip
            yield OptionList(*self._options(), id="counters")
            yield StatusLine(id="status")
        quit_key = Binding("ctrl+q", "sign_out", "Quit", id="counter.sign_out")
        yield KeyBar([Binding("tab", "", "Next field"), Binding("enter", "", "Sign in"),
                      keys.APP[0], quit_key], id="keys")  # fmt: skip

    def _options(self) -> list[Option]:
        lang = language_of(self)
        just = "right" if lang.is_rtl else "left"
        return [Option(Text(lang.text(label), justify=just), id=str(n)) for n, label in self.free]

    def on_mount(self) -> None:
        self._show_choice()
        self.query_one("#username", Input).focus()

    def _show_choice(self) -> None:
        choosing = self.actor is not None
        self.query_one("#counters", OptionList).display = choosing
        self.query_one("#choose-title").display = choosing

    def on_language_changed(self, _: LanguageChanged) -> None:
        focused = self.focused.id if self.focused else None
        status = self.query_one(StatusLine)
        said = (status.message, status.refused)
        self._values = {k: self.query_one(f"#{k}", Input).value for k in self._values}

        def restore() -> None:
            self._show_choice()
            line = self.query_one(StatusLine)
            (line.refuse if said[1] else line.say)(said[0])
            if focused:
                self.query_one(f"#{focused}").focus()

        self.refresh(recompose=True)
        self.call_after_refresh(restore)

    def reset(self) -> None:
        """Back to an empty form (after a sign-out)."""
        self.actor, self.free, self.busy = None, [], False
        for name in ("username", "pin"):
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#counters", OptionList).clear_options()
        self._show_choice()
        self.query_one(StatusLine).say("")
        self.query_one("#username", Input).focus()

    def action_back(self) -> None:
        if self.actor is not None and not self.busy:
            self.actor, self.free = None, []
            self._show_choice()
            self.query_one("#pin", Input).focus()

    # -- signing in ---------------------------------------------------------------------
    def refuse(self, message: str) -> None:
        self.query_one(StatusLine).refuse(message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        lang = language_of(self)
        username = self.query_one("#username", Input).value.strip().lower()
        if event.input.id == "username":
            if not username:
                self.refuse(lang.t("type your username"))
                return
            self.query_one("#pin", Input).focus()
            return
        if not username:
            self.refuse(lang.t("type your username"))
            self.query_one("#username", Input).focus()
            return
        if self.busy:
            return
        pin_input = self.query_one("#pin", Input)
        pin, pin_input.value = pin_input.value, ""  # never kept
        self.busy = True
        self.query_one(StatusLine).say(lang.t("checking…"))
        self.run_worker(lambda: self._authenticate(username, pin), thread=True,
                        group="login", exit_on_error=False)  # fmt: skip

    def _authenticate(self, username: str, pin: str) -> None:
        parts = self.parts
        where = f"counter:{self.fixed_counter}" if self.fixed_counter else "counter"
        try:
            with parts.db.write() as s:
                actor = authenticate(s, username, pin, as_utc(parts.clock()), where)
        except StaffLocked as exc:
            self.app.call_from_thread(self._refused, exc.shown_in(parts.settings.tz))
            return
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        lang = self._saved_lang(actor)
        if self.fixed_counter is not None:
            self._sign_in(actor, self.fixed_counter, lang)
            return
        try:
            free = self._free_counters(actor)
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._choose, actor, free, lang)

    def _saved_lang(self, actor: Actor) -> str | None:
        if actor.username is None:
            return None
        try:
            with self.parts.db.read() as s:
                return saved_lang(s, actor.username)
        except Exception:
            return None

    def _free_counters(self, actor: Actor) -> list[tuple[int, str, str, str]]:
        """Counters nobody else holds; only their own if they hold one already."""
        with self.parts.db.read() as s:
            rows = s.exec(
                select(Counter)
                .where(Counter.active, or_(col(Counter.staff_username).is_(None),
                                           Counter.staff_username == actor.username))
                .order_by(col(Counter.number))
            ).all()  # fmt: skip
            own = [c for c in rows if c.staff_username == actor.username]
            return [(c.number, c.name_ar, c.name_en, c.status) for c in (own or rows)]

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.refuse(refusal_line(exc, language_of(self).lang))
        self.query_one("#pin", Input).focus()

    def _choose(
        self, actor: Actor, free: list[tuple[int, str, str, str]], lang: str | None,
        refresh: bool = False,
    ) -> None:  # fmt: skip
        """Show the counters `actor` may take. `refresh`: the list changed under the person
        choosing (another counter was taken): keep their highlighted counter and the focus."""
        self.busy = False
        if lang:
            self.app.language.set(lang)  # type: ignore[attr-defined]
        ui = language_of(self)
        if not free:
            self.refuse(ui.t("every counter is held by someone else"))
            return
        self.actor = actor
        self.free = [
            (n, f"{(ar if ui.lang == 'ar' else en) or ui.t('counter {n}').format(n=n)}"
                f" · {ui.t(status)}")
            for n, ar, en, status in free
        ]  # fmt: skip
        box = self.query_one("#counters", OptionList)
        was = box.highlighted_option.id if refresh and box.highlighted_option else None
        box.clear_options()
        box.add_options(self._options())
        ids = [str(n) for n, _ in self.free]
        box.highlighted = ids.index(was) if was in ids else 0
        if refresh:
            return
        self.query_one("#choose-title", Static).update(ui.show("Choose your counter"))
        self._show_choice()
        box.focus()
        self.query_one(StatusLine).say(ui.t("Enter signs in at the highlighted counter"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.actor is None or self.busy or event.option.id is None:
            return
        self.busy = True
        actor, number = self.actor, int(event.option.id)
        self.run_worker(lambda: self._sign_in(actor, number, None), thread=True,
                        group="login", exit_on_error=False)  # fmt: skip

    def _sign_in(self, actor: Actor, counter: int, lang: str | None) -> None:
        try:
            self.parts.engine.sign_in(counter, actor)
        except Exception as exc:
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self._signed_in, actor, counter, lang)

    def _signed_in(self, actor: Actor, counter: int, lang: str | None) -> None:
        self.busy = False
        if lang:
            self.app.language.set(lang)  # type: ignore[attr-defined]
        self.post_message(SignedIn(actor, counter))

    def on_data_changed(self, _: DataChanged) -> None:
        """While choosing, a counter someone else just took leaves the list."""
        if self.actor is None or self.busy:
            return
        actor = self.actor

        def work() -> None:
            try:
                free = self._free_counters(actor)
            except Exception:
                return
            self.app.call_from_thread(self._update_free, actor, free)

        self.run_worker(work, thread=True, group="login-free", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    def _update_free(self, actor: Actor, free: list[tuple[int, str, str, str]]) -> None:
        if self.actor is actor and not self.busy:
            self._choose(actor, free, None, refresh=True)


__all__ = ["LoginScreen"]
