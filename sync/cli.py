"""`tabour central`, `tabour payment`, `tabour sync` and `tabour sandbox`.

Imports are lazy: `tabour payment create --contributor` writes the outbox without loading the
HTTP stack (`--national-number` looks the person up first), and only `tabour sandbox` loads
the sandbox (branch code never imports it).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any

import click

from branch.cli import AppContext, emit, pass_ctx
from branch.staff import KIOSK, OPERATOR, Actor

# -- helpers ------------------------------------------------------------------------------


def _actor(app: AppContext, username: str | None, default: Actor = KIOSK) -> Actor:
    """`--as U` signs U in with their PIN (terminal or stdin); without it, `default` acts and
    the audit names the operating-system user."""
    from branch.acting import acting_actor

    return acting_actor(app, username or None, anonymous=default)


def _authenticated(app: AppContext, username: str) -> Actor:
    """A staff member who must prove it (PIN from the terminal or stdin)."""
    from branch.acting import acting_actor

    return acting_actor(app, username)


def _quiet_retry_logs() -> None:
    """A CLI failure is one line: stamina's "retry scheduled" warnings (and ours below
    WARNING) go nowhere unless TABOUR_LOG_LEVEL asks for them."""
    import logging
    import os

    level = os.environ.get("TABOUR_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING"):
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        return
    for name in ("stamina", "tabour.sync"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _run_central(app: AppContext, fn: Any) -> Any:
    """Run `fn(central)` on the sync face of the client, then close it."""
    from sync.central import Central
    from sync.client import CentralClient, SyncCentralClient

    _quiet_retry_logs()
    db = app.migrated_db()
    settings = app.settings
    with SyncCentralClient(
        lambda: CentralClient.from_settings(settings.config.central, app.env)
    ) as sc:
        central = Central(sc.client, db, settings, clock=app.clock, where="cli")
        return sc.call(fn, central)


def _stale_note(read: Any) -> str:
    return f"  (OFFLINE: cached copy as of {read.as_of:%Y-%m-%d %H:%M} UTC)" if read.stale else ""


# -- central ------------------------------------------------------------------------------


@click.group()
def central() -> None:
    """Central lookups: contributors, statements, National Aid, housing."""


@central.command("lookup")
@click.option("--national-number", "national_number")
@click.option("--personal-number", "personal_number")
@click.option("--insurance-number", "insurance_number")
@click.option("--as", "username", help="Staff member doing the lookup (audited).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def central_lookup(
    app: AppContext,
    national_number: str | None,
    personal_number: str | None,
    insurance_number: str | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Look a contributor up by exactly one identifier."""
    from sync.identifiers import format_jod

    given = {
        k: v
        for k, v in (
            ("national_number", national_number),
            ("personal_number", personal_number),
            ("insurance_number", insurance_number),
        )
        if v is not None
    }
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one of --national-number, --personal-number, --insurance-number"
        )
    actor = _actor(app, username)
    read = _run_central(app, lambda central: central.lookup(actor=actor, **given))
    v = read.value
    obj = {**v.model_dump(mode="json"), "stale": read.stale, "as_of": read.as_of.isoformat()}

    def human(o: dict[str, Any]) -> str:
        est = v.establishment
        return (
            f"{v.name_en} / {v.name_ar}\n"
            f"contributor {v.contributor_id}  insurance no. {v.insurance_number}  "
            f"national no. {v.national_number_masked}\n"
            f"status {v.status.value}, {v.contribution_months_total} months, insured wage "
            f"{format_jod(v.insured_wage_fils)}"
            + (f"\nestablishment {est.name_en} ({est.id})" if est else "")
            + _stale_note(read)
        )

    emit(obj, as_json, human)


@central.command("statement")
@click.option("--contributor", "contributor_id", required=True)
@click.option("--from", "from_period", metavar="YYYY-MM")
@click.option("--to", "to_period", metavar="YYYY-MM")
@click.option("--as", "username")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def central_statement(
    app: AppContext,
    contributor_id: str,
    from_period: str | None,
    to_period: str | None,
    username: str | None,
    as_json: bool,
) -> None:
    """A contributor's contribution statement and dues."""
    from sync.identifiers import format_jod, validate_contributor_id, validate_period

    validate_contributor_id(contributor_id)
    if from_period:
        validate_period(from_period, "--from")
    if to_period:
        validate_period(to_period, "--to")
    actor = _actor(app, username)
    read = _run_central(
        app,
        lambda central: central.statement(contributor_id, from_period, to_period, actor=actor),
    )
    v = read.value
    obj = {**v.model_dump(mode="json"), "stale": read.stale}

    def human(o: dict[str, Any]) -> str:
        lines = [f"statement {v.contributor_id} {v.from_period} .. {v.to_period}"]
        for r in v.periods:
            lines.append(
                f"  {r.period}  {format_jod(r.contribution_fils):>14}  {r.status.value:<7}"
                + (f" due {format_jod(r.due_fils + r.late_fee_fils)}" if r.due_fils else "")
            )
        lines.append(f"total due {format_jod(v.total_due_fils)}{_stale_note(read)}")
        return "\n".join(lines)

    emit(obj, as_json, human)


@central.command("naf-check")
@click.option("--national-number", "national_number", required=True)
@click.option("--household-size", type=click.IntRange(1, 30))
@click.option("--as", "username")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def central_naf_check(
    app: AppContext,
    national_number: str,
    household_size: int | None,
    username: str | None,
    as_json: bool,
) -> None:
    """National Aid Fund eligibility."""
    from sync.identifiers import format_jod

    actor = _actor(app, username)
    read = _run_central(
        app, lambda central: central.naf_eligibility(national_number, household_size, actor=actor)
    )
    v = read.value
    emit(
        {**v.model_dump(mode="json"), "stale": read.stale},
        as_json,
        lambda o: (
            f"{'eligible' if v.eligible else 'not eligible'} (score {v.score})"
            + (f", aid {format_jod(v.monthly_aid_fils)}/month" if v.eligible else "")
            + "".join(f"\n  - {r}" for r in v.reasons)
            + (
                f"\napplication {v.application_id}: {v.application_status.value}"
                if v.application_id and v.application_status
                else ""
            )
            + _stale_note(read)
        ),
    )


@central.command("housing")
@click.option("--national-number", "national_number", required=True)
@click.option("--as", "username")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def central_housing(
    app: AppContext, national_number: str, username: str | None, as_json: bool
) -> None:
    """Decent Housing applications of a person."""
    actor = _actor(app, username)
    read = _run_central(app, lambda central: central.housing_lookup(national_number, actor=actor))
    v = read.value
    emit(
        {**v.model_dump(mode="json"), "stale": read.stale},
        as_json,
        lambda o: (
            (
                "\n".join(f"{a.id}  {a.status.value}  {a.governorate}" for a in v.items)
                or "no housing applications"
            )
            + _stale_note(read)
        ),
    )


# -- payments -----------------------------------------------------------------------------


@click.group()
def payment() -> None:
    """Payments: queued locally, delivered to central by `tabour sync`."""


@payment.command("create")
@click.option("--national-number", "national_number")
@click.option("--contributor", "contributor_id")
@click.option("--amount-fils", "amount", required=True, help="Whole fils (1 JD = 1000 fils).")
@click.option(
    "--purpose",
    required=True,
    type=click.Choice(["voluntary_contribution", "arrears", "late_fee", "urgent_fee"]),
)
@click.option("--method", default="cash", type=click.Choice(["cash", "card"]))
@click.option("--period", "periods", multiple=True, metavar="YYYY-MM")
@click.option("--ticket", "ticket_id", type=int)
@click.option("--as", "username")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payment_create(
    app: AppContext,
    national_number: str | None,
    contributor_id: str | None,
    amount: str,
    purpose: str,
    method: str,
    periods: tuple[str, ...],
    ticket_id: int | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Take a payment: written with its outbox items in one transaction, returns at once."""
    from sync import link_state
    from sync.payments import create_payment, describe
    from sync.snapshots import SnapshotStore

    if (national_number is None) == (contributor_id is None):
        raise click.UsageError("give exactly one of --national-number, --contributor")
    db = app.migrated_db()
    cfg = app.settings.config
    actor = _actor(app, username)
    if national_number is not None:
        # The payer must be resolved to central's contributor id first (lookup online, a
        # snapshot offline): no national number is written to the outbox.
        from sync.identifiers import parse_amount_fils, validate_identifier

        validate_identifier("national_number", national_number)
        parse_amount_fils(amount)
        view = _run_central(
            app,
            lambda central: central.create_payment(
                actor=actor,
                national_number=national_number,
                amount_fils=amount,
                purpose=purpose,
                method=method,
                periods=list(periods),
                ticket_id=ticket_id,
            ),
        )
        emit(view.as_dict(), as_json, lambda o: describe(view))
        return
    view = create_payment(
        db,
        branch_code=cfg.branch.code,
        actor=actor,
        amount_fils=amount,
        purpose=purpose,
        now=app.clock(),
        contributor_id=contributor_id,
        method=method,
        periods=list(periods),
        ticket_id=ticket_id,
        where="cli",
        offline=link_state.is_offline(db, "ssc"),
        snapshots=SnapshotStore(db, cfg.central.snapshot_ttl_h, app.clock),
        offline_cap_fils=cfg.central.offline_cash_cap_fils,
    )
    emit(view.as_dict(), as_json, lambda o: describe(view))


@payment.command("status")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payment_status_cmd(app: AppContext, ref: str, as_json: bool) -> None:
    """A payment by local id or client_payment_id."""
    from sync.payments import describe, payment_status

    view = payment_status(app.migrated_db(), ref)
    emit(view.as_dict(), as_json, lambda o: describe(view))


@payment.command("reverse")
@click.argument("ref")
@click.option("--reason", required=True)
@click.option("--as", "username", required=True, help="Supervisor or above; PIN on stdin.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def payment_reverse(app: AppContext, ref: str, reason: str, username: str, as_json: bool) -> None:
    """Reverse a confirmed payment (supervisor or above)."""
    from sync.payments import describe, reverse_payment

    actor = _authenticated(app, username)
    view = reverse_payment(
        app.migrated_db(), actor=actor, ref=ref, reason=reason, now=app.clock(), where="cli"
    )
    emit(view.as_dict(), as_json, lambda o: describe(view) + "\nreversal queued")


# -- sync ---------------------------------------------------------------------------------


def _relay(app: AppContext, batch: int, concurrency: int, max_backoff: float) -> Any:
    from branch.clock import utc_now
    from sync import link_state
    from sync.client import CentralClient
    from sync.relay import Housekeeping, Relay

    db = app.migrated_db()
    settings = app.settings
    cfg = settings.config

    def publish(snap: Any) -> None:
        link_state.publish(db, snap, utc_now(), by="relay")

    # One connection per concurrent delivery: httpcore's pool scans every connection for
    # each request, so a larger pool only costs CPU.
    client = CentralClient.from_settings(
        cfg.central, app.env, on_breaker_change=publish, max_connections=concurrency
    )
    return Relay(
        db,
        client,
        batch_size=batch,
        concurrency=concurrency,
        backoff_cap_s=max_backoff,
        clock=app.clock,
        publish=publish,
        before_round=Housekeeping(
            db,
            branch_code=cfg.branch.code,
            tz=settings.tz,
            snapshot_ttl_h=cfg.central.snapshot_ttl_h,
            clock=app.clock,
        ),
    )


@click.group(invoke_without_command=True)
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--batch", default=64, show_default=True, type=click.IntRange(1, 1000))
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 128))
@click.option("--max-backoff", default=300.0, show_default=True, type=click.FloatRange(0.1, 86400))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sync(
    ctx: click.Context, once: bool, batch: int, concurrency: int, max_backoff: float, as_json: bool
) -> None:
    """Run the outbox relay (until stopped, or `--once`)."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.ensure_object(AppContext)
    relay = _relay(app, batch, concurrency, max_backoff)

    async def run() -> Any:
        try:
            if once:
                return await relay.run_once()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            click.echo("relay running; Ctrl-C to stop", err=True)
            await relay.run_forever(stop)
            return None
        finally:
            await relay.client.aclose()

    report = asyncio.run(run())
    if report is not None:
        emit(
            report.as_dict(),
            as_json,
            lambda o: (
                f"delivered {o['delivered']}, retrying {o['retried']}, dead {o['dead']}"
                + (" (central offline: nothing sent)" if o["offline"] else "")
            ),
        )


@sync.command("status")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sync_status(app: AppContext, as_json: bool) -> None:
    """Outbox counts and the last known state of each upstream."""
    from sync import link_state, outbox

    db = app.migrated_db()
    obj = outbox.counts(db, app.clock())
    obj["breakers"] = {
        name: {"state": "closed"} for name in ("ssc", "naf", "housing")
    } | link_state.read_all(db)

    def human(o: dict[str, Any]) -> str:
        oldest = "" if o["oldest_pending_s"] is None else f", oldest {o['oldest_pending_s']:.0f} s"
        links = ", ".join(
            f"{k} {v['state']}"
            + (f" ({v['fault']}: {v.get('last_error')})" if v.get("fault") else "")
            for k, v in o["breakers"].items()
        )
        return (
            f"pending {o['pending']}, in flight {o['in_flight']}, dead {o['dead']}, "
            f"done {o['done']}{oldest}\ncentral: {links}"
        )

    emit(obj, as_json, human)


@sync.command("dead")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sync_dead(app: AppContext, as_json: bool) -> None:
    """Dead letters: what central refused, with the reason (an operator's task list)."""
    from sync import outbox

    rows = outbox.dead_letters(app.migrated_db())
    emit(
        {"dead": rows},
        as_json,
        lambda o: (
            "\n".join(
                f"{r['id']:>6} {r['kind']:<16} {r['client_payment_id'] or '':<50} {r['reason']}"
                for r in rows
            )
            or "no dead letters"
        ),
    )


@sync.command("retry")
@click.argument("ref", metavar="PAYMENT_ID")
@click.option(
    "--staff",
    "--as",
    "username",
    help="Supervisor or above, with their PIN; without it, the branch operator.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def sync_retry(app: AppContext, ref: str, username: str | None, as_json: bool) -> None:
    """Send a dead payment again, whole: its create, then its confirm (after fixing the
    cause). PAYMENT_ID is the local id or the client_payment_id."""
    from sync.payments import describe, retry_payment

    actor = _actor(app, username, default=OPERATOR)
    view = retry_payment(app.migrated_db(), actor=actor, ref=ref, now=app.clock(), where="cli")
    emit(view.as_dict(), as_json, lambda o: describe(view) + "\nqueued again")


# -- sandbox ------------------------------------------------------------------------------


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--db", "db_url", help="SQLAlchemy URL of the sandbox's own database (default: in memory)."
)
@click.option(
    "--contributors", default=10_000, show_default=True, type=click.IntRange(10, 1_000_000)
)
@click.option("--latency-ms", default=0, type=click.IntRange(0, 120_000))
@click.option("--error-rate", default=0.0, type=click.FloatRange(0, 1))
@click.option("--drop-rate", default=0.0, type=click.FloatRange(0, 1))
@click.option("--malformed-rate", default=0.0, type=click.FloatRange(0, 1))
@click.option("--outage", is_flag=True)
@click.option(
    "--token",
    envvar="TABOUR_SANDBOX_TOKEN",
    help="Require 'Authorization: Bearer TOKEN' on every contract request but /health "
    "(401 problem+json otherwise).",
)
@click.option(
    "--log-level", default="warning", type=click.Choice(["debug", "info", "warning", "error"])
)
def sandbox(
    host: str,
    port: int,
    seed: int,
    db_url: str | None,
    contributors: int,
    latency_ms: int,
    error_rate: float,
    drop_rate: float,
    malformed_rate: float,
    outage: bool,
    token: str | None,
    log_level: str,
) -> None:
    """Run the sandbox central server (contract v1, synthetic data, fault injection)."""
    import time

    import uvicorn

    from sync.sandbox.app import create_app
    from sync.sandbox.faults import Faults

    started = time.perf_counter()
    app = create_app(
        db_url=db_url,
        seed=seed,
        contributors=contributors,
        faults=Faults(
            latency_ms=latency_ms,
            error_rate=error_rate,
            drop_rate=drop_rate,
            malformed_rate=malformed_rate,
            outage=outage,
        ),
        token=token or None,
    )
    seeded = app.state.seeded
    click.echo(
        json.dumps(
            {
                "sandbox": f"http://{host}:{port}",
                "seed": seed,
                "contributors": seeded.contributors,
                "token_required": bool(token),
                "seeded_in_s": round(time.perf_counter() - started, 2),
            }
        )
    )
    sys.stdout.flush()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug")
