"""SVG snapshots of the showcase's own screens at 120x36 in Arabic and English, fixed data:
the printed tab and a tab whose front-end is missing. (The hosted screens are the front-ends'
own, with snapshots in their own tests; the README's counter screenshot comes from
tests/counter's.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from branch.clock import FixedClock
from branch.db import Database
from branch.settings import Settings
from showcase import tabs as tabs_mod
from showcase.app import ShowcaseApp
from showcase.messages import PrintedJobs
from showcase.parts import ShowcaseParts
from showcase.services import Printed
from tui.testing import fixed_clock, settle

SIZE = (120, 36)


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def parts(sqlite_db: Database, settings: Settings, clock: FixedClock) -> ShowcaseParts:
    p = ShowcaseParts.build(settings, clock=clock)
    p.sign_in_clerk()
    yield p
    p.close()


JOBS = [
    Printed(Path("/srv/tabour/printer/0001-A012.png"), "kiosk", "A012"),
    Printed(Path("/srv/tabour/printer/0002-N003.png"), "kiosk", "N003"),
    Printed(Path("/srv/tabour/receipts-6/0001-receipt.png"), "6", "receipt"),
]
DISPLAYS = {"1": "     A012 -> 1      \n                    ", "8": "     N003 -> 8      \n"}
STATUS = ["central: http://127.0.0.1:8765 (running)", "relay: running", "simulated tickets: 42"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_printed_tab(snap_compare, parts: ShowcaseParts, lang: str) -> None:
    app = ShowcaseApp(parts, lang=lang, start="printed", live=False, status=lambda: STATUS)

    async def fill(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.screen.post_message(PrintedJobs(JOBS, DISPLAYS))
        await pilot.pause(0.2)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=fill)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_pending_tab(
    snap_compare, parts: ShowcaseParts, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(_parts: ShowcaseParts):
        raise ModuleNotFoundError("no module", name="queue_kiosk.kiosk")

    patched = tuple(
        tabs_mod.Tab(t.id, t.title, missing, t.cli) if t.id == "kiosk" else t for t in tabs_mod.TABS
    )
    monkeypatch.setattr("showcase.app.TABS", patched)
    app = ShowcaseApp(parts, lang=lang, start="kiosk", live=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
