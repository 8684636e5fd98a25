"""One counter clerk in a process of its own: the real counter app (headless, Pilot) signs in,
waits for a start file, then presses F2 (call next) and F7 (no-show) until nothing waits, and
writes the codes it called as JSON. Two of these race on one database (tests/counter).

    python -m tests.support.counter_racer COUNTER USERNAME PIN GO_FILE OUT_FILE
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from branch.settings import load_settings
from counter_app.parts import CounterParts
from tests.support.counter_app import act, make_app, sign_in


async def race(counter: int, username: str, pin: str, go: Path, out: Path) -> None:
    parts = CounterParts.build(load_settings(), counter=counter)
    app = make_app(parts, live=False)
    called: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot, username, pin)
        Path(f"{out}.ready").write_text("1")
        deadline = time.monotonic() + 120
        while not go.exists():  # the other clerk is signed in too
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        while True:
            said = await act(pilot, "f2")
            if said.startswith("nothing is waiting"):
                break
            assert said.startswith("Called "), said
            called.append(said.removeprefix("Called "))
            await act(pilot, "f7")
    out.write_text(json.dumps(called))


if __name__ == "__main__":
    n, user, pin, go, out = sys.argv[1:6]
    asyncio.run(race(int(n), user, pin, Path(go), Path(out)))
