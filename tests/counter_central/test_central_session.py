"""One central link per counter process, shared by every thread, that never holds the process
up at exit (a counter closed with Ctrl+C, or crashed, must not hang on its HTTP pools)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from counter_app.central_session import central_session

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from branch.settings import load_settings
from counter_app.central_session import central_session
from counter_app.parts import CounterParts
parts = CounterParts.build(load_settings(), counter=1)
read = central_session(parts).run(lambda c: c.lookup(national_number="{nn}"))
print("looked up", read.value.contributor_id)
"""


def test_a_process_that_never_closes_the_session_still_exits(
    sqlite_db: Any, branch_home: Path, central: Any
) -> None:
    env = {**os.environ, "TABOUR_HOME": str(branch_home), "TABOUR_CENTRAL_URL": central.url}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(nn=central.nn(0))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"looked up {central.cid(0)}" in done.stdout


def test_threads_share_one_session(parts_for: Any, central: Any) -> None:
    parts = parts_for(central)
    seen: list[Any] = []

    def look(i: int) -> None:
        session = central_session(parts)
        read = session.run(lambda c: c.lookup(national_number=central.nn(i)))
        seen.append((session, read.value.contributor_id))

    threads = [threading.Thread(target=look, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len({id(s) for s, _ in seen}) == 1
    assert sorted(cid for _, cid in seen) == sorted(central.cid(i) for i in range(4))
