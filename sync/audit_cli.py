"""`tabour audit verify`: walk the keyed audit chain, optionally against central's heads.

It lives in `sync/` because `--against-central` needs the central client; the offline walk
is `branch.audit.verify`. Exit 1 when the chain is broken (the first broken entry named,
with what kind of break), 7 when central cannot be reached for its heads.
"""

from __future__ import annotations

from typing import Any

import click

from branch.cli import AppContext, emit, pass_ctx
from branch.errors import TabourError


class AuditChainBroken(TabourError):
    exit_code = 1


@click.group()
def audit() -> None:
    """The audit log: who did what to whom (keyed hash chain, anchored at central)."""


@audit.command("verify")
@click.option("--against-central", is_flag=True, help="Also check the heads central holds.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def audit_verify(app: AppContext, against_central: bool, as_json: bool) -> None:
    """Check the chain; name the first broken entry (exit 1 when broken)."""
    from branch import audit as chain

    db = app.migrated_db()
    heads: list[chain.Head] = []
    if against_central:
        heads = _central_heads(app)
    with db.read() as s:
        report = chain.verify(s, heads=heads)
    obj = report.as_dict()

    def human(o: dict[str, Any]) -> str:
        where = f", {o['heads_checked']} head(s) from central checked" if against_central else ""
        if report.broken is None:
            last = f", head entry {report.head.seq}" if report.head else ""
            return f"audit chain intact: {report.entries} entries{last}{where}"
        return f"audit chain BROKEN at entry {report.broken.entry}: {report.broken.message}"

    if report.broken is not None and not as_json:
        raise AuditChainBroken(human(obj))
    emit(obj, as_json, human)
    if report.broken is not None:
        raise click.exceptions.Exit(AuditChainBroken.exit_code)


def _central_heads(app: AppContext) -> list[Any]:
    from branch.audit import Head
    from sync.client import CentralClient, SyncCentralClient

    settings = app.settings
    with SyncCentralClient(
        lambda: CentralClient.from_settings(settings.config.central, app.env, read_attempts=1)
    ) as sc:
        found = sc.audit_heads(settings.config.branch.code)
    return [Head(h.seq, h.hash) for h in found.items]
