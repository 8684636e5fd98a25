"""The `tabour` CLI contract: JSON on stdout, one line on stderr, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tabour(
    home: Path, *args: str, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("TABOUR_CONFIG", None)
    full_env.pop("TABOUR_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "branch", *args],
        input="" if stdin is None else stdin,  # never the caller's terminal
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def ok_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    return json.loads(proc.stdout)


def one_line_error(proc: subprocess.CompletedProcess, code: int, needle: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "branch"
    proc = tabour(h, "init", "--demo", "--json")
    out = ok_json(proc)
    assert out["config_written"] and "sara" in out["staff_added"]
    return h


def test_queue_day_through_the_cli(home: Path) -> None:
    t = ok_json(
        tabour(
            home,
            "ticket",
            "issue",
            "--service",
            "CONTRIB",
            "--priority",
            "elderly",
            "--lang",
            "en",
            "--json",
        )
    )
    assert set(t) >= {
        "id",
        "code",
        "service",
        "priority",
        "status",
        "issued_at",
        "ahead",
        "estimated_wait_s",
    }
    assert (t["code"], t["status"], t["priority"]) == ("A001", "waiting", "elderly")
    called = ok_json(
        tabour(home, "ticket", "call", "--counter", "1", "--staff", "sara", "--json", stdin="1111\n")
    )
    assert (called["status"], called["counter"], called["id"]) == ("called", 1, t["id"])
    assert ok_json(tabour(home, "ticket", "recall", "--counter", "1", "--json"))["recalls"] == 1
    assert (
        ok_json(tabour(home, "ticket", "serve", "--counter", "1", "--json"))["status"] == "serving"
    )
    moved = ok_json(
        tabour(home, "ticket", "transfer", "--counter", "1", "--to-service", "RETIRE", "--json")
    )
    assert (moved["service"], moved["code"]) == ("RETIRE", "A001")
    ok_json(tabour(home, "ticket", "call", "--counter", "4", "--json"))
    done = ok_json(
        tabour(home, "ticket", "finish", "--counter", "4", "--outcome", "info_given", "--json")
    )
    assert done["outcome"] == "info_given"
    q = ok_json(tabour(home, "queue", "--json"))
    assert {s["code"] for s in q["services"]} >= {"CONTRIB", "NAF"}
    assert [c["number"] for c in q["counters"]] == list(range(1, 9))
    assert q["served_today"] == 1
    text = tabour(home, "queue")
    assert text.returncode == 0 and "CONTRIB" in text.stdout
    one_line_error(
        tabour(home, "counter", "pause", "--counter", "1"), 1, "a pause needs a reason"
    )
    paused = ok_json(
        tabour(home, "counter", "pause", "--counter", "1", "--reason", "prayer", "--json")
    )
    assert (paused["status"], paused["pause_reason"]) == ("paused", "prayer")
    one_line_error(tabour(home, "ticket", "call", "--counter", "1"), 1, "counter 1 is paused")
    ok_json(tabour(home, "counter", "resume", "--counter", "1", "--json"))
    ok_json(tabour(home, "ticket", "issue", "--service", "NAF", "--json"))
    one_line_error(
        tabour(home, "day", "close", "--staff", "sara", stdin="1111\n"),
        4,
        "may not close the business day",
    )
    closed = ok_json(tabour(home, "day", "close", "--staff", "huda", "--json", stdin="4444\n"))
    assert closed["business_day_expired"] == 1


def test_counter_screen_actions_through_the_cli(home: Path) -> None:
    for _ in range(2):
        ok_json(tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json"))
    signed = ok_json(tabour(home, "counter", "sign-in", "--counter", "1", "--staff", "sara", "--json", stdin="1111\n"))
    assert (signed["status"], signed["staff"]) == ("open", "sara")
    one_line_error(
        tabour(home, "counter", "sign-in", "--counter", "2", "--staff", "sara", stdin="1111\n"),
        1,
        "sara is signed in at counter 1",
    )
    ok_json(tabour(home, "ticket", "call", "--counter", "1", "--staff", "sara", "--json", stdin="1111\n"))
    parked = ok_json(
        tabour(home, "ticket", "park", "--counter", "1", "--call-next", "--staff", "sara", "--json", stdin="1111\n")
    )
    assert (parked["code"], parked["status"], parked["next"]["code"]) == ("A001", "parked", "A002")
    ok_json(tabour(home, "ticket", "finish", "--counter", "1", "--staff", "sara", "--json", stdin="1111\n"))
    one_line_error(
        tabour(home, "ticket", "take-back", "A001", "--counter", "2", "--staff", "omar", stdin="2222\n"),
        4,
        "A001 was parked at counter 1 by sara",
    )
    back = ok_json(
        tabour(home, "ticket", "take-back", "A001", "--counter", "1", "--staff", "sara", "--json", stdin="1111\n")
    )
    assert (back["code"], back["status"]) == ("A001", "called")
    one_line_error(
        tabour(home, "ticket", "finish", "--counter", "1", "--outcome", "nope"),
        1,
        "unknown outcome 'nope'; choose one of served, paid",
    )
    ok_json(tabour(home, "ticket", "finish", "--counter", "1", "--outcome", "referred", "--json"))
    walk = ok_json(
        tabour(home, "ticket", "walk-in", "--counter", "1", "--service", "INQUIRY", "--json")
    )
    assert (walk["code"], walk["status"], walk["counter"]) == ("B001", "called", 1)
    one_line_error(
        tabour(home, "counter", "sign-out", "--counter", "1", "--staff", "sara", stdin="1111\n"),
        1,
        "still has B001 (called)",
    )
    ok_json(tabour(home, "ticket", "finish", "--counter", "1", "--json"))
    one_line_error(
        tabour(home, "counter", "pause", "--counter", "1", "--reason", "nap", "--staff", "sara", stdin="1111\n"),
        1,
        "unknown pause reason 'nap'; choose one of break, prayer, meeting, system",
    )
    out = ok_json(
        tabour(home, "counter", "sign-out", "--counter", "1", "--leave", "paused", "--staff", "sara", "--json", stdin="1111\n")
    )
    assert (out["status"], out["staff"]) == ("paused", None)
    one_line_error(
        tabour(home, "counter", "services", "--counter", "2", "--service", "NAF", "--staff", "sara", stdin="1111\n"),
        4,
        "may not change a counter's services",
    )
    svc = ok_json(
        tabour(home, "counter", "services", "--counter", "2", "--service", "NAF", "--staff", "huda", "--json", stdin="4444\n")
    )
    assert svc["services_today"] == ["NAF"]


def test_nothing_waiting_is_exit_3(home: Path) -> None:
    one_line_error(
        tabour(home, "ticket", "call", "--counter", "2"), 3, "nothing is waiting for counter 2"
    )


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("ticket", "issue", "--service", "PIZZA"), 1, "unknown service 'PIZZA'"),
        (
            ("ticket", "issue", "--service", "CONTRIB", "--priority", "vip"),
            2,
            "'vip' is not one of",
        ),
        (("ticket", "call", "--counter", "99"), 1, "unknown counter 99"),
        (("ticket", "call", "--counter", "x"), 2, "'x' is not a valid integer"),
        (("ticket", "finish", "--counter", "1"), 1, "no called ticket to finish"),
        (
            ("ticket", "call", "--counter", "1", "--staff", "nobody"),
            4,
            "no PIN given for nobody",
        ),
        (("ticket", "transfer", "--counter", "1"), 1, "exactly one"),
    ],
)
def test_bad_input_is_one_line(home: Path, args: tuple[str, ...], code: int, needle: str) -> None:
    one_line_error(tabour(home, *args), code, needle)


def test_bad_config_exits_2_naming_file_and_key(home: Path) -> None:
    cfg = home / "branch.toml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace('prefix = "N"', 'prefix = "A"'), encoding="utf-8"
    )
    one_line_error(tabour(home, "queue"), 2, f"config error in {cfg}: services[code=NAF].prefix")
    cfg.write_text("[branch]\ncode = 'X", encoding="utf-8")
    one_line_error(tabour(home, "queue"), 2, "(syntax)")


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    home.mkdir()
    (home / "branch.toml").write_text(
        (ROOT / "branch" / "demo_branch.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    one_line_error(
        tabour(home, "ticket", "issue", "--service", "CONTRIB"), 6, "run `tabour db upgrade`"
    )
    up = tabour(home, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert (
        ok_json(tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json"))["code"] == "A001"
    )


def test_staff_add_reads_pin_from_stdin(home: Path) -> None:
    added = ok_json(
        tabour(
            home,
            "staff",
            "add",
            "--username",
            "rana",
            "--name",
            "رنا",
            "--role",
            "supervisor",
            "--json",
            stdin="482913\n",
        )
    )
    assert added == {"username": "rana", "role": "supervisor"}
    listed = ok_json(tabour(home, "staff", "list", "--json"))
    assert {"username": "rana", "name": "رنا", "role": "supervisor", "active": True} in listed[
        "staff"
    ]
    assert all("pin" not in json.dumps(r) for r in listed["staff"])
    one_line_error(
        tabour(
            home,
            "staff",
            "add",
            "--username",
            "rana",
            "--name",
            "R",
            "--role",
            "clerk",
            stdin="1234\n",
        ),
        1,
        "already exists",
    )
    one_line_error(
        tabour(
            home, "staff", "add", "--username", "x", "--name", "R", "--role", "clerk", stdin="12\n"
        ),
        1,
        "invalid username",
    )
    one_line_error(
        tabour(
            home,
            "staff",
            "add",
            "--username",
            "rami",
            "--name",
            "R",
            "--role",
            "clerk",
            stdin="12\n",
        ),
        1,
        "a PIN is 4 to 12 digits",
    )


def test_locked_database_waits_then_fails_cleanly(home: Path) -> None:
    cfg = home / "branch.toml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + "\n[database]\nbusy_timeout_ms = 500\n", encoding="utf-8"
    )
    holder = sqlite3.connect(home / "tabour.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        one_line_error(
            tabour(home, "ticket", "issue", "--service", "CONTRIB"), 5, "database is busy"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # nothing was lost or half-written: the next ticket is still A001
    assert (
        ok_json(tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json"))["code"] == "A001"
    )


def test_locked_database_waits_for_a_short_writer(home: Path) -> None:
    holder = sqlite3.connect(home / "tabour.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        assert (
            ok_json(tabour(home, "ticket", "issue", "--service", "INQUIRY", "--json"))["code"]
            == "B001"
        )
    finally:
        release.join()
        holder.close()
