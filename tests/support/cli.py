"""Running the real `tabour` CLI as an OS process, and checking its one-line contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tabour_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT), **extra}
    for var in ("TABOUR_CONFIG", "TABOUR_DATABASE_URL", "TABOUR_DEBUG"):
        if var not in extra:
            env.pop(var, None)
    return env


def tabour(
    home: Path, *args: str, stdin: str = "", timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """`tabour ARGS` with `stdin` as its standard input (never a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "branch", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=tabour_env(home, **env),
        timeout=timeout,
    )


def ok_json(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1, proc.stdout
    return json.loads(proc.stdout)


def one_line_error(proc: subprocess.CompletedProcess[str], code: int, needle: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    return lines[0]
