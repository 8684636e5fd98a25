"""`tabour ticket reprint CODE --staff U` in real processes, printing to the virtual printer:
a failed print leaves the ticket issued and raises an alert; a reprint that prints clears it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tabour(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("TABOUR_CONFIG", None)
    env.pop("TABOUR_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "branch", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def one_line_error(proc: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def rows(home: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(home / "tabour.db") as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "branch"
    assert tabour(h, "init", "--demo", "--json").returncode == 0
    return h


def test_reprint_after_a_failed_print(home: Path, tmp_path: Path) -> None:
    issued = tabour(home, "ticket", "issue", "--service", "CONTRIB", "--lang", "en", "--json")
    code = json.loads(issued.stdout)["code"]
    out_dir = tmp_path / "printer"

    failed = tabour(
        home, "ticket", "reprint", code, "--staff", "sara",
        "--printer", f"virtual:{out_dir}?fault=paper_out", "--timeout", "60", stdin="1111\n",
    )  # fmt: skip
    one_line_error(failed, 8, f"reprint of {code} failed")
    assert rows(home, f"SELECT print_state FROM ticket WHERE code = '{code}'") == [("failed",)]
    assert sorted(rows(home, "SELECT kind, source FROM alert WHERE cleared_at IS NULL")) == [
        ("paper_out", "printer:kiosk"), ("print_failed", "printer:kiosk")
    ]

    ok = tabour(
        home, "ticket", "reprint", code.lower(), "--staff", "sara",
        "--printer", f"virtual:{out_dir}", "--timeout", "60", "--json", stdin="1111\n",
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["code"] == code and out["print_state"] == "printed"
    assert Path(out["png"]).is_file()
    assert rows(home, f"SELECT print_state FROM ticket WHERE code = '{code}'") == [("printed",)]
    assert rows(home, "SELECT count(*) FROM alert WHERE cleared_at IS NULL") == [(0,)]
    assert rows(
        home, "SELECT staff_username, action FROM auditentry WHERE action = 'ticket.reprint'"
    ) == [("sara", "ticket.reprint"), ("sara", "ticket.reprint")]
    kinds = rows(
        home,
        "SELECT e.kind FROM ticketevent e JOIN ticket t ON t.id = e.ticket_id "
        f"WHERE t.code = '{code}' ORDER BY e.id",
    )
    assert [k for (k,) in kinds] == ["issued", "reprint", "print_failed", "reprint", "print_printed"]


def test_reprint_refusals(home: Path, tmp_path: Path) -> None:
    issued = tabour(home, "ticket", "issue", "--service", "CONTRIB", "--json")
    code = json.loads(issued.stdout)["code"]
    spec = f"virtual:{tmp_path / 'p'}"
    wrong = tabour(home, "ticket", "reprint", code, "--staff", "sara", "--printer", spec,
                   stdin="0000\n")  # fmt: skip
    one_line_error(wrong, 4, "")
    unknown = tabour(home, "ticket", "reprint", "Z999", "--staff", "sara", "--printer", spec,
                     stdin="1111\n")  # fmt: skip
    one_line_error(unknown, 1, "no ticket Z999 today")
    assert rows(home, "SELECT count(*) FROM auditentry WHERE action = 'ticket.reprint'") == [(0,)]
