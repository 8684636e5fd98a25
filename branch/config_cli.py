"""`tabour config`: check the branch's config file, print the configuration reference."""

from __future__ import annotations

from pathlib import Path

import click

from branch.cli import AppContext, emit, pass_ctx


@click.group()
def config() -> None:
    """The branch's configuration (branch.toml)."""


@config.command("check")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def config_check(app: AppContext, as_json: bool) -> None:
    """Validate branch.toml (and the environment); one line naming the key when it is wrong."""
    settings = app.settings  # raises ConfigError (exit 2) with the file, key and problem
    cfg = settings.config
    emit(
        {
            "config": str(settings.config_path),
            "branch": cfg.branch.code,
            "services": len(cfg.services),
            "counters": len(cfg.counters),
            "database": app.db.safe_url,
        },
        as_json,
        lambda o: (
            f"{o['config']}: ok (branch {o['branch']}, {o['services']} services, "
            f"{o['counters']} counters, database {o['database']})"
        ),
    )


@config.command("reference")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the page to this file instead of standard output.",
)
def config_reference(output: Path | None) -> None:
    """The configuration reference (docs/configuration.md), generated from the settings model."""
    from branch.config_reference import markdown

    page = markdown()
    if output is None:
        click.echo(page, nl=False)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"wrote {output}", err=True)
