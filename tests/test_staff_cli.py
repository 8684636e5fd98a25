"""`--staff U` / `--as U` prove who is acting: PIN from stdin (or the terminal), exit 4 and no
change on a wrong or missing PIN, lockout shared by every process; the operator is audited as
`operator@USER`. Real `tabour` processes on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.cli import ok_json, one_line_error, tabour, tabour_env


@pytest.fixture(params=["sqlite", "postgres"])
def branch(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A home after `tabour init --demo`, and the environment that selects its database."""
    env: dict[str, str] = {}
    if request.param == "postgres":
        env["TABOUR_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    home = tmp_path / "home"
    ok_json(tabour(home, "init", "--demo", "--json", **env))
    return home, env


def rows(home: Path, env: dict[str, str], sql: str) -> list[tuple]:
    url = env.get("TABOUR_DATABASE_URL") or f"sqlite:///{home / 'tabour.db'}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def auth_log(home: Path, env: dict[str, str], who: str) -> list[tuple]:
    return rows(
        home,
        env,
        "SELECT action, outcome FROM auditentry WHERE subject_ref = "
        f"'{who}' AND action LIKE 'staff.%' AND action != 'staff.add' ORDER BY id",
    )


def test_staff_pin_from_stdin_and_nothing_changes_without_it(branch) -> None:
    home, env = branch
    ok_json(tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json", **env))
    one_line_error(
        tabour(home, "ticket", "call", "--counter", "1", "--staff", "sara", stdin="1234\n", **env),
        4,
        "unknown username or wrong PIN",
    )
    one_line_error(
        tabour(home, "ticket", "call", "--counter", "1", "--staff", "sara", **env),
        4,
        "no PIN given for sara",
    )
    one_line_error(
        tabour(
            home, "ticket", "call", "--counter", "1", "--staff", "nobody", stdin="1111\n", **env
        ),
        4,
        "unknown username or wrong PIN",
    )
    # nothing was called by the refused commands
    assert rows(home, env, "SELECT status FROM ticket") == [("waiting",)]
    called = ok_json(
        tabour(
            home,
            "ticket",
            "call",
            "--counter",
            "1",
            "--staff",
            "sara",
            "--json",
            stdin="1111\n",
            **env,
        )
    )
    assert called["status"] == "called"
    assert rows(home, env, "SELECT staff_username FROM ticket") == [("sara",)]
    # the wrong PIN and the unknown name were audited; the missing PIN was not counted
    assert auth_log(home, env, "sara") == [("staff.auth", "wrong_pin")]
    assert auth_log(home, env, "nobody") == [("staff.auth", "unknown_user")]


def test_a_role_is_still_checked_after_the_pin(branch) -> None:
    home, env = branch
    one_line_error(
        tabour(home, "day", "close", "--staff", "sara", stdin="1111\n", **env),
        4,
        "may not close the business day",
    )
    ok_json(tabour(home, "day", "close", "--staff", "huda", "--json", stdin="4444\n", **env))


def test_the_operator_is_audited_as_the_os_user(branch) -> None:
    home, env = branch
    ok_json(tabour(home, "counter", "open", "--counter", "2", "--json", **env))
    ok_json(
        tabour(
            home,
            "counter",
            "open",
            "--counter",
            "3",
            "--staff",
            "omar",
            "--json",
            stdin="2222\n",
            **env,
        )
    )
    opened = rows(
        home,
        env,
        "SELECT subject_ref, staff_username FROM auditentry "
        "WHERE action = 'counter.open' ORDER BY id",
    )
    assert opened == [("counter:2", f"operator@{getpass.getuser()}"), ("counter:3", "omar")]
    # the operator is no staff member: the counter is not signed to anyone
    assert rows(home, env, "SELECT staff_username FROM counter WHERE number = 2") == [(None,)]


def test_central_commands_ask_for_the_pin_too(branch) -> None:
    home, env = branch
    pay = ["payment", "create", "--contributor", "C-1", "--amount-fils", "1000"]
    pay += ["--purpose", "arrears", "--json"]
    one_line_error(tabour(home, *pay, "--as", "sara", **env), 4, "no PIN given for sara")
    one_line_error(tabour(home, *pay, "--as", "sara", stdin="9999\n", **env), 4, "wrong PIN")
    assert rows(home, env, "SELECT count(*) FROM payment") == [(0,)]
    made = ok_json(tabour(home, *pay, "--as", "sara", stdin="1111\n", **env))
    assert rows(home, env, "SELECT created_by FROM payment") == [("sara",)]
    one_line_error(
        tabour(
            home,
            "payment",
            "reverse",
            str(made["id"]),
            "--reason",
            "r",
            "--as",
            "lina",
            stdin="0000\n",
            **env,
        ),
        4,
        "wrong PIN",
    )
    assert auth_log(home, env, "lina") == [("staff.auth", "wrong_pin")]


def test_lockout_is_counted_across_processes(branch) -> None:
    """Eight processes try a wrong PIN at once: five are counted, the fifth locks the name,
    the other three find it locked; then even the right PIN is refused with the lock's end."""
    home, env = branch
    cmd = [sys.executable, "-m", "branch", "counter", "pause", "--counter", "1"]
    cmd += ["--staff", "lina"]

    def attempt(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd,
            input="0000\n",
            capture_output=True,
            text=True,
            env=tabour_env(home, **env),
            timeout=180,
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert all(r.returncode == 4 and "Traceback" not in r.stderr for r in results), results
    log = auth_log(home, env, "lina")
    assert log.count(("staff.auth", "wrong_pin")) == 5
    assert log.count(("staff.lockout", "locked 5 min")) == 1
    assert log.count(("staff.auth", "refused_locked")) == 3
    line = one_line_error(
        tabour(home, "counter", "open", "--counter", "1", "--staff", "lina", stdin="3333\n", **env),
        4,
        "lina is locked after 5 wrong PINs until",
    )
    assert line.endswith("Asia/Amman")
    assert rows(home, env, "SELECT status FROM counter WHERE number = 1") == [("closed",)]


def test_the_pin_is_never_an_argument(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok_json(tabour(home, "init", "--demo", "--json"))
    one_line_error(
        tabour(home, "ticket", "call", "--counter", "1", "--staff", "sara", "--pin", "1111"),
        2,
        "No such option '--pin'",
    )
    # and the SQLite file holds no PIN in clear (argon2 hashes only)
    con = sqlite3.connect(home / "tabour.db")
    try:
        hashes = [h for (h,) in con.execute("SELECT pin_hash FROM staff")]
    finally:
        con.close()
    assert hashes and all(h.startswith("$argon2") and "1111" not in h for h in hashes)
