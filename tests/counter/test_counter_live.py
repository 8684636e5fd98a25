"""Across processes: a ticket another process issues appears on the counter without a key
press; two counter apps in two processes pressing call next at once never get one ticket."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from branch.clock import utc_now
from branch.db import Database
from branch.settings import Settings
from queue_kiosk.engine import QueueEngine
from tests.support.cli import ROOT, tabour, tabour_env
from tests.support.counter_app import add_demo_staff, make_app, make_parts, sign_in, until
from tui.testing import run_at


def waiting(app, service: str) -> int:
    return next(line.waiting for line in app.main.queue.lines if line.service == service)


async def _appears_without_a_key(settings: Settings, db: Database, home: Path, **env: str) -> None:
    app = make_app(make_parts(settings, db, counter=1))  # the real clock: the CLI's day
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        assert waiting(app, "CONTRIB") == 0
        proc = tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json", **env)
        assert proc.returncode == 0, proc.stderr
        code = json.loads(proc.stdout)["code"]
        await until(pilot, lambda: waiting(app, "CONTRIB") == 1)  # no key pressed
        assert app.main.queue.next_codes == [code]
        proc = tabour(home, "ticket", "call", "--counter", "2", "--json", **env)
        assert proc.returncode == 0, proc.stderr  # another counter takes it
        await until(pilot, lambda: waiting(app, "CONTRIB") == 0)


async def test_a_ticket_issued_by_another_process_appears_without_a_key(
    settings: Settings, db: Database, branch_home: Path
) -> None:
    await _appears_without_a_key(settings, db, branch_home)


@pytest.mark.postgres
async def test_a_ticket_issued_by_another_process_appears_on_postgres(
    settings: Settings, postgres_db: Database, postgres_url: str, branch_home: Path
) -> None:
    add_demo_staff(postgres_db, utc_now())
    await _appears_without_a_key(
        settings, postgres_db, branch_home, TABOUR_DATABASE_URL=postgres_url
    )


def _race(settings: Settings, db: Database, home: Path, tmp_path: Path, **env: str) -> None:
    eng = QueueEngine(db, settings.config)
    issued = {eng.issue("CONTRIB").code for _ in range(24)}
    issued |= {eng.issue("INQUIRY").code for _ in range(6)}
    go = tmp_path / "go"
    outs = [tmp_path / "c1.json", tmp_path / "c2.json"]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.counter_racer",
                str(n),
                user,
                pin,
                str(go),
                str(out),
            ],
            cwd=ROOT,
            env=tabour_env(home, **env),
        )
        for n, user, pin, out in ((1, "sara", "1111", outs[0]), (2, "omar", "2222", outs[1]))
    ]
    try:
        deadline = time.monotonic() + 180
        while not all(Path(f"{o}.ready").exists() for o in outs):
            assert all(p.poll() is None for p in procs), "a counter process died"
            assert time.monotonic() < deadline, "the counters did not sign in"
            time.sleep(0.05)
        go.write_text("go")
        for p in procs:
            assert p.wait(timeout=240) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    called = [json.loads(o.read_text()) for o in outs]
    every = called[0] + called[1]
    assert len(every) == len(set(every)) == len(issued)  # nobody got a ticket twice
    assert set(every) == issued
    assert called[0] and called[1]  # both really raced


def test_two_counter_apps_in_two_processes_never_call_one_ticket(
    settings: Settings, db: Database, branch_home: Path, tmp_path: Path
) -> None:
    _race(settings, db, branch_home, tmp_path)


@pytest.mark.postgres
def test_two_counter_apps_never_call_one_ticket_on_postgres(
    settings: Settings, postgres_db: Database, postgres_url: str, branch_home: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    add_demo_staff(postgres_db, utc_now())
    _race(settings, postgres_db, branch_home, tmp_path, TABOUR_DATABASE_URL=postgres_url)


async def test_header_follows_the_central_link_as_another_process_publishes_it(
    settings: Settings, db: Database
) -> None:
    from datetime import UTC, datetime

    from branch.models import CentralLink

    app = make_app(make_parts(settings, db, counter=1, link=None))  # the real header_status
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        header = app.main.query_one("#header")
        await until(pilot, lambda: header.link.online is True)
        assert "central online" in header.render()
        with db.write() as s:  # what the relay writes when central stops answering
            s.add(CentralLink(upstream="ssc", state="open", failures=3,
                              changed_at=datetime.now(UTC), fault_kind="unreachable"))  # fmt: skip
        await until(pilot, lambda: header.link.online is False, timeout_s=60)
        assert "central OFFLINE · central cannot be reached" in header.render()
        assert header.has_class("offline")
