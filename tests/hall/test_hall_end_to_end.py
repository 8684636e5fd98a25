"""End to end across processes: `tabour ticket issue` and `tabour ticket call` in their own
processes; a running `tabour hall` (a real process on a pty) shows the call, and its serial
displays (pty emulators) show it too; on SQLite and on PostgreSQL. A display unplugged and
plugged back recovers by itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from branch.db import Database
from printer.display_emulator import DisplayEmulator
from tests.support.hall_process import ROOT, HallProcess, LinkedDisplay, hall_config

pytestmark = pytest.mark.slow


def tabour(home: Path, url: str | None, *args: str) -> dict:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("TABOUR_CONFIG", None)
    if url:
        env["TABOUR_DATABASE_URL"] = url
    else:
        env.pop("TABOUR_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "branch", *args, "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def displays(tmp_path: Path) -> Iterator[tuple[LinkedDisplay, LinkedDisplay]]:
    counter, hall = LinkedDisplay(tmp_path / "ttyCOUNTER1"), LinkedDisplay(tmp_path / "ttyHALL")
    yield counter, hall
    counter.close()
    hall.close()


def blank(e: DisplayEmulator) -> bool:
    return e.text.strip() == ""


def started(display: LinkedDisplay, timeout: float = 60) -> bool:
    """The hall's first read reached the display: initialised (cursor off) and cleared."""
    return display.emulator.wait_for(lambda e: not e.cursor_visible and blank(e), timeout)


def call_reaches_hall_and_displays(home: Path, url: str | None, displays) -> None:
    counter, hall_display = displays
    (home / "branch.toml").write_text(
        hall_config({1: counter.link}, hall_display.link), encoding="utf-8"
    )
    hall = HallProcess(home, ["--lang", "en"], database_url=url)
    try:
        assert started(counter), "the hall never drove its counter display"
        mark = hall.screen.mark()
        tabour(home, url, "ticket", "issue", "--service", "CONTRIB")
        called = tabour(home, url, "ticket", "call", "--counter", "1")
        assert called["code"] == "A001"
        assert hall.screen.wait_for(b"A001", mark), "the call never reached the hall screen"
        assert counter.emulator.wait_for_line(0, "A001 -> 1", 30)
        assert hall_display.emulator.wait_for_line(0, "A001 -> 1", 30)
        # the counter finishes: its display is cleared, the hall display keeps the last call
        tabour(home, url, "ticket", "finish", "--counter", "1")
        assert counter.emulator.wait_for(blank, 30)
        assert hall_display.emulator.lines[0].strip() == "A001 -> 1"
        assert hall.proc.poll() is None
    finally:
        rc = hall.stop()
    assert rc == 0


def test_call_in_one_process_reaches_hall_and_displays_sqlite(
    sqlite_db: Database, branch_home: Path, displays
) -> None:
    call_reaches_hall_and_displays(branch_home, None, displays)


@pytest.mark.postgres
def test_call_in_one_process_reaches_hall_and_displays_postgres(
    postgres_db: Database, postgres_url: str, branch_home: Path, displays
) -> None:
    call_reaches_hall_and_displays(branch_home, postgres_url, displays)


def test_unplugged_display_recovers_by_itself(
    sqlite_db: Database, branch_home: Path, displays
) -> None:
    counter, _ = displays
    (branch_home / "branch.toml").write_text(
        hall_config({1: counter.link}, None, "display_refresh_s = 0.5\n"), encoding="utf-8"
    )
    hall = HallProcess(branch_home, ["--languages", "ar"])
    try:
        assert started(counter)
        tabour(branch_home, None, "ticket", "issue", "--service", "CONTRIB")
        tabour(branch_home, None, "ticket", "call", "--counter", "1")
        assert counter.emulator.wait_for_line(0, "A001 -> 1", 30)
        counter.unplug()  # cable pulled while nothing happens in the hall
        counter.replug()  # and plugged back: a blank display on a new port
        assert blank(counter.emulator)
        # no call, no key: the hall's refresh puts the code back by itself
        assert counter.emulator.wait_for_line(0, "A001 -> 1", 30)
        assert hall.proc.poll() is None
    finally:
        assert hall.stop() == 0


def test_headless_hall_drives_the_displays_and_the_chime(
    sqlite_db: Database, branch_home: Path, displays, tmp_path: Path
) -> None:
    counter, hall_display = displays
    rings = tmp_path / "rings.txt"
    chime = f'chime = ["sh", "-c", "echo ding >> {rings}"]\n'
    (branch_home / "branch.toml").write_text(
        hall_config({1: counter.link}, hall_display.link, chime), encoding="utf-8"
    )
    env = {**os.environ, "TABOUR_HOME": str(branch_home), "PYTHONPATH": str(ROOT)}
    env.pop("TABOUR_CONFIG", None)
    env.pop("TABOUR_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "branch", "hall", "--headless"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert started(counter)
        tabour(branch_home, None, "ticket", "issue", "--service", "CONTRIB")
        tabour(branch_home, None, "ticket", "call", "--counter", "1")
        assert counter.emulator.wait_for_line(0, "A001 -> 1", 30)
        assert hall_display.emulator.wait_for_line(0, "A001 -> 1", 30)
        tabour(branch_home, None, "ticket", "recall", "--counter", "1")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not rings.exists() or len(rings.read_text().split()) < 2
        ):
            time.sleep(0.05)
        assert rings.read_text().split() == ["ding", "ding"]  # the call and the recall
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "A001" in err and "counter 1" in err  # its log: codes and counters only
