"""`python3 dev.py run` as a new user meets it: state where the README says, the README's
second-terminal command working exactly as written, and Ctrl+C ending it without a traceback.

The repository is copied (dev.py, pyproject.toml, README.md; `.venv` linked) into a temporary
directory so the demo's `var/` lands there, not in the working tree.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _dev_module():
    spec = importlib.util.spec_from_file_location("tabour_dev", ROOT / "dev.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dev_py_keeps_state_in_var_unless_tabour_home_says_otherwise(tmp_path: Path) -> None:
    dev = _dev_module()
    assert dev.branch_env({}, str(tmp_path))["TABOUR_HOME"] == str(ROOT / "var")
    assert dev.branch_env({"TABOUR_HOME": "var"}, str(ROOT))["TABOUR_HOME"] == str(ROOT / "var")
    assert dev.branch_env({"TABOUR_HOME": "x"}, "/srv")["TABOUR_HOME"] == "/srv/x"
    assert dev.branch_env({"TABOUR_HOME": "/a/b"}, "/srv")["TABOUR_HOME"] == "/a/b"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    copy = tmp_path / "tabour"
    copy.mkdir()
    for name in ("dev.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the .venv that `python3 dev.py test` builds")
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("TABOUR_HOME", "TABOUR_CONFIG", "TABOUR_DATABASE_URL", "TABOUR_DEBUG"):
        env.pop(var, None)
    return env


def _count(db: Path, sql: str) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute(sql).fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return -1  # not created or not migrated yet


def _wait_for(check, what: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"demo ended early ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_readme_second_terminal_command_and_ctrl_c(repo: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"While it runs, try another terminal: `([^`]+)`", readme)
    assert match, "the README no longer names a second-terminal command"
    second = match.group(1)
    db = repo / "var" / "tabour.db"
    demo = subprocess.Popen(
        ["python3", "dev.py", "run"],
        cwd=repo,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job is
    )
    try:
        _wait_for(lambda: _count(db, "SELECT count(*) FROM ticket") > 0, "a ticket", demo)
        out = subprocess.run(
            ["bash", "-c", second],
            cwd=repo,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert "N0" in out.stdout, out.stdout  # the NAF ticket's code
        assert _count(db, "SELECT count(*) FROM ticket WHERE service_code = 'NAF'") >= 1
        # Ctrl+C in a terminal signals the whole foreground process group
        os.killpg(demo.pid, signal.SIGINT)
        stdout, stderr = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    assert "Traceback" not in stderr, stderr
    assert demo.returncode == 0, (demo.returncode, stderr)
    assert "demo stopped" in stdout
    assert not (repo / "var").is_symlink() and db.exists()
