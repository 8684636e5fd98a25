"""The payment's two dialogs: confirm the amount (JOD, three decimals, in the counter's
language) and reverse a payment (a reason, then a supervisor's username and PIN). Neither
does I/O: each returns its answer through `dismiss`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from counter_app.screens.central_style import CENTRAL_TCSS
from counter_app.widgets.contributor_card import lines
from counter_app.widgets.money import money
from tui import bidi
from tui.lang import LanguageChanged, language_of


@dataclass(frozen=True)
class PaymentDraft:
    purpose: str  # code
    purpose_label: str  # English msgid
    amount_fils: int
    payer: tuple[str, ...]  # (name, masked national number), or the masked number alone
    periods: tuple[str, ...] = ()
    offline: bool = False


class ConfirmPaymentDialog(ModalScreen[bool]):
    """`Take 12.500 JD for Arrears?` Enter or Y takes it, Escape or N goes back."""

    CSS_PATH = CENTRAL_TCSS
    BINDINGS: ClassVar = [
        Binding("enter,y", "answer(True)", "Take the payment", id="counter.payment.confirm"),
        Binding("escape,n", "answer(False)", "Back", id="counter.payment.back"),
    ]

    def __init__(self, draft: PaymentDraft, **kw) -> None:
        super().__init__(**kw)
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="cc-dialog"):
            yield Static(id="confirm-title", classes="text cc-dialog-title")
            yield Static(id="confirm-body", classes="text")
            yield Static(id="confirm-keys", classes="text cc-keybar")

    def on_mount(self) -> None:
        self.render_text()

    def on_language_changed(self, _: LanguageChanged) -> None:
        self.render_text()

    def render_text(self) -> None:
        lang = language_of(self)
        d = self.draft
        self.query_one("#confirm-title", Static).update(lang.show("Confirm the payment"))
        pairs = [
            ("Amount", money(d.amount_fils, lang.lang)),
            ("Purpose", lang.t(d.purpose_label)),
            ("Payer", d.payer),
        ]
        if d.periods:
            pairs.append(("Periods", ", ".join(d.periods)))
        if d.offline:
            pairs.append(("Central", lang.t("offline: provisional receipt")))
        self.query_one("#confirm-body", Static).update(lines(lang, pairs))
        self.query_one("#confirm-keys", Static).update(
            lang.row([f"Enter {lang.t('take the payment')}", f"Esc {lang.t('back')}"], sep="   ")
        )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass(frozen=True)
class ReversalRequest:
    reason: str
    username: str
    pin: str


class ReversalDialog(ModalScreen[ReversalRequest | None]):
    """Reason, then the supervisor's username and PIN (Tab moves, Enter on the PIN signs)."""

    CSS_PATH = CENTRAL_TCSS
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Back", id="counter.reversal.cancel")]

    def __init__(self, payment_label: str, username: str | None, **kw) -> None:
        super().__init__(**kw)
        self.payment_label = payment_label
        self.username = username or ""
        self.problem = ""

    def compose(self) -> ComposeResult:
        lang = language_of(self)
        with Vertical(id="reversal-box", classes="cc-dialog"):
            yield Static(
                lang.text(lang.t("Reverse payment {payment}").format(payment=self.payment_label)),
                classes="text cc-dialog-title",
            )
            yield Static(lang.show("Reason"), classes="text")
            yield Input(id="rev-reason", max_length=500)
            yield Static(lang.show("Supervisor"), classes="text")
            yield Input(value=self.username, id="rev-user", max_length=32)
            yield Static(lang.show("PIN"), classes="text")
            yield Input(id="rev-pin", password=True, restrict=r"[0-9]*", max_length=12)
            yield Static("", id="rev-problem", classes="text")
            yield Static(
                lang.row([f"Enter {lang.t('reverse')}", f"Esc {lang.t('back')}"], sep="   "),
                classes="text cc-keybar",
            )

    def on_mount(self) -> None:
        self.query_one("#rev-reason", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        reason = self.query_one("#rev-reason", Input).value.strip()
        user = self.query_one("#rev-user", Input).value.strip()
        pin = self.query_one("#rev-pin", Input).value.strip()
        if not 3 <= len(reason) <= 500:
            self._problem("a reversal needs a reason of 3 to 500 characters", "#rev-reason")
            return
        if not user:
            self._problem("type the supervisor's username", "#rev-user")
            return
        if not pin:
            if event.input.id != "rev-pin":
                self.query_one("#rev-pin", Input).focus()
                return
            self._problem("type the supervisor's PIN", "#rev-pin")
            return
        self.dismiss(ReversalRequest(reason, user, pin))

    def _problem(self, message: str, focus: str) -> None:
        lang = language_of(self)
        self.query_one("#rev-problem", Static).update(
            bidi.text(lang.t(message), lang.lang, lang.bidi)
        )
        self.query_one(focus, Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["ConfirmPaymentDialog", "PaymentDraft", "ReversalDialog", "ReversalRequest"]
