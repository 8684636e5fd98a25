"""`tabour report day|range` and `tabour simulate`: the manager's numbers from the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import click

from branch.cli import AppContext, pass_ctx
from branch.clock import business_day
from branch.errors import DomainError
from branch.i18n import gettext, rtl
from branch.settings import BranchConfig
from queue_kiosk import statistics
from queue_kiosk.cli import actor_of

FORMATS = ("csv", "json", "txt")
COLUMNS = (
    ("issued", "Issued"),
    ("called", "Called"),
    ("served", "Served"),
    ("no_shows", "No-shows"),
    ("walk_outs", "Walk-outs"),
    ("transferred", "Transferred"),
    ("cancelled", "Cancelled"),
    ("avg_wait_s", "Average wait"),
    ("p90_wait_s", "90% waited under"),
    ("within_target_share", "Within target"),
    ("avg_service_s", "Average service"),
    ("no_show_rate", "No-show rate"),
    ("idle_s", "Idle time"),
)
KEY_LABELS = {"service": "Service", "counter": "Counter", "staff": "Staff", "hour": "Hour"}


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22", param_hint=option) from None


def _parse_by(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _cell(key: str, value: Any) -> str:
    if key.endswith("_s"):
        return _duration(value)
    if key.endswith(("_share", "_rate")):
        return _share(value)
    return "-" if value is None else str(value)


def _key_cell(group: str, value: Any, config: BranchConfig, lang: str) -> str:
    if value is None:
        return "-"
    if group == "service":
        try:
            svc = config.service(str(value))
        except KeyError:
            return str(value)
        return f"{svc.code} {svc.name_ar if lang == 'ar' else svc.name_en}"
    if group == "hour":
        return f"{int(value):02d}:00"
    return str(value)


def to_csv(rep: statistics.Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*rep.by, *(k for k, _ in COLUMNS)])
    for key, s in rep.groups:
        row = s.to_json()
        w.writerow([*("" if v is None else v for v in key), *(_csv(row[k]) for k, _ in COLUMNS)])
    totals = rep.totals.to_json()
    w.writerow([*(["total"] + [""] * (len(rep.by) - 1) if rep.by else []),
                *(_csv(totals[k]) for k, _ in COLUMNS)])  # fmt: skip
    return buf.getvalue()


def _csv(value: Any) -> Any:
    return "" if value is None else value


def to_txt(rep: statistics.Report, config: BranchConfig, lang: str, bidi: str = "app") -> str:
    from rich.console import Console
    from rich.table import Table

    def t(msg: str) -> str:
        return rtl(gettext(msg, lang), bidi)  # type: ignore[arg-type]

    def ordered(cells: list[Any]) -> list[Any]:
        return cells[::-1] if lang == "ar" else cells  # Arabic tables read right to left

    span = rep.start.isoformat() if rep.start == rep.end else f"{rep.start} → {rep.end}"
    title = f"{t('Queue report')} · {span} · {rep.timezone}"
    justify = "right" if lang == "ar" else "left"
    table = Table(title=title, title_justify=justify)
    heads = [(t(KEY_LABELS[g]), justify) for g in rep.by] + [(t(lbl), "right") for _, lbl in COLUMNS]
    for name, j in ordered(heads):
        table.add_column(name, justify=j)  # type: ignore[arg-type]
    for key, s in rep.groups:
        row = s.to_json()
        keys = [rtl(_key_cell(g, v, config, lang), bidi) for g, v in zip(rep.by, key, strict=True)]  # type: ignore[arg-type]
        table.add_row(*ordered([*keys, *(_cell(k, row[k]) for k, _ in COLUMNS)]))
    totals = rep.totals.to_json()
    first = [t("Total")] + [""] * (len(rep.by) - 1) if rep.by else []
    table.add_row(*ordered([*first, *(_cell(k, totals[k]) for k, _ in COLUMNS)]), style="bold")
    console = Console(width=220, record=True, file=io.StringIO(), color_system=None)
    console.print(table)
    return _trim(console.export_text())


def _trim(text: str) -> str:
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def _emit_report(app: AppContext, start: date, end: date, by: str | None, fmt: str,
                 lang: str | None, staff: str | None) -> None:  # fmt: skip
    config = app.settings.config
    db = app.migrated_db()
    actor = actor_of(app, staff) if staff else None
    with db.read() as s:
        rep = statistics.report(s, config, start, end, _parse_by(by), actor)
    if fmt == "json":
        click.echo(json.dumps(rep.to_json(), ensure_ascii=False))
    elif fmt == "csv":
        click.echo(to_csv(rep), nl=False)
    else:
        click.echo(to_txt(rep, config, lang or config.ui.default_lang, config.ui.bidi), nl=False)


by_opt = click.option(
    "--by", default=None, help="Group by service, counter, staff or hour (comma-separated)."
)
fmt_opt = click.option("--format", "fmt", type=click.Choice(FORMATS), default="txt")
lang_opt = click.option("--lang", type=click.Choice(["ar", "en"]), default=None)
staff_opt = click.option("--staff", default=None, help="Read as this staff member (supervisor+).")


@click.group()
def report() -> None:
    """Queue reports: counts and statistics in the branch time zone."""


@report.command("day")
@click.option("--date", "day", default=None, help="Business day (YYYY-MM-DD); default today.")
@by_opt
@fmt_opt
@lang_opt
@staff_opt
@pass_ctx
def report_day(app: AppContext, day: str | None, by: str | None, fmt: str, lang: str | None,
               staff: str | None) -> None:  # fmt: skip
    """One business day."""
    d = _parse_day(day, "--date") if day else business_day(app.clock(), app.settings.tz)
    _emit_report(app, d, d, by, fmt, lang, staff)


@report.command("range")
@click.option("--from", "start", required=True, help="First business day (YYYY-MM-DD).")
@click.option("--to", "end", required=True, help="Last business day (YYYY-MM-DD).")
@by_opt
@fmt_opt
@lang_opt
@staff_opt
@pass_ctx
def report_range(app: AppContext, start: str, end: str, by: str | None, fmt: str,
                 lang: str | None, staff: str | None) -> None:  # fmt: skip
    """Business days FROM to TO, inclusive."""
    _emit_report(app, _parse_day(start, "--from"), _parse_day(end, "--to"), by, fmt, lang, staff)


# -- simulate ---------------------------------------------------------------------------------
def simulation_text(out: dict[str, Any], config: BranchConfig, lang: str, bidi: str = "app") -> str:
    from rich.console import Console
    from rich.table import Table

    def t(msg: str) -> str:
        return rtl(gettext(msg, lang), bidi)  # type: ignore[arg-type]

    def ordered(cells: list[Any]) -> list[Any]:
        return cells[::-1] if lang == "ar" else cells

    justify = "right" if lang == "ar" else "left"
    title = (
        f"{t('Simulation')} · {out['profile']} · {t('days')} {out['days']} · "
        f"{t('seed')} {out['seed']} · {t('counters')} {','.join(map(str, out['counters']))}"
    )
    table = Table(title=title, title_justify=justify)
    cols = [("Service", justify), ("Issued", "right"), ("Average wait", "right"),
            ("90% waited under", "right"), ("Within target", "right")]  # fmt: skip
    for name, j in ordered(cols):
        table.add_column(t(name), justify=j)  # type: ignore[arg-type]
    for row in [*out["services"], {"service": None, **out["totals"]}]:
        name = t("Total") if row["service"] is None else rtl(
            _key_cell("service", row["service"], config, lang), bidi  # type: ignore[arg-type]
        )
        table.add_row(*ordered([
            name, str(row["issued"]), _duration(row["avg_wait_s"]), _duration(row["p90_wait_s"]),
            _share(row["within_target_share"]),
        ]))  # fmt: skip
    e = out["estimate"]
    lines = [
        f"{t('Estimated wait on tickets')}: {t('mean absolute error')} {_duration(e['mae_s'])} "
        f"({_share(e['mae_share_of_mean_wait'])} {t('of the mean wait')} {_duration(e['mean_wait_s'])})",
        f"{t('Naive estimate (ahead × standard time ÷ open counters)')}: "
        f"{t('mean absolute error')} {_duration(e['naive_mae_s'])}",
    ]
    console = Console(width=160, record=True, file=io.StringIO(), color_system=None)
    console.print(table)
    for line in lines:
        console.print(rtl(line, bidi) if lang == "ar" else line, justify=justify)  # type: ignore[arg-type]
    return _trim(console.export_text())


@click.command("simulate")
@click.option("--arrivals", default="default",
              help="Arrival profile: default, lunch-peak, history (learnt here) or a TOML file.")
@click.option("--counters", "plan", default=None,
              help="Staffing plan: counter numbers (1,2,8) or a TOML file; default all counters.")
@click.option("--days", type=click.IntRange(1, 366), default=1, help="Business days to simulate.")
@click.option("--seed", type=int, default=1, help="Random seed; same seed, same output.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@lang_opt
@pass_ctx
def simulate(app: AppContext, arrivals: str, plan: str | None, days: int, seed: int,
             as_json: bool, lang: str | None) -> None:  # fmt: skip
    """Predict waits for a staffing plan by running the real engine on a simulated clock."""
    from queue_kiosk import arrivals as arrivals_mod
    from queue_kiosk import simulator

    config = app.settings.config
    if arrivals == "history":
        with app.migrated_db().read() as s:
            profile = arrivals_mod.from_history(
                s, config, business_day(app.clock(), app.settings.tz)
            )
    else:
        profile = arrivals_mod.load_profile(arrivals, config)
    staffing = simulator.load_plan(plan, config)
    if seed < 0:
        raise DomainError("the seed is a whole number ≥ 0")
    out = simulator.simulate(config, profile, staffing, days, seed).to_json()
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(simulation_text(out, config, lang or config.ui.default_lang, config.ui.bidi),
                   nl=False)  # fmt: skip

