"""SVG snapshots of every counter screen in Arabic and English at 120×36: login, main (idle,
called, serving), and the transfer, finish and pause dialogs. Fixed clock, fixed data, no
blinking; the central link's answer is fixed at the edge (offline, 2 waiting in the outbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot

from branch.clock import FixedClock
from branch.db import Database
from branch.settings import Settings
from counter_app.screens.dialogs import ChoiceDialog
from queue_kiosk.engine import QueueEngine
from tests.support.counter_app import act, idle, make_app, make_parts, offline_link, sign_in, until
from tui.testing import FIXED_NOW, settle

SIZE = (120, 36)
LANGS = ["ar", "en"]


def busy_morning(settings: Settings, db: Database, clock: FixedClock) -> None:
    """A queue with a line past its target, one near it, an urgent and an elderly ticket."""
    eng = QueueEngine(db, settings.config, clock)
    clock.now = FIXED_NOW - timedelta(minutes=18)
    for svc, prio, gap_s in (
        ("CONTRIB", "normal", 60), ("CONTRIB", "normal", 90), ("INQUIRY", "elderly", 300),
        ("CONTRIB", "normal", 120), ("INQUIRY", "normal", 240), ("CONTRIB", "urgent", 60),
        ("CONTRIB", "normal", 45), ("RETIRE", "normal", 30),
    ):  # fmt: skip
        eng.issue(svc, prio)
        clock.advance(gap_s)
    clock.now = FIXED_NOW


@pytest.fixture
def app_factory(settings: Settings, db: Database, clock: FixedClock):
    busy_morning(settings, db, clock)

    def make(lang: str):
        return make_app(make_parts(settings, db, counter=1, clock=clock, link=offline_link),
                        lang=lang, live=False)  # fmt: skip

    return make


def snap(snap_compare, app, steps) -> bool:
    async def run_before(pilot: Pilot) -> None:
        await steps(pilot)
        await idle(pilot)
        await settle(pilot)

    return snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_login(snap_compare, app_factory, lang: str) -> None:
    async def steps(pilot: Pilot) -> None:
        await pilot.press(*"sara", "tab")

    assert snap(snap_compare, app_factory(lang), steps)


@pytest.mark.parametrize("lang", LANGS)
def test_main_idle(snap_compare, app_factory, lang: str) -> None:
    async def steps(pilot: Pilot) -> None:
        await sign_in(pilot)
        app = pilot.app
        await until(pilot, lambda: app.main.query_one("#header").link.online is False)

    assert snap(snap_compare, app_factory(lang), steps)


@pytest.mark.parametrize("lang", LANGS)
def test_main_called(snap_compare, app_factory, lang: str) -> None:
    async def steps(pilot: Pilot) -> None:
        await sign_in(pilot)
        await act(pilot, "f2")  # the urgent ticket: "urgent: fee due"
        await until(pilot, lambda: pilot.app.main.query_one("#header").link.online is False)

    assert snap(snap_compare, app_factory(lang), steps)


@pytest.mark.parametrize("lang", LANGS)
def test_main_serving(snap_compare, app_factory, clock: FixedClock, lang: str) -> None:
    async def steps(pilot: Pilot) -> None:
        await sign_in(pilot)
        await act(pilot, "f2")
        await pilot.press("f6")  # the urgent one leaves: finish dialog
        await until(pilot, lambda: isinstance(pilot.app.screen, ChoiceDialog))
        await act(pilot, "enter")
        await act(pilot, "f2")
        await act(pilot, "f5")
        clock.advance(185)
        pilot.app.main._tick()
        await until(pilot, lambda: pilot.app.main.query_one("#header").link.online is False)

    assert snap(snap_compare, app_factory(lang), steps)


def _dialog(key: str, dialog_id: str):
    async def steps(pilot: Pilot) -> None:
        await sign_in(pilot)
        await act(pilot, "f2")
        await until(pilot, lambda: pilot.app.main.query_one("#header").link.online is False)
        await pilot.press(key)
        await until(pilot, lambda: pilot.app.screen.id == dialog_id)

    return steps


@pytest.mark.parametrize("lang", LANGS)
def test_transfer_dialog(snap_compare, app_factory, lang: str) -> None:
    assert snap(snap_compare, app_factory(lang), _dialog("f8", "transfer"))


@pytest.mark.parametrize("lang", LANGS)
def test_finish_dialog(snap_compare, app_factory, lang: str) -> None:
    assert snap(snap_compare, app_factory(lang), _dialog("f6", "finish"))


@pytest.mark.parametrize("lang", LANGS)
def test_pause_dialog(snap_compare, app_factory, lang: str) -> None:
    assert snap(snap_compare, app_factory(lang), _dialog("f11", "pause"))
