"""The `tabour` command line.

Contract: `--json` prints exactly one JSON object on stdout; an error is one line on stderr
and a non-zero exit status (2 usage or config, 3 nothing waiting, 4 permission or sign-in
refused, 5 database busy, 6 database not migrated, 7 central unreachable, 8 database
unreachable, 1 other rule; README lists them), never a traceback (set TABOUR_DEBUG=1 to see
one). Each package contributes its command groups; they are wired here and imported lazily
so `tabour ticket issue` does not pay for the HTTP or printer stack.
"""

from __future__ import annotations

import getpass
import importlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import click

from branch.clock import Clock, utc_now
from branch.db import Database
from branch.errors import DomainError, TabourError
from branch.settings import Settings, config_path, demo_config_text, load_settings

# name -> "module:attribute" of a click command or group, provided by another package.
PLUGIN_COMMANDS: dict[str, str] = {
    "ticket": "queue_kiosk.cli:ticket",
    "queue": "queue_kiosk.cli:queue",
    "counter": "counter_app.cli:counter",
    "day": "queue_kiosk.cli:day",
    "demo": "showcase.cli:demo",
    "config": "branch.config_cli:config",
    "kiosk": "queue_kiosk.kiosk.cli:kiosk",
    "hall": "queue_kiosk.hall.cli:hall",
    "manager": "counter_app.manager_cli:manager",
    "printer": "printer.cli:printer",
    "display": "printer.cli:display",
    "central": "sync.cli:central",
    "payment": "sync.cli:payment",
    "sync": "sync.cli:sync",
    "sandbox": "sync.cli:sandbox",
    "audit": "sync.audit_cli:audit",
    "report": "queue_kiosk.report_cli:report",
    "simulate": "queue_kiosk.report_cli:simulate",
}


@dataclass
class AppContext:
    """What every command needs, built lazily: settings, database, clock."""

    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Clock = utc_now

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.env)

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url, self.settings.config.database.busy_timeout_ms)

    def migrated_db(self) -> Database:
        self.db.require_migrated()
        return self.db


pass_ctx = click.make_pass_decorator(AppContext, ensure=True)


def emit(obj: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        click.echo(json.dumps(obj, ensure_ascii=False, default=str))
    else:
        click.echo(human(obj))


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *PLUGIN_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is not None or name not in PLUGIN_COMMANDS:
            return cmd
        module, attr = PLUGIN_COMMANDS[name].split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            if os.environ.get("TABOUR_DEBUG"):
                raise
            return None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Tabour (طابور): the branch queue, counters, printers and central link."""


@cli.command()
@click.option("--demo", is_flag=True, help="Also add the demo staff accounts (README lists them).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def init(app: AppContext, demo: bool, as_json: bool) -> None:
    """Write the demo branch config if there is none, then create or upgrade the database."""
    from branch import reference
    from branch.acting import operator_actor
    from branch.migrate import upgrade
    from branch.staff import add_staff

    path = config_path(app.env)
    wrote_config = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(demo_config_text(), encoding="utf-8")
        wrote_config = True
    settings = app.settings
    from branch.secret import load_or_create

    load_or_create(settings.home)
    app.db.check_reachable()
    upgrade(settings.database_url)
    added: list[str] = []
    with app.db.write() as s:
        reference.sync_reference_data(s, settings.config)
        if demo:
            from branch.models import Staff

            for username, name, role, pin in DEMO_STAFF:
                if s.get(Staff, username) is None:
                    add_staff(
                        s,
                        username=username,
                        display_name=name,
                        role=role,
                        pin=pin,
                        now=app.clock(),
                        by=operator_actor(),
                    )
                    added.append(username)
    emit(
        {
            "config": str(path),
            "config_written": wrote_config,
            "database": app.db.safe_url,
            "staff_added": added,
        },
        as_json,
        lambda o: (
            f"config: {o['config']}{' (written)' if o['config_written'] else ''}\n"
            f"database: {o['database']} (up to date)"
            + (f"\ndemo staff added: {', '.join(added)}" if added else "")
        ),
    )


DEMO_STAFF = (
    ("sara", "سارة الخطيب", "clerk", "1111"),
    ("omar", "عمر الحسن", "clerk", "2222"),
    ("lina", "لينا المصري", "supervisor", "3333"),
    ("huda", "هدى العلي", "manager", "4444"),
    ("admin", "مدير النظام", "admin", "9999"),
)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(app: AppContext) -> None:
    """Create or upgrade the database schema to this version of Tabour."""
    from branch import reference
    from branch.migrate import head_revision, upgrade

    app.db.check_reachable()
    upgrade(app.settings.database_url)
    with app.db.write() as s:
        reference.sync_reference_data(s, app.settings.config)
    click.echo(f"database {app.db.safe_url} is at revision {head_revision()}")


@db.command("backup")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new backup file (the branch secret is copied beside it as FILE.secret).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def db_backup(app: AppContext, target: Path, as_json: bool) -> None:
    """Copy the live SQLite database consistently, with the branch secret (see docs/operations.md)."""
    from branch.backup import backup_sqlite

    out = backup_sqlite(app.settings.database_url, app.settings.home, target)
    emit(out, as_json, lambda o: f"backed up {o['database']} to {o['backup']} ({o['bytes']} bytes)")


@cli.group()
def staff() -> None:
    """Staff accounts."""


def _read_pin() -> str:
    if sys.stdin.isatty():
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != pin:
            raise DomainError("the two PINs differ")
        return pin
    line = sys.stdin.readline()
    if not line:
        raise DomainError("no PIN on standard input")
    return line.strip()


@staff.command("add")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["clerk", "supervisor", "manager", "admin"])
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_add(app: AppContext, username: str, display_name: str, role: str, as_json: bool) -> None:
    """Add a staff member; the PIN is read from the terminal (or one line of stdin)."""
    from branch.acting import operator_actor
    from branch.staff import add_staff

    db_ = app.migrated_db()
    pin = _read_pin()
    with db_.write() as s:
        st = add_staff(
            s,
            username=username,
            display_name=display_name,
            role=role,
            pin=pin,
            now=app.clock(),
            by=operator_actor(),
        )
    emit(
        {"username": st.username, "role": st.role},
        as_json,
        lambda o: f"added {o['username']} ({o['role']})",
    )


@staff.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def staff_list(app: AppContext, as_json: bool) -> None:
    """List staff accounts."""
    from branch.staff import list_staff

    with app.migrated_db().read() as s:
        rows = [
            {"username": r.username, "name": r.display_name, "role": r.role, "active": r.active}
            for r in list_staff(s)
        ]
    emit(
        {"staff": rows},
        as_json,
        lambda o: (
            "\n".join(f"{r['username']:<12} {r['role']:<10} {r['name']}" for r in o["staff"])
            or "no staff"
        ),
    )


def main(argv: list[str] | None = None) -> int:
    try:
        rc = cli.main(args=argv, prog_name="tabour", standalone_mode=False)
    except TabourError as exc:
        click.echo(f"tabour: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("tabour: aborted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"tabour: {exc.format_message()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("TABOUR_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"tabour: internal error: {type(exc).__name__}: {first[:300]}", err=True)
        return 70
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
