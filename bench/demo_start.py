"""How long a newcomer waits: `tabour demo` on a fresh home until the app's tab bar is on the
terminal, and Ctrl+C until it and everything it started are gone.

The issue's goal is "standing in a working branch within two minutes of cloning"; the first
`python3 dev.py` also builds `.venv` (pip, once), which this does not time: it starts from an
installed environment, in a pseudo-terminal of 120x36, several runs, each on a fresh home.

    python3 dev.py bench demo_start [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.showcase.procs import with_home  # noqa: E402

START_GOAL_S = 30.0  # to the first screen, once the environment is installed
STOP_GOAL_S = 10.0  # Ctrl+C to nothing left


def one_run() -> tuple[float, float]:
    home = Path(tempfile.mkdtemp(prefix="tabour-bench-"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env |= {"TABOUR_HOME": str(home), "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "branch", "demo", "--lang", "en"],
        stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    try:
        while b"Ctrl+Q" not in seen:
            if time.perf_counter() - started > 300 or proc.poll() is not None:
                raise RuntimeError(f"no screen after {time.perf_counter() - started:.0f} s")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen = (seen + os.read(master, 65536))[-200_000:]
        up = time.perf_counter() - started
        stop_at = time.perf_counter()
        os.write(master, b"\x03")  # Ctrl+C, as typed
        while proc.poll() is None or with_home(home):
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(master, 65536)
            if time.perf_counter() - stop_at > 120:
                raise RuntimeError("the demo did not stop")
        return up, time.perf_counter() - stop_at
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ups, stops = [], []
    for _ in range(args.runs):
        up, stop = one_run()
        ups.append(up)
        stops.append(stop)
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs")
    print(f"fresh home to the first screen: worst {max(ups):.1f} s, best {min(ups):.1f} s"
          f"  (goal <= {START_GOAL_S:.0f} s)  {'ok' if max(ups) <= START_GOAL_S else 'MISSED'}")  # fmt: skip
    print(f"Ctrl+C to nothing left:         worst {max(stops):.1f} s, best {min(stops):.1f} s"
          f"  (goal <= {STOP_GOAL_S:.0f} s)  {'ok' if max(stops) <= STOP_GOAL_S else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
