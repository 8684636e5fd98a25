"""The README's first command, run as a newcomer runs it: in a terminal (tmux at 120x36), in a
fresh copy of the repository. Take a ticket at the kiosk, call it at the counter, see it on
the hall board and the dashboard, press Ctrl+C; then nothing the demo started is running.

Everything is waited for on state (the screen's text, the database, the printer's output),
with generous limits: the machine may be a loaded 2-core CI box. The demo's simulated clerks
run too (the command is run exactly as written), so a simulated clerk may call our ticket
first (it polls every second when idle; a person at the counter is slower); the test then
takes another one, up to eight times.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.showcase.procs import with_home

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 120, 36

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("tmux") is None, reason="needs tmux (Debian: apt install tmux)"
    ),
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc"),
]


def first_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()[0].split("#", 1)[0].strip()


class Terminal:
    """One tmux session running a command; read as a person sees it."""

    def __init__(self, cwd: Path, command: str, env: dict[str, str]) -> None:
        self.name = f"tabour-readme-{uuid.uuid4().hex[:8]}"
        self.env = env
        # the pane stays after the command ends so its exit status can be read
        script = f"{command}; echo TABOUR-EXIT=$?; sleep 600"
        self._tmux("new-session", "-d", "-s", self.name, "-x", str(WIDTH), "-y", str(HEIGHT),
                   "-c", str(cwd), "bash", "-c", script)  # fmt: skip

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(["tmux", *args], capture_output=True, text=True, env=self.env,
                             timeout=60)  # fmt: skip
        return out.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name, "-S", "-60")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
            time.sleep(0.15)

    def wait(self, check: Callable[[str], bool], what: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if check(text):
                return text
            if "Traceback" in text:
                raise AssertionError(f"a traceback while waiting for {what}:\n{text}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{text}")
            time.sleep(0.3)

    def kill(self) -> None:
        self._tmux("kill-session", "-t", self.name)


def _query(db: Path, sql: str, *args: object) -> list[tuple]:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return list(con.execute(sql, args))
        finally:
            con.close()
    except sqlite3.Error:
        return []


def _wait(check: Callable[[], object], what: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return value


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh copy of the repository's entry points (the sources come with the editable
    install in `.venv`), so the demo's `var/` lands here."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the .venv that `python3 dev.py test` builds")
    copy = tmp_path / "tabour"
    copy.mkdir()
    for name in ("dev.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def _take_a_ticket_and_call_it(term: Terminal, printed: Path, db: Path) -> str | None:
    """At the kiosk, "4" issues a ticket for the fourth service (Unemployment insurance, D),
    one of sara's; at the counter, F3 calls it by its code. The code, or None when a simulated
    clerk called it first."""
    term.keys("S-F1")
    term.wait(lambda s: "Choose a service" in s, "the kiosk's home screen")
    before = {p.name for p in printed.glob("*.png")} if printed.exists() else set()
    term.keys("4")
    term.wait(lambda s: "Please take your ticket" in s, "the ticket screen")
    png = _wait(
        lambda: [p for p in printed.glob("*-D*.png") if p.name not in before],
        "the ticket's picture from the virtual printer",
    )
    code = re.sub(r"^\d+-", "", png[0].stem)  # type: ignore[index]
    term.keys("F1")
    term.wait(lambda s: "counter 6" in s and "sara" in s, "the counter screen")
    term.keys("F3")
    term.wait(lambda s: "A023" in s or "code" in s.lower(), "the call-by-code dialog")
    term.keys(code, "Enter")
    sql = (
        "SELECT status, counter_number FROM ticket WHERE code = ? AND status != 'waiting' "
        "ORDER BY id DESC LIMIT 1"
    )
    called = _wait(lambda: _query(db, sql, code), f"{code} to be called")
    return code if called[0] == ("called", 6) else None  # type: ignore[index]


def _bar_line(text: str) -> str:
    return next((ln for ln in text.splitlines() if "Ctrl+Q" in ln), "")


def test_readme_first_command_in_a_terminal(repo: Path) -> None:
    command = first_command()
    assert command == "python3 dev.py run"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_") and k != "TMUX"}
    env["TERM"] = "xterm-256color"
    home = repo / "var"
    db, printed = home / "tabour.db", home / "printer"
    term = Terminal(repo, command, env)
    try:
        # the app is up: its tab bar (Arabic first, as the demo branch says)
        term.wait(lambda s: "Ctrl+Q" in s and "F1" in s, "the demo's tab bar", timeout=300)
        term.keys("C-l")
        term.wait(lambda s: "Kiosk" in _bar_line(s), "English")

        code = None
        for _attempt in range(8):  # sim5 (counter 5) serves UNEMP too and may be quicker
            code = _take_a_ticket_and_call_it(term, printed, db)
            if code:
                break
            term.keys("Escape")  # a simulated clerk was quicker: take another ticket
        assert code, "eight tickets in a row were called by simulated clerks first"
        term.wait(lambda s: code in s, f"{code} on the counter screen")

        # the hall board: the call, and where to go
        term.keys("F1")
        term.wait(lambda s: any(code in ln and "Counter 6" in ln for ln in s.splitlines()),
                  f"{code} -> Counter 6 on the hall board")  # fmt: skip
        # the manager's dashboard: counter 6, sara, the ticket called
        term.keys("F1")
        term.wait(
            lambda s: any(
                re.search(rf"^\W*6\s.*sara.*{code}\s+called", ln) for ln in s.splitlines()
            ),
            "counter 6 with the ticket on the dashboard",
        )
        # Ctrl+C: the demo stops and says what it printed
        term.keys("C-c")
        end = term.wait(lambda s: "TABOUR-EXIT=" in s, "the demo to stop", timeout=120)
        assert "TABOUR-EXIT=0" in end, end
        assert "demo stopped" in end and code in end, end
        assert "Traceback" not in end
        # the process list is clean: nothing with the demo's home is left
        deadline = time.monotonic() + 30
        while (left := with_home(home)) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not left, left
    finally:
        term.kill()
