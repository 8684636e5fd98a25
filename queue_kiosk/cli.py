"""`tabour ticket|queue|counter|day`: the queue engine from the command line."""

from __future__ import annotations

from typing import Any

import click

from branch.acting import acting_actor
from branch.cli import AppContext, emit, pass_ctx
from branch.settings import PRIORITIES
from branch.staff import Actor
from queue_kiosk.engine import QueueEngine, TicketView

json_opt = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
counter_opt = click.option("--counter", "counter", type=int, required=True, help="Counter number.")
staff_opt = click.option(
    "--staff",
    "staff",
    default=None,
    help="Act as this staff member; their PIN is read from the terminal or stdin.",
)


def engine_of(app: AppContext) -> QueueEngine:
    return QueueEngine(app.migrated_db(), app.settings.config, app.clock)


def actor_of(app: AppContext, staff: str | None) -> Actor:
    return acting_actor(app, staff)


def _ticket_line(o: dict[str, Any]) -> str:
    parts = [f"{o['code']}", o["service"], o["status"]]
    if o.get("counter"):
        parts.append(f"counter {o['counter']}")
    if o.get("priority") and o["priority"] != "normal":
        parts.append(o["priority"])
    if o.get("ahead") is not None:
        parts.append(f"{o['ahead']} ahead")
    if o.get("estimated_wait_s") is not None and o["status"] == "waiting":
        parts.append(f"~{round(o['estimated_wait_s'] / 60)} min")
    return "  ".join(parts)


def _show(view: TicketView, as_json: bool) -> None:
    emit(view.to_json(), as_json, _ticket_line)


def _ticket_line_ar(o: dict[str, Any], service_name_ar: str) -> str:
    """The ticket line in Arabic (logical order; `rtl()` lays it out for the terminal)."""
    from branch.i18n import gettext

    def t(msg: str) -> str:
        return gettext(msg, "ar")

    parts = [o["code"], service_name_ar, t(o["status"])]
    if o.get("counter"):
        parts.append(t("counter {n}").format(n=o["counter"]))
    if o.get("priority") and o["priority"] != "normal":
        parts.append(t(o["priority"]))
    if o.get("ahead") is not None:
        parts.append(t("{n} ahead").format(n=o["ahead"]))
    if o.get("estimated_wait_s") is not None and o["status"] == "waiting":
        parts.append(t("~{n} min").format(n=round(o["estimated_wait_s"] / 60)))
    return "  ".join(parts)


@click.group()
def ticket() -> None:
    """Issue and handle tickets."""


@ticket.command("issue")
@click.option("--service", required=True, help="Service code, e.g. CONTRIB.")
@click.option("--priority", default="normal", type=click.Choice(PRIORITIES))
@click.option("--lang", default="ar", type=click.Choice(["ar", "en"]))
@json_opt
@pass_ctx
def ticket_issue(app: AppContext, service: str, priority: str, lang: str, as_json: bool) -> None:
    """Issue a ticket (what the kiosk does); the line is printed in the ticket's language."""
    view = engine_of(app).issue(service, priority, lang)
    if lang != "ar" or as_json:
        _show(view, as_json)
        return
    from branch.i18n import rtl

    config = app.settings.config
    name_ar = next((s.name_ar for s in config.services if s.code == view.service), view.service)
    click.echo(rtl(_ticket_line_ar(view.to_json(), name_ar), config.ui.bidi))


@ticket.command("reprint")
@click.argument("code")
@click.option(
    "--printer", "printer_spec", default=None,
    help="Printer device instead of the kiosk printer's (e.g. virtual:DIR).",
)  # fmt: skip
@click.option("--timeout", type=float, default=30.0, show_default=True)
@staff_opt
@json_opt
@pass_ctx
def ticket_reprint(
    app: AppContext,
    code: str,
    printer_spec: str | None,
    timeout: float,
    staff: str | None,
    as_json: bool,
) -> None:
    """Print today's ticket CODE again (marked as a reprint); the reprint is audited."""
    from printer.cli import PrintFailed
    from queue_kiosk.reprint import kiosk_printer, reprint_ticket

    eng, actor = engine_of(app), actor_of(app, staff)
    printer = kiosk_printer(app.settings, printer_spec)
    try:
        view, outcome = reprint_ticket(eng, printer, code, actor, timeout)
    finally:
        printer.close(timeout=5)
    if not outcome.printed:
        raise PrintFailed(
            f"reprint of {view.code} failed on {printer.config.device}: {outcome.reason}"
        )
    out = {"code": view.code, "print_state": "printed", "job": outcome.job_id}
    if outcome.preview is not None:
        out["png"] = str(outcome.preview)
    emit(out, as_json, lambda o: f"reprinted {o['code']} ({o['job']})")


@ticket.command("call")
@counter_opt
@click.option("--code", default=None, help="Call this waiting ticket instead of the next one.")
@staff_opt
@json_opt
@pass_ctx
def ticket_call(
    app: AppContext, counter: int, code: str | None, staff: str | None, as_json: bool
) -> None:
    """Call the next ticket for a counter (exit status 3 when nothing waits)."""
    eng, actor = engine_of(app), actor_of(app, staff)
    view = eng.call_ticket(counter, code, actor) if code else eng.call_next(counter, actor)
    _show(view, as_json)


def _counter_action(name: str, method: str, doc: str) -> None:
    @ticket.command(name, help=doc)
    @counter_opt
    @staff_opt
    @json_opt
    @pass_ctx
    def _cmd(app: AppContext, counter: int, staff: str | None, as_json: bool) -> None:
        _show(getattr(engine_of(app), method)(counter, actor=actor_of(app, staff)), as_json)


_counter_action("recall", "recall", "Call the counter's ticket again.")
_counter_action("serve", "start_serving", "The customer has arrived: start serving.")
_counter_action("no-show", "no_show", "The called customer did not come.")


@ticket.command("finish")
@counter_opt
@click.option("--outcome", default=None, help="Outcome code, e.g. paid, info_given.")
@staff_opt
@json_opt
@pass_ctx
def ticket_finish(
    app: AppContext, counter: int, outcome: str | None, staff: str | None, as_json: bool
) -> None:
    """Finish the counter's ticket."""
    _show(engine_of(app).finish(counter, outcome, actor_of(app, staff)), as_json)


@ticket.command("transfer")
@counter_opt
@click.option("--to-service", default=None, help="Send the ticket to this service's line.")
@click.option("--to-counter", type=int, default=None, help="Send the ticket to this counter.")
@staff_opt
@json_opt
@pass_ctx
def ticket_transfer(
    app: AppContext,
    counter: int,
    to_service: str | None,
    to_counter: int | None,
    staff: str | None,
    as_json: bool,
) -> None:
    """Transfer the counter's ticket; it keeps its place (original issue time)."""
    view = engine_of(app).transfer(counter, to_service, to_counter, actor_of(app, staff))
    _show(view, as_json)


@ticket.command("cancel")
@click.argument("code")
@staff_opt
@json_opt
@pass_ctx
def ticket_cancel(app: AppContext, code: str, staff: str | None, as_json: bool) -> None:
    """Cancel a waiting ticket (supervisor)."""
    _show(engine_of(app).cancel(code, actor_of(app, staff)), as_json)


@ticket.command("park")
@counter_opt
@click.option("--call-next", is_flag=True, help="Then call the next ticket at once.")
@staff_opt
@json_opt
@pass_ctx
def ticket_park(
    app: AppContext, counter: int, call_next: bool, staff: str | None, as_json: bool
) -> None:
    """Set the counter's ticket aside at this counter (take it back later by code)."""
    parked, called = engine_of(app).park(counter, actor_of(app, staff), call_next=call_next)
    out = parked.to_json()
    if call_next:
        out["next"] = called.to_json() if called else None
    emit(
        out,
        as_json,
        lambda o: _ticket_line(o)
        + (f"\n{_ticket_line(o['next'])}" if o.get("next") else "")
        + ("\nnothing is waiting" if call_next and not o.get("next") else ""),
    )


@ticket.command("take-back")
@click.argument("code")
@counter_opt
@staff_opt
@json_opt
@pass_ctx
def ticket_take_back(
    app: AppContext, code: str, counter: int, staff: str | None, as_json: bool
) -> None:
    """Call a parked ticket back to this counter."""
    _show(engine_of(app).take_back(counter, code, actor_of(app, staff)), as_json)


@ticket.command("walk-in")
@counter_opt
@click.option("--service", required=True, help="Service code, e.g. CONTRIB.")
@click.option("--priority", default="normal", type=click.Choice(PRIORITIES))
@click.option("--lang", default="ar", type=click.Choice(["ar", "en"]))
@staff_opt
@json_opt
@pass_ctx
def ticket_walk_in(
    app: AppContext,
    counter: int,
    service: str,
    priority: str,
    lang: str,
    staff: str | None,
    as_json: bool,
) -> None:
    """A customer without a ticket: issue one and call it at this counter at once."""
    view = engine_of(app).walk_in(counter, service, actor_of(app, staff), priority, lang)
    _show(view, as_json)


@click.command("queue")
@json_opt
@pass_ctx
def queue(app: AppContext, as_json: bool) -> None:
    """Per service: waiting, longest wait, estimated wait; per counter: status and ticket."""
    from queue_kiosk.overview import build
    from queue_kiosk.views import overview_text

    db = app.migrated_db()
    with db.read() as s:
        ov = build(s, app.settings.config, app.clock())
    if as_json:
        emit(ov.to_json(), True, str)
    else:
        click.echo(overview_text(ov, app.settings.config.ui.default_lang))


@click.group()
def counter() -> None:
    """Open, pause, resume or close a counter."""


def _counter_status(name: str, method: str, doc: str) -> None:
    @counter.command(name, help=doc)
    @counter_opt
    @staff_opt
    @json_opt
    @pass_ctx
    def _cmd(app: AppContext, counter: int, staff: str | None, as_json: bool) -> None:
        c = getattr(engine_of(app), method)(counter, actor=actor_of(app, staff))
        emit(
            {"counter": c.number, "status": c.status, "staff": c.staff_username},
            as_json,
            lambda o: f"counter {o['counter']} {o['status']}",
        )


_counter_status("open", "open_counter", "Open a counter.")
_counter_status("resume", "resume", "Resume a paused counter.")
_counter_status("close", "close_counter", "Close a counter.")


def _counter_out(c: Any, as_json: bool) -> None:
    emit(
        {
            "counter": c.number, "status": c.status, "staff": c.staff_username,
            "pause_reason": c.pause_reason,
        },
        as_json,
        lambda o: f"counter {o['counter']} {o['status']}"
        + (f" ({o['pause_reason']})" if o["pause_reason"] else "")
        + (f" {o['staff']}" if o["staff"] else ""),
    )  # fmt: skip


@counter.command("pause")
@counter_opt
@click.option("--reason", default=None, help="Why: a code from [queue] pause_reasons.")
@staff_opt
@json_opt
@pass_ctx
def counter_pause(
    app: AppContext, counter: int, reason: str | None, staff: str | None, as_json: bool
) -> None:
    """Pause a counter (no calls until resumed); a pause needs a reason."""
    _counter_out(engine_of(app).pause(counter, actor_of(app, staff), reason), as_json)


@counter.command("sign-in")
@counter_opt
@click.option("--staff", "staff", required=True, help="The staff member signing in.")
@json_opt
@pass_ctx
def counter_sign_in(app: AppContext, counter: int, staff: str, as_json: bool) -> None:
    """Open a counter under a staff member (one counter per staff member)."""
    _counter_out(engine_of(app).sign_in(counter, actor_of(app, staff)), as_json)


@counter.command("sign-out")
@counter_opt
@click.option("--leave", type=click.Choice(["closed", "paused"]), default="closed")
@staff_opt
@json_opt
@pass_ctx
def counter_sign_out(
    app: AppContext, counter: int, leave: str, staff: str | None, as_json: bool
) -> None:
    """Sign out of a counter, leaving it closed or paused."""
    _counter_out(engine_of(app).sign_out(counter, actor_of(app, staff), leave), as_json)


@counter.command("services")
@counter_opt
@click.option("--service", "services", multiple=True, required=True, help="Repeat per service.")
@staff_opt
@json_opt
@pass_ctx
def counter_services(
    app: AppContext, counter: int, services: tuple[str, ...], staff: str | None, as_json: bool
) -> None:
    """Give a counter other services for today only (manager)."""
    codes = engine_of(app).set_counter_services(counter, list(services), actor_of(app, staff))
    emit(
        {"counter": counter, "services_today": codes},
        as_json,
        lambda o: f"counter {o['counter']} serves today: {', '.join(o['services_today'])}",
    )

@click.group()
def day() -> None:
    """The business day."""


@day.command("close")
@staff_opt
@json_opt
@pass_ctx
def day_close(app: AppContext, staff: str | None, as_json: bool) -> None:
    """Close the business day: waiting tickets expire, held ones end, counters close (manager)."""
    out = engine_of(app).close_day(actor_of(app, staff))
    emit(
        out,
        as_json,
        lambda o: (
            f"day closed: {o['business_day_expired']} waiting tickets expired, "
            f"{o['tickets_ended']} held tickets ended, {o['counters_closed']} counters closed"
        ),
    )
