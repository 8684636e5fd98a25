"""`tabour manager`'s sign-in: username and PIN, supervisors and managers only."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from branch.errors import TabourError
from branch.staff import Actor, AuthRefused, StaffLocked, authenticate, saved_lang
from counter_app.dashboard_actions import ROLES
from counter_app.parts import CounterParts
from tui.clock import TabourClock
from tui.lang import LanguageChanged, language_of

NOT_FOR_CLERKS = "{username} is a {role}: the dashboard is for supervisors and managers"


class ManagerLoginScreen(Screen):
    BINDINGS: ClassVar = [
        Binding("ctrl+l", "language", "Language", id="manager.language", priority=True),
    ]

    class SignedIn(Message):
        def __init__(self, actor: Actor) -> None:
            super().__init__()
            self.actor = actor

    def __init__(self, parts: CounterParts) -> None:
        super().__init__()
        self.parts = parts
        self.message = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static(id="login-branch", classes="text")
            yield Static(id="login-title", classes="text")
            yield Static(id="login-user-label", classes="text")
            yield Input(id="username", max_length=32)
            yield Static(id="login-pin-label", classes="text")
            yield Input(id="pin", password=True, max_length=12, restrict=r"[0-9]*")
            yield Static(id="login-message", classes="text")
            yield Static(id="login-keys", classes="text")
            yield TabourClock(self.parts.settings.tz, self.parts.clock, id="login-clock")

    def on_mount(self) -> None:
        self.render_text()
        self.query_one("#username", Input).focus()

    def render_text(self) -> None:
        lang = language_of(self)
        branch = self.parts.settings.config.branch
        self.query_one("#login-branch", Static).update(
            lang.text(branch.name_ar if lang.is_rtl else branch.name_en)
        )
        self.query_one("#login-title", Static).update(lang.show("Manager dashboard: sign in"))
        self.query_one("#login-user-label", Static).update(lang.show("Username"))
        self.query_one("#login-pin-label", Static).update(lang.show("PIN"))
        self.query_one("#login-message", Static).update(lang.text(self.message))
        self.query_one("#login-keys", Static).update(lang.row([
            lang.t("Tab next field"), lang.t("Enter sign in"), lang.t("Ctrl+L language"),
            lang.t("Ctrl+Q quit"),
        ], sep="   "))  # fmt: skip

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.render_text()

    def action_language(self) -> None:
        language_of(self).toggle()

    def say(self, message: str) -> None:
        self.message = message
        self.render_text()

    @on(Input.Submitted, "#username")
    def to_pin(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        lang = language_of(self)
        if not username:
            self.say(lang.t("Type your username"))
            self.query_one("#username", Input).focus()
            return
        self.say(lang.t("Checking..."))
        self.sign_in(username, pin, lang.lang)

    @work(thread=True, exclusive=True, group="manager-login", exit_on_error=False)
    def sign_in(self, username: str, pin: str, lang: str) -> None:
        try:
            with self.parts.db.write() as s:
                actor = authenticate(s, username, pin, self.parts.clock(), where="manager")
                saved = saved_lang(s, username)
        except StaffLocked as exc:
            self.app.call_from_thread(self.refused, exc.shown_in(self.parts.settings.tz))
            return
        except TabourError as exc:
            self.app.call_from_thread(self.refused, exc)
            return
        self.app.call_from_thread(self.accepted, actor, saved)

    def refused(self, exc: TabourError) -> None:
        lang = language_of(self)
        self.say(exc.in_lang(lang.lang) if isinstance(exc, AuthRefused) else lang.t(str(exc)))
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def accepted(self, actor: Actor, saved: str | None = None) -> None:
        lang = language_of(self)
        self.query_one("#pin", Input).value = ""
        if actor.role.level < ROLES["open"].level:
            self.say(lang.t(NOT_FOR_CLERKS).format(
                username=actor.username, role=lang.t(actor.role.value)
            ))  # fmt: skip
            self.query_one("#username", Input).focus()
            return
        self.say("")
        if saved is not None:  # the language this staff member last chose (any Tabour app)
            lang.set(saved)
        self.post_message(self.SignedIn(actor))
