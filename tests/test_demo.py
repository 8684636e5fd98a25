"""`tabour demo` (what `python3 dev.py run` starts) sets the branch up and runs a live day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_a_simulated_day_without_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "TABOUR_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    env.pop("TABOUR_CONFIG", None)
    env.pop("TABOUR_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "branch", "demo", "--seconds", "6", "--lang", "en", "--seed", "7"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "Live queue" in run.stdout and "Contributions & payments" in run.stdout
    issued = int(run.stdout.rsplit("demo stopped: ", 1)[1].split()[0])
    assert issued >= 1
    q = subprocess.run(
        [sys.executable, "-m", "branch", "queue", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    state = json.loads(q.stdout)
    assert state["issued_today"] == issued
    assert any(c["status"] == "open" for c in state["counters"])
    # one clerk, one counter: each simulated clerk holds its own counter
    staffed = [c["staff"] for c in state["counters"] if c["staff"]]
    assert staffed and len(staffed) == len(set(staffed)), staffed
