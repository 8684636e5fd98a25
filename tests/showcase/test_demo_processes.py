"""`tabour demo` without a terminal: its sandbox central and relay come up, and whichever way
it is stopped (its own `--seconds`, Ctrl+C to its process group, SIGTERM) nothing it started
is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.showcase.procs import with_home
from tests.support.cli import ROOT, tabour_env

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")


def _demo(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "branch", "demo", "--lang", "en", *args],
        cwd=ROOT,
        env=tabour_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_children(home: Path, demo: subprocess.Popen[str], timeout: float = 180) -> None:
    """Until the sandbox and the relay run (both have this home in their environment)."""
    deadline = time.monotonic() + timeout
    while True:
        cmds = [c for _, c in with_home(home)]
        if any(" sandbox " in c for c in cmds) and any(c.endswith(" sync") for c in cmds):
            log = home / "demo-logs" / "sandbox.log"
            if log.exists() and '"sandbox"' in log.read_text(errors="replace"):
                return
        assert demo.poll() is None, demo.communicate()
        assert time.monotonic() < deadline, f"sandbox and relay not both up: {cmds}"
        time.sleep(0.2)


def _assert_nothing_left(home: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (left := with_home(home)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, left


def test_seconds_runs_headless_and_leaves_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    demo = _demo(home, "--seconds", "20", "--seed", "3")
    try:
        _wait_children(home, demo)
        out, err = demo.communicate(timeout=180)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert demo.returncode == 0, err
    assert "Traceback" not in err, err
    assert "Live queue" in out and "demo stopped:" in out
    _assert_nothing_left(home)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stopping_it_stops_what_it_started(tmp_path: Path, how: str) -> None:
    home = tmp_path / "home"
    demo = _demo(home, "--no-sim")
    try:
        _wait_children(home, demo)
        if how == "ctrl-c":
            os.killpg(demo.pid, signal.SIGINT)  # what a terminal does on Ctrl+C
        else:
            demo.terminate()
        out, err = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert demo.returncode == 0, err
    assert "Traceback" not in err, err
    assert "demo stopped" in out
    _assert_nothing_left(home)
