"""Every CLI failure is one line with the exit code of its meaning; the demo restarts cleanly.
Each case runs the real `tabour` as an OS process."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from branch.i18n import rtl
from tests.support.cli import ok_json, one_line_error, tabour


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    ok_json(tabour(h, "init", "--demo", "--json"))
    return h


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("not a url", "TABOUR_DATABASE_URL: not a database URL"),
        ("mysql://tabour@db/tabour", "TABOUR_DATABASE_URL: unsupported database driver 'mysql'"),
        ("postgresql+asyncpg://u@h/d", "unsupported database driver 'postgresql+asyncpg'"),
        ("postgresql+psycopg://u@127.0.0.1/", "TABOUR_DATABASE_URL: a PostgreSQL URL needs"),
    ],
)
def test_a_bad_database_url_is_exit_2_naming_the_variable(
    home: Path, url: str, needle: str
) -> None:
    for args in (("queue",), ("db", "upgrade"), ("init",)):
        one_line_error(tabour(home, *args, TABOUR_DATABASE_URL=url), 2, needle)


def test_a_bad_database_url_in_the_config_names_its_key(home: Path) -> None:
    cfg = home / "branch.toml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8") + '\n[database]\nurl = "oracle://x@y/z"\n',
        encoding="utf-8",
    )
    one_line_error(tabour(home, "queue"), 2, f"config error in {cfg}: database.url: unsupported")


def test_an_unreachable_postgres_is_not_called_unmigrated(home: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    for args in (("queue",), ("ticket", "issue", "--service", "NAF"), ("db", "upgrade")):
        line = one_line_error(tabour(home, *args, TABOUR_DATABASE_URL=url), 10, "cannot be reached")
        assert "migrat" not in line and "upgrade" not in line


def test_a_missing_postgres_database_is_unreachable_not_unmigrated(home: Path) -> None:
    base = os.environ.get("TABOUR_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TABOUR_TEST_POSTGRES_URL is not set")
    url = base.rsplit("/", 1)[0] + "/tabour_no_such_db"
    one_line_error(tabour(home, "queue", TABOUR_DATABASE_URL=url), 10, "does not exist")


def test_an_unreachable_sqlite_file_is_exit_10(home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    one_line_error(
        tabour(home, "queue", TABOUR_DATABASE_URL=f"sqlite:///{blocker}/tabour.db"),
        10,
        "cannot be reached",
    )
    one_line_error(
        tabour(home, "queue", TABOUR_DATABASE_URL=f"sqlite:///{tmp_path}"), 10, "cannot be reached"
    )


def test_an_empty_database_is_still_not_migrated(tmp_path: Path) -> None:
    home = tmp_path / "h"
    ok_json(tabour(home, "init", "--json"))
    one_line_error(
        tabour(home, "queue", TABOUR_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}"),
        6,
        "run `tabour db upgrade`",
    )


def test_ticket_issue_speaks_the_tickets_language(home: Path) -> None:
    ar = tabour(home, "ticket", "issue", "--service", "NAF", "--lang", "ar")
    assert ar.returncode == 0, ar.stderr
    line = ar.stdout.strip()
    assert "N001" in line
    # laid out for the terminal by the same helper as every Arabic screen line
    for word in ("بالانتظار", "المعونة الوطنية", "أمامك"):
        assert rtl(word) in line, (word, line)
    assert "waiting" not in line and "ahead" not in line
    en = tabour(home, "ticket", "issue", "--service", "NAF", "--lang", "en")
    assert en.stdout.startswith("N002  NAF  waiting  1 ahead"), en.stdout
    as_json = ok_json(tabour(home, "ticket", "issue", "--service", "NAF", "--json"))
    assert as_json["status"] == "waiting"  # --json is the same whatever the language


@pytest.mark.parametrize("seconds", ["-1", "0", "nan", "x"])
def test_demo_refuses_a_duration_that_is_not_positive(tmp_path: Path, seconds: str) -> None:
    one_line_error(tabour(tmp_path / "h", "demo", "--seconds", seconds), 2, "--seconds")
    assert not (tmp_path / "h" / "tabour.db").exists()  # refused before setting anything up


def test_demo_twice_in_one_home_takes_up_what_its_counters_hold(home: Path) -> None:
    # counter 1 (simulated) holds a ticket being served, as when a demo is stopped mid-service
    ok_json(tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json"))
    ok_json(tabour(home, "ticket", "call", "--counter", "1", "--json"))
    ok_json(tabour(home, "ticket", "serve", "--counter", "1", "--json"))
    for run in (1, 2):
        proc = tabour(home, "demo", "--seconds", "8", "--lang", "en", "--seed", str(run))
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr == "", proc.stderr
        assert "demo stopped" in proc.stdout
    con = sqlite3.connect(home / "tabour.db")
    try:
        first = con.execute("SELECT status FROM ticket WHERE code = 'A001'").fetchone()
    finally:
        con.close()
    assert first == ("done",)  # the simulated clerk finished the ticket it found
