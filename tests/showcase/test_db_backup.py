"""`tabour db backup`: a consistent copy of a live SQLite branch, restorable with its secret."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.cli import ROOT, ok_json, one_line_error, tabour, tabour_env

WRITER = """
import sys
from branch.settings import load_settings
from branch.db import Database
from queue_kiosk.engine import QueueEngine
s = load_settings()
eng = QueueEngine(Database(s.database_url), s.config)
print("ready", flush=True)
for i in range(int(sys.argv[1])):
    eng.issue("INQUIRY", "normal", "en")
"""


def _tickets(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM ticket").fetchone()[0])
    finally:
        con.close()


def test_backup_while_another_process_writes_then_restore(tmp_path: Path) -> None:
    home = tmp_path / "branch"
    assert tabour(home, "init", "--demo").returncode == 0
    assert tabour(home, "ticket", "issue", "--service", "NAF").returncode == 0
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, "400"],
        env=tabour_env(home),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        target = tmp_path / "backups" / "b1.db"
        out = ok_json(tabour(home, "db", "backup", "--to", str(target), "--json"))
    finally:
        assert writer.wait(timeout=180) == 0
    copied = _tickets(target)
    assert 1 <= copied <= _tickets(home / "tabour.db") == 401
    assert out["secret"] == str(target) + ".secret"
    assert (target.stat().st_mode & 0o777, Path(out["secret"]).stat().st_mode & 0o777) == (
        0o600,
        0o600,
    )
    one_line_error(tabour(home, "db", "backup", "--to", str(target)), 1, "already exists")

    # restored with its secret, the audit chain checks; without it, it does not
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(home / "branch.toml", restored / "branch.toml")
    shutil.copy(target, restored / "tabour.db")
    shutil.copy(out["secret"], restored / "branch.secret")
    assert tabour(restored, "audit", "verify").returncode == 0
    assert ok_json(tabour(restored, "queue", "--json"))["issued_today"] == copied
    (restored / "branch.secret").unlink()
    assert tabour(restored, "audit", "verify").returncode == 1


def test_backup_refuses_postgresql(tmp_path: Path) -> None:
    home = tmp_path / "branch"
    assert tabour(home, "init").returncode == 0
    proc = tabour(
        home, "db", "backup", "--to", str(tmp_path / "x.db"),
        TABOUR_DATABASE_URL="postgresql+psycopg://tabour@127.0.0.1:1/tabour",
    )  # fmt: skip
    one_line_error(proc, 1, "pg_dump")
    assert not (tmp_path / "x.db").exists()
