"""The contributor panel (F12): look a person up by national, personal or insurance number;
summary, contribution statement and dues; at a counter serving NAF or housing, the special
counter's tabs.

Every central call runs in a thread worker through the process's `CentralSession`, so the
screen keeps answering keys while central is slow; a timeout, an outage without an offline
copy, or a bad number is one line. An answer served from the branch's snapshot carries the
stale badge with its `as_of`. A lookup preloaded for the ticket (the kiosk captured the
number) is shown at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from branch.staff import Actor
from counter_app.central_messages import explain
from counter_app.central_session import central_session, central_timeout_s
from counter_app.contributor_lookup import (
    KIND_LABELS,
    KINDS,
    LoadedContributor,
    load_contributor,
    loaded_for,
    ticket_ref,
)
from counter_app.screens.central_style import CENTRAL_TCSS
from counter_app.widgets.contributor_card import ContributorCard, DuesCard, StatementTable
from counter_app.widgets.special_cards import HousingCard, HousingTable, NafCard
from counter_app.widgets.stale_badge import StaleBadge
from sync import contract as c
from sync.identifiers import validate_identifier
from sync.snapshots import Read
from tui import bidi
from tui.lang import LanguageChanged, language_of

if TYPE_CHECKING:
    from counter_app.parts import CounterParts
    from queue_kiosk.engine import TicketView

NAF_SERVICES = frozenset({"NAF"})
HOUSING_SERVICES = frozenset({"HOUSING"})


def special_tabs(parts: CounterParts) -> tuple[bool, bool]:
    """(NAF tab, housing tab): shown at counters that serve those services."""
    services: set[str] = set()
    for counter in parts.settings.config.counters:
        if parts.counter is None or counter.number == parts.counter:
            services.update(counter.services)
    if parts.counter is None:  # hosted without a counter (the demo): everything
        return True, True
    return bool(services & NAF_SERVICES), bool(services & HOUSING_SERVICES)


class ContributorScreen(Screen):
    CSS_PATH = CENTRAL_TCSS
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close", id="counter.contributor.close"),
        Binding("ctrl+p", "payment", "Payment", id="counter.contributor.payment"),
        Binding("ctrl+t", "next_tab", "Next tab", id="counter.contributor.next_tab"),
    ]

    def __init__(
        self, parts: CounterParts, actor: Actor, ticket: TicketView | None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.parts, self.actor, self.ticket = parts, actor, ticket
        self.show_naf, self.show_housing = special_tabs(parts)
        self.loaded: LoadedContributor | None = loaded_for(parts, ticket)
        self.kind: str = self.loaded.kind if self.loaded else "national_number"
        self.typed: str = self.loaded.identifier if self.loaded else ""
        self.status: tuple[str, dict[str, object], bool] = ("", {}, False)
        if self.loaded is not None and self.loaded.source == "kiosk":
            self.status = ("Loaded from the number given at the kiosk", {}, False)
        self.busy = False
        self.lookups = 0  # lookups finished (tests and the bench wait on it)
        self.naf: Any = None  # the last NAF answer shown (eligibility, application, appeal)
        self.naf_stale: Read[Any] | None = None
        self.naf_application_id: str | None = None
        self.housing: Read[c.HousingApplicationList] | None = None
        self.housing_one: c.HousingApplication | None = None
        self.active_tab = "tab-summary"

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        lang = language_of(self)
        title = lang.t("Contributor")
        if self.ticket is not None:
            title = f"{title} · {self.ticket.code}"
        with Horizontal(id="cc-title-row"):
            parts = [
                Static(lang.text(title), id="cc-title", classes="text"),
                StaleBadge(self.parts.settings.tz, id="cc-stale"),
            ]
            yield from bidi.ordered(parts, lang.lang)
        with Horizontal(id="cc-search"):
            options = [(lang.show(KIND_LABELS[k]), k) for k in KINDS]
            row = [
                Select(options, value=self.kind, allow_blank=False, id="cc-kind"),
                Input(
                    value=self.typed,
                    placeholder=lang.show("digits only"),
                    restrict=r"[0-9]*",
                    max_length=12,
                    id="cc-number",
                ),
            ]
            yield from bidi.ordered(row, lang.lang)
        yield Static("", id="cc-status", classes="text")
        with TabbedContent(initial=self.active_tab, id="cc-tabs"):
            # Mirrored in Arabic: the first tab on the right.
            yield from bidi.ordered(self._panes(), lang.lang)
        yield Static(self._keys_text(), id="cc-keys", classes="text cc-keybar")

    def _panes(self) -> list[TabPane]:
        lang = language_of(self)
        panes = [
            TabPane(
                lang.show("Summary"),
                VerticalScroll(ContributorCard(id="cc-card", classes="text")),
                id="tab-summary",
            ),
            TabPane(
                lang.show("Statement"),
                Horizontal(
                    StatementTable(id="cc-statement", cursor_type="row", zebra_stripes=True),
                    classes="cc-table-row",
                ),
                id="tab-statement",
            ),
            TabPane(
                lang.show("Dues"),
                DuesCard(id="cc-dues", classes="text"),
                Static(
                    lang.show("Ctrl+P: take a payment"), id="cc-dues-hint", classes="text cc-hint"
                ),
                id="tab-dues",
            ),
        ]
        if self.show_naf:
            panes.append(
                TabPane(lang.show("National Aid Fund"), *self._naf_widgets(), id="tab-naf")
            )
        if self.show_housing:
            panes.append(
                TabPane(
                    lang.show("Housing"),
                    Button(lang.show("Look up housing applications"), id="housing-go"),
                    Horizontal(
                        HousingTable(id="housing-table", cursor_type="row"),
                        classes="cc-table-row",
                        id="housing-table-row",
                    ),
                    HousingCard(id="housing-card", classes="text"),
                    id="tab-housing",
                )
            )
        return panes

    def _naf_widgets(self) -> list[Widget]:
        lang = language_of(self)
        rows = [
            ("naf-household", "Household size", r"[0-9]*", 2),
            ("naf-app", "Application", r"[A-Za-z0-9_-]*", 40),
            ("naf-appeal", "Appeal reason", None, 300),
        ]
        out: list[Widget] = []
        for wid, label, restrict, max_length in rows:
            widgets = [
                Static(lang.show(label), classes="naf-label"),
                Input(
                    id=wid,
                    restrict=restrict,
                    max_length=max_length,
                    placeholder=lang.show(_NAF_HINTS[wid]),
                ),
            ]
            out.append(Horizontal(*bidi.ordered(widgets, lang.lang), classes="naf-row"))
        out.append(NafCard(id="naf-card", classes="text"))
        return out

    def _keys_text(self) -> str:
        lang = language_of(self)
        keys = [
            f"Enter {lang.t('look up')}",
            f"Ctrl+T {lang.t('next tab')}",
            f"Ctrl+P {lang.t('payment')}",
            f"Esc {lang.t('close')}",
        ]
        return lang.row(keys, sep="   ")

    def on_mount(self) -> None:
        self.query_one("#cc-number", Input).focus()
        self.render_state()

    async def on_language_changed(self, _: LanguageChanged) -> None:
        self._keep_inputs()
        await self.recompose()
        self.render_state()

    def _keep_inputs(self) -> None:
        self.typed = self.query_one("#cc-number", Input).value
        self.active_tab = self.query_one("#cc-tabs", TabbedContent).active or self.active_tab

    # -- rendering ------------------------------------------------------------------------
    def render_state(self) -> None:
        lang = language_of(self)
        loaded = self.loaded
        stale = loaded is not None and loaded.stale
        as_of = loaded.as_of if loaded is not None else None
        if self.naf_stale is not None and self.naf_stale.stale:
            stale, as_of = (
                True,
                self.naf_stale.as_of if as_of is None else min(as_of, self.naf_stale.as_of),
            )
        self.query_one("#cc-stale", StaleBadge).show(stale, as_of)
        self.query_one("#cc-card", ContributorCard).show(loaded)
        self.query_one("#cc-statement", StatementTable).show(
            loaded.statement.value if loaded and loaded.statement else None
        )
        error = None
        if loaded is not None and loaded.statement_error is not None:
            template, params = explain(loaded.statement_error)
            error = self._line(template, params)
        self.query_one("#cc-dues", DuesCard).show(loaded, error)
        template, params, refused = self.status
        line = self._line(template, params) if template else ""
        status = self.query_one("#cc-status", Static)
        status.update(lang.text(line))
        status.set_class(refused, "refused")
        if self.show_naf:
            card = self.query_one("#naf-card", NafCard)
            if isinstance(self.naf, c.NafEligibility):
                card.show_eligibility(self.naf)
            elif isinstance(self.naf, c.NafApplication):
                card.show_application(self.naf)
            elif isinstance(self.naf, c.NafAppeal):
                card.show_appeal(self.naf)
            else:
                card.clear()
        if self.show_housing:
            self.query_one("#housing-table", HousingTable).show(
                self.housing.value.items if self.housing else []
            )
            if self.housing_one is not None:
                self.query_one("#housing-card", HousingCard).show(self.housing_one)

    def _line(self, template: str, params: dict[str, object]) -> str:
        lang = language_of(self)
        values = {k: lang.t(v) if isinstance(v, str) else v for k, v in params.items()}
        return lang.t(template).format(**values) if values else lang.t(template)

    def say(self, template: str, refused: bool = False, **params: object) -> None:
        self.status = (template, params, refused)
        self.render_state()

    def fail(self, exc: BaseException) -> None:
        template, params = explain(exc, timeout_s=self._timeout_s())
        self.say(template, True, **params)

    def _timeout_s(self) -> float:
        return central_timeout_s(self.parts)

    # -- the lookup -----------------------------------------------------------------------
    @on(Select.Changed, "#cc-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.kind = event.value

    @on(Input.Submitted, "#cc-number")
    def _submitted(self, event: Input.Submitted) -> None:
        self.look_up(event.value)

    def look_up(self, value: str) -> None:
        try:
            validate_identifier(self.kind, value.strip())  # type: ignore[arg-type]
        except Exception as exc:  # one line, never a traceback
            self.fail(exc)
            return
        self.busy = True
        self.say("Looking up… (the screen stays usable)")
        self._lookup_worker(self.kind, value.strip())

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _lookup_worker(self, kind: str, value: str) -> None:
        worker = get_current_worker()
        try:
            loaded = load_contributor(
                self.parts,
                self.actor,
                kind,
                value,
                self.ticket,  # type: ignore[arg-type]
            )
        except Exception as exc:  # one line, never a traceback
            if not worker.is_cancelled:
                self.app.call_from_thread(self._lookup_failed, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._lookup_done, loaded)

    def _lookup_done(self, loaded: LoadedContributor) -> None:
        self.busy = False
        self.lookups += 1
        self.loaded = loaded
        if loaded.stale:
            self.say("central unreachable: showing the branch's offline copy")
        else:
            self.say("")

    def _lookup_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.lookups += 1
        self.fail(exc)

    # -- special counter: NAF -------------------------------------------------------------
    def _national_number(self) -> str | None:
        """NAF and housing go by national number: the one typed above (valid), else the
        person looked up by it."""
        typed = self.query_one("#cc-number", Input).value.strip()
        if self.kind == "national_number" and typed:
            try:
                return validate_identifier("national_number", typed)
            except Exception as exc:  # one line, never a traceback
                self.fail(exc)
                return None
        if self.loaded is not None and self.loaded.national_number:
            return self.loaded.national_number
        self.say("NAF and housing need the national number: choose it above and type it", True)
        return None

    @on(Input.Submitted, "#naf-household")
    def _naf_check(self, event: Input.Submitted) -> None:
        nn = self._national_number()
        if nn is None:
            return
        size = int(event.value) if event.value.strip() else None
        if size is not None and not 1 <= size <= 30:
            self.say("a household is 1 to 30 people", True)
            return
        ref = ticket_ref(self.ticket)
        self.say("Checking NAF eligibility…")
        self._central_call(
            lambda cen: cen.naf_eligibility(nn, size, actor=self.actor, ticket=ref), self._naf_read
        )

    @on(Input.Submitted, "#naf-app")
    def _naf_status(self, event: Input.Submitted) -> None:
        app_id = event.value.strip() or self.naf_application_id
        if not app_id:
            self.say("type the application number", True)
            return
        ref = ticket_ref(self.ticket)
        self.say("Reading the application…")
        self._central_call(
            lambda cen: cen.naf_application(app_id, actor=self.actor, ticket=ref), self._naf_read
        )

    @on(Input.Submitted, "#naf-appeal")
    def _naf_appeal(self, event: Input.Submitted) -> None:
        app_id = self.query_one("#naf-app", Input).value.strip() or self.naf_application_id
        reason = event.value.strip()
        if not app_id:
            self.say("type the application number", True)
            return
        if not 3 <= len(reason) <= 1000:
            self.say("an appeal needs a reason of 3 to 1000 characters", True)
            return
        ref = ticket_ref(self.ticket)
        self.say("Filing the appeal…")
        self._central_call(
            lambda cen: cen.naf_appeal(app_id, reason, actor=self.actor, ticket=ref),
            self._naf_appealed,
        )

    def _naf_read(self, read: Read[Any]) -> None:
        self.naf, self.naf_stale = read.value, read
        if isinstance(read.value, c.NafEligibility) and read.value.application_id:
            self.naf_application_id = read.value.application_id
        if isinstance(read.value, c.NafApplication):
            self.naf_application_id = read.value.id
        self.say("central unreachable: showing the branch's offline copy" if read.stale else "")

    def _naf_appealed(self, appeal: c.NafAppeal) -> None:
        self.naf, self.naf_stale = appeal, None
        self.say("Appeal filed")

    # -- special counter: housing ---------------------------------------------------------
    @on(Button.Pressed, "#housing-go")
    def _housing_lookup(self) -> None:
        nn = self._national_number()
        if nn is None:
            return
        ref = ticket_ref(self.ticket)
        self.say("Looking up housing applications…")
        self._central_call(
            lambda cen: cen.housing_lookup(nn, actor=self.actor, ticket=ref), self._housing_read
        )

    def _housing_read(self, read: Read[c.HousingApplicationList]) -> None:
        self.housing, self.housing_one = read, None
        if read.stale:
            self.naf_stale = read
            self.say("central unreachable: showing the branch's offline copy")
        elif not read.value.items:
            self.say("no housing application for this national number")
        else:
            self.say("")

    @on(DataTable.RowSelected, "#housing-table")
    def _housing_row(self, event: DataTable.RowSelected) -> None:
        app_id = str(event.row_key.value)
        ref = ticket_ref(self.ticket)
        self._central_call(
            lambda cen: cen.housing_application(app_id, actor=self.actor, ticket=ref),
            self._housing_one,
        )

    def _housing_one(self, read: Read[c.HousingApplication]) -> None:
        self.housing_one = read.value
        self.say("central unreachable: showing the branch's offline copy" if read.stale else "")

    # -- one worker for the special counter's calls ---------------------------------------
    def _central_call(self, fn: Any, done: Any) -> None:
        self.busy = True
        self._special_worker(fn, done)

    @work(thread=True, exclusive=True, group="special", exit_on_error=False)
    def _special_worker(self, fn: Any, done: Any) -> None:
        worker = get_current_worker()
        try:
            answer = central_session(self.parts).run(fn)
        except Exception as exc:  # one line, never a traceback
            if not worker.is_cancelled:
                self.app.call_from_thread(self._special_failed, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._special_done, done, answer)

    def _special_done(self, done: Any, answer: Any) -> None:
        self.busy = False
        self.lookups += 1
        done(answer)

    def _special_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.lookups += 1
        self.fail(exc)

    # -- keys -----------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(self.loaded)

    def action_next_tab(self) -> None:
        tabs = self.query_one("#cc-tabs", TabbedContent)
        ids = [p.id for p in tabs.query(TabPane) if p.id]
        if tabs.active in ids:
            tabs.active = ids[(ids.index(tabs.active) + 1) % len(ids)]

    def action_payment(self) -> None:
        from counter_app.screens.payment import PaymentScreen

        self.app.push_screen(PaymentScreen(self.parts, self.actor, self.ticket))


_NAF_HINTS = {
    "naf-household": "Enter: check eligibility",
    "naf-app": "Enter: application status",
    "naf-appeal": "Enter: file an appeal (rejected applications)",
}

__all__ = ["ContributorScreen", "special_tabs"]
