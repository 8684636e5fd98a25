"""The payment screen (Ctrl+P): from a due, or a purpose and an amount in JOD; a confirmation
dialog; the payment written through the outbox (never waiting on central); the receipt on
the counter's printer; the state of this visit's payments updating live; reversal signed
by a supervisor's PIN.

The payer is the contributor looked up for this ticket (F12, or preloaded from the kiosk);
without one, a national number typed here is resolved by `Central.create_payment` (online
lookup, or the branch's snapshot offline; with neither it is refused in one line and
nothing is written).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from branch.staff import Actor
from counter_app import payment_flow as flow
from counter_app.central_messages import explain
from counter_app.central_session import central_timeout_s
from counter_app.contributor_lookup import LoadedContributor, loaded_for
from counter_app.screens.central_style import CENTRAL_TCSS
from counter_app.screens.payment_dialogs import (
    ConfirmPaymentDialog,
    PaymentDraft,
    ReversalDialog,
    ReversalRequest,
)
from counter_app.widgets.money import money
from counter_app.widgets.stale_badge import StaleBadge
from sync import payments as pay
from sync.identifiers import mask, validate_identifier
from tui import bidi
from tui.lang import LanguageChanged, language_of
from tui.live import DataChanged

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView

STATUS_LABELS = {
    "pending": "pending",
    "confirmed": "confirmed",
    "failed": "failed",
    "reversed": "reversed",
    "cancelled": "Cancelled",
}
ALL_DUES = "all"


class PaymentScreen(Screen):
    CSS_PATH = CENTRAL_TCSS
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close", id="counter.payment.close"),
        Binding("ctrl+s", "take", "Take the payment", id="counter.payment.take"),
        Binding("ctrl+r", "reverse", "Reverse", id="counter.payment.reverse"),
    ]

    def __init__(
        self, parts: CounterParts, actor: Actor, ticket: TicketView | None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.parts, self.actor, self.ticket = parts, actor, ticket
        self.payer: LoadedContributor | None = loaded_for(parts, ticket)
        self.urgent_due = False
        urgent = ticket is not None and ticket.priority == "urgent"
        self.purpose = flow.URGENT_FEE if urgent else self._default_purpose()
        self.amount_text = flow.jod(parts.settings.config.central.urgent_fee_fils) if urgent else ""
        self.periods: list[str] = []
        self.nn_text = ""
        self.payments: list[pay.PaymentView] = []
        self.status: tuple[str, dict[str, object], bool] = ("", {}, False)
        self.taken = 0  # payments written from this screen (tests wait on it)
        self.refreshes = 0
        self.last_receipt: Any = None  # the PrintOutcome of the latest receipt

    def _default_purpose(self) -> str:
        if self.payer is not None and self.payer.summary.value.status.value == "voluntary_active":
            return "voluntary_contribution"
        return "arrears"

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        lang = language_of(self)
        title = lang.t("Payment")
        if self.ticket is not None:
            title = f"{title} · {self.ticket.code}"
        with Horizontal(id="cc-title-row"):
            row = [
                Static(lang.text(title), id="pay-title", classes="text"),
                Static("", id="pay-urgent"),
                StaleBadge(self.parts.settings.tz, id="pay-stale"),
            ]
            yield from bidi.ordered(row, lang.lang)
        yield Static("", id="pay-payer", classes="text")
        if self.payer is None:
            with Horizontal(classes="pay-row"):
                row = [
                    Static(lang.show("National number"), classes="pay-label"),
                    Input(
                        value=self.nn_text,
                        id="pay-nn",
                        restrict=r"[0-9]*",
                        max_length=10,
                        placeholder=lang.t("digits only"),
                    ),
                ]
                yield from bidi.ordered(row, lang.lang)
        with Horizontal(classes="cc-table-row", id="pay-dues-row"):
            yield DataTable(id="pay-dues", cursor_type="row")
        with Horizontal(classes="pay-row"):
            options = [(lang.show(label), code) for code, (label, _) in flow.PURPOSES.items()]
            row = [
                Static(lang.show("Purpose"), classes="pay-label"),
                Select(options, value=self.purpose, allow_blank=False, id="pay-purpose"),
                Static(lang.show("Amount (JOD)"), classes="pay-label"),
                Input(
                    value=self.amount_text,
                    id="pay-amount",
                    restrict=r"[0-9.]*",
                    max_length=14,
                    placeholder="0.000",
                ),
            ]
            yield from bidi.ordered(row, lang.lang)
        yield Static("", id="pay-status", classes="text")
        yield Static(lang.show("Payments for this visit"), classes="text cc-section")
        with Horizontal(classes="cc-table-row", id="pay-list-row"):
            yield DataTable(id="pay-list", cursor_type="row")
        yield Static(self._keys_text(), id="pay-keys", classes="text cc-keybar")

    def _keys_text(self) -> str:
        lang = language_of(self)
        return lang.row(
            [
                f"Enter {lang.t('choose a due / take')}",
                f"Ctrl+S {lang.t('take the payment')}",
                f"Ctrl+R {lang.t('reverse')}",
                f"Esc {lang.t('close')}",
            ],
            sep="   ",
        )

    def on_mount(self) -> None:
        focus = "#pay-nn" if self.payer is None else "#pay-amount"
        self.query_one(focus, Input).focus()
        self.render_state()
        self.refresh_payments()
        self.set_interval(1.0, self._tick)

    async def on_language_changed(self, _: LanguageChanged) -> None:
        self._keep_inputs()
        await self.recompose()
        self.render_state()

    def _keep_inputs(self) -> None:
        self.amount_text = self.query_one("#pay-amount", Input).value
        if self.payer is None:
            self.nn_text = self.query_one("#pay-nn", Input).value

    # -- rendering ------------------------------------------------------------------------
    def render_state(self) -> None:
        lang = language_of(self)
        payer = self.payer
        if payer is not None:
            v = payer.summary.value
            name = v.name_ar if lang.is_rtl else v.name_en
            text = lang.row([f"{lang.t('Payer')}:", name, "·", v.national_number_masked], sep=" ")
        else:
            text = lang.show(
                "No contributor looked up: type the national number, or press "
                "Esc and look the person up (F12)"
            )
        self.query_one("#pay-payer", Static).update(text)
        self.query_one("#pay-stale", StaleBadge).show(
            payer is not None and payer.stale, payer.as_of if payer else None
        )
        urgent = self.query_one("#pay-urgent", Static)
        urgent.update(lang.show("urgent: fee due") if self.urgent_due else "")
        urgent.set_class(self.urgent_due, "urgent-due")
        self._render_dues()
        self._render_payments()
        template, params, refused = self.status
        status = self.query_one("#pay-status", Static)
        line = lang.t(template).format(**params) if params else lang.t(template)
        status.update(lang.text(line))
        status.set_class(refused, "refused")

    def _render_dues(self) -> None:
        lang = language_of(self)
        columns = [
            ("period", lang.t("Period")),
            ("due", lang.t("Due")),
            ("late_fee", lang.t("Late fee")),
            ("total", lang.t("Total")),
        ]
        rows: list[tuple[str, list[str]]] = []
        if self.payer is not None and self.payer.statement is not None:
            st = self.payer.statement.value
            dues = self.payer.dues()
            if dues:
                rows.append((ALL_DUES, [lang.t("All dues"), "", "", flow.jod(st.total_due_fils)]))
            for x in dues:
                total = x.due_fils + x.late_fee_fils
                rows.append(
                    (
                        x.period,
                        [
                            x.period,
                            flow.jod(x.due_fils),
                            flow.jod(x.late_fee_fils),
                            flow.jod(total),
                        ],
                    )
                )
        bidi.fill_table(self.query_one("#pay-dues", DataTable), columns, rows, lang.lang, lang.bidi)

    def _render_payments(self) -> None:
        lang = language_of(self)
        columns = [
            ("receipt", lang.t("Receipt")),
            ("purpose", lang.t("Purpose")),
            ("amount", lang.t("Amount")),
            ("status", lang.t("Status")),
            ("delivery", lang.t("Delivery")),
        ]
        rows = []
        for v in self.payments:
            receipt = v.receipt_no or f"{v.provisional_receipt_no} · {lang.t('provisional')}"
            label = flow.PURPOSES.get(v.purpose, (v.purpose, ""))[0]
            rows.append(
                (
                    str(v.id),
                    [
                        receipt,
                        lang.t(label),
                        money(v.amount_fils, lang.lang),
                        lang.t(STATUS_LABELS.get(v.status, v.status)),
                        lang.t(v.delivery.split(" ")[0]),
                    ],
                )
            )
        table = self.query_one("#pay-list", DataTable)
        bidi.fill_table(table, columns, rows, lang.lang, lang.bidi)

    def say(self, template: str, refused: bool = False, **params: object) -> None:
        self.status = (template, params, refused)
        self.render_state()

    def fail(self, exc: BaseException) -> None:
        template, params = explain(exc, timeout_s=central_timeout_s(self.parts))
        lang = language_of(self)
        values = {k: lang.t(v) if isinstance(v, str) else v for k, v in params.items()}
        self.status = (template, values, True)
        self.render_state()

    # -- choosing what to pay -------------------------------------------------------------
    @on(Select.Changed, "#pay-purpose")
    def _purpose(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.purpose = event.value

    @on(DataTable.RowSelected, "#pay-dues")
    def _due_chosen(self, event: DataTable.RowSelected) -> None:
        if self.payer is None or self.payer.statement is None:
            return
        key = str(event.row_key.value)
        dues = self.payer.dues()
        chosen = dues if key == ALL_DUES else [x for x in dues if x.period == key]
        fils = (
            self.payer.statement.value.total_due_fils
            if key == ALL_DUES
            else sum(x.due_fils + x.late_fee_fils for x in chosen)
        )
        self.periods = [x.period for x in chosen]
        self.purpose = self._default_purpose()
        self.query_one("#pay-purpose", Select).value = self.purpose
        amount = self.query_one("#pay-amount", Input)
        amount.value = flow.jod(fils)
        amount.focus()
        self.say("Due chosen: check the amount, then Enter")

    @on(Input.Submitted, "#pay-amount")
    def _amount_entered(self) -> None:
        self.action_take()

    @on(Input.Submitted, "#pay-nn")
    def _nn_entered(self) -> None:
        self.query_one("#pay-amount", Input).focus()

    def action_take(self) -> None:
        try:
            fils = flow.parse_jod(self.query_one("#pay-amount", Input).value)
        except Exception as exc:  # one line, never a traceback
            self.fail(exc)
            return
        nn: str | None = None
        if self.payer is None:
            try:
                nn = validate_identifier(
                    "national_number", self.query_one("#pay-nn", Input).value.strip()
                )
            except Exception as exc:  # one line, never a traceback
                self.fail(exc)
                return
            payer_label: tuple[str, ...] = (mask(nn),)
        else:
            v = self.payer.summary.value
            name = v.name_ar if language_of(self).is_rtl else v.name_en
            payer_label = (name, "·", v.national_number_masked)
        if self.purpose != "arrears" and self.purpose != "voluntary_contribution":
            periods: list[str] = []
        else:
            periods = self.periods
        label = flow.PURPOSES[self.purpose][0]
        draft = PaymentDraft(
            self.purpose,
            label,
            fils,
            payer_label,
            tuple(periods),
            offline=bool(self.payer and self.payer.stale),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.say("Writing the payment…")
                self._take_worker(draft, nn)

        self.app.push_screen(ConfirmPaymentDialog(draft), answered)

    @work(thread=True, group="payment-take", exit_on_error=False)
    def _take_worker(self, draft: PaymentDraft, nn: str | None) -> None:
        try:
            view = flow.take_payment(
                self.parts,
                self.actor,
                purpose=draft.purpose,
                amount_fils=draft.amount_fils,
                payer=self.payer,
                national_number=nn,
                periods=list(draft.periods),
                ticket=self.ticket,
            )
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self.fail, exc)
            return
        self.app.call_from_thread(self._taken, view)
        lang = language_of(self).lang if self.ticket is None else self.ticket.lang
        payer_ref = self.payer.summary.value.insurance_number if self.payer else None
        try:
            job = flow.print_receipt(
                self.parts, view, lang=lang, periods=list(draft.periods), payer_ref=payer_ref
            )
            outcome = job.outcome(60.0)
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(
                self._receipt_line, view, "Receipt not printed: {why}", True,
                {"why": type(exc).__name__},
            )  # fmt: skip
            return
        if outcome.printed:
            self.app.call_from_thread(
                self._receipt_line, view,
                "Payment queued offline, receipt {receipt} printed" if view.offline
                else "Payment queued, receipt {receipt} printed", False,
                {"receipt": view.provisional_receipt_no or ""},
            )  # fmt: skip
        else:
            self.app.call_from_thread(
                self._receipt_line, view, "Payment queued; receipt not printed: {why}", True,
                {"why": outcome.reason or ""},
            )  # fmt: skip
        self.last_receipt = outcome  # after the line is shown (call_from_thread waits)

    def _receipt_line(
        self, view: pay.PaymentView, template: str, refused: bool, params: dict[str, object]
    ) -> None:
        """The receipt's outcome, unless the clerk has moved on (a newer line stands)."""
        current, values, _ = self.status
        if current.startswith("Payment queued") and values.get("receipt") == (
            view.provisional_receipt_no or ""
        ):
            self.say(template, refused, **params)

    def _taken(self, view: pay.PaymentView) -> None:
        self.taken += 1
        self.periods = []
        self.query_one("#pay-amount", Input).value = ""
        self.amount_text = ""
        self.payments = [view, *[p for p in self.payments if p.id != view.id]]
        line = (
            "Payment queued (taken offline), receipt {receipt}"
            if view.offline
            else ("Payment queued, receipt {receipt}")
        )
        self.say(line, receipt=view.provisional_receipt_no or "")
        self.refresh_payments()

    # -- live state of this visit's payments ----------------------------------------------
    def on_data_changed(self, _: DataChanged) -> None:
        self.refresh_payments()

    def _tick(self) -> None:
        """PostgreSQL's notifier hears queue changes, not the relay's: while a payment is
        pending, read its state once a second as well."""
        if any(p.status == "pending" for p in self.payments):
            self.refresh_payments()

    @work(thread=True, exclusive=True, group="payments-read", exit_on_error=False)
    def refresh_payments(self) -> None:
        views = flow.payments_for_ticket(self.parts, self.ticket)
        if self.ticket is None:  # no visit: follow the payments taken here
            views = [flow.payment_status(self.parts, p.id) for p in self.payments]
        due = flow.urgent_fee_due(self.parts, self.ticket)
        self.app.call_from_thread(self._payments_read, views, due)

    def _payments_read(self, views: list[pay.PaymentView], urgent_due: bool) -> None:
        self.refreshes += 1
        changed = [(v.id, v.status, v.delivery) for v in views] != [
            (v.id, v.status, v.delivery) for v in self.payments
        ] or urgent_due != self.urgent_due
        fee_just_paid = self.urgent_due and not urgent_due
        self.payments, self.urgent_due = views, urgent_due
        if fee_just_paid and self.purpose == flow.URGENT_FEE:  # what is left is the dues
            self.purpose = self._default_purpose()
            self.query_one("#pay-purpose", Select).value = self.purpose
        if changed:
            self.render_state()

    # -- reversal -------------------------------------------------------------------------
    def action_reverse(self) -> None:
        table = self.query_one("#pay-list", DataTable)
        if not self.payments or table.row_count == 0:
            self.say("no payment to reverse", True)
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        view = next((p for p in self.payments if str(p.id) == str(key)), None)
        if view is None:
            return
        label = view.receipt_no or view.provisional_receipt_no or str(view.id)

        def answered(req: ReversalRequest | None) -> None:
            if req is not None:
                self.say("Queuing the reversal…")
                self._reverse_worker(view.id, req)

        self.app.push_screen(ReversalDialog(label, self.actor.username), answered)

    @work(thread=True, group="payment-reverse", exit_on_error=False)
    def _reverse_worker(self, payment_id: int, req: ReversalRequest) -> None:
        try:
            flow.reverse_payment(self.parts, payment_id, req.reason, req.username, req.pin)
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self._refused, exc)
            return
        self.app.call_from_thread(self.say, "Reversal queued for central")
        self.refresh_payments()

    def _refused(self, exc: BaseException) -> None:
        from branch.staff import AuthRefused

        if isinstance(exc, AuthRefused):
            self.status = ("{why}", {"why": exc.in_lang(language_of(self).lang)}, True)
            self.render_state()
        else:
            self.fail(exc)

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["PaymentScreen"]
