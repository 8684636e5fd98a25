"""SVG snapshots of the kiosk screens in Arabic and English at 100x30, fixed clock and data."""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot

from queue_kiosk.kiosk.screens.choose import ChooseServiceScreen
from queue_kiosk.kiosk.screens.notice import NoticeScreen
from queue_kiosk.kiosk.screens.priority import PriorityScreen
from queue_kiosk.kiosk.screens.ticket import TicketScreen
from tui.testing import settle

SIZE = (100, 30)
LANGS = ["ar", "en"]


async def reach(pilot: Pilot, pred) -> None:
    deadline = time.monotonic() + 30
    while not pred():
        assert time.monotonic() < deadline, "the kiosk did not reach the screen"
        await pilot.pause(0.05)
    await settle(pilot)


def on(kind):
    async def run(pilot: Pilot) -> None:
        await reach(pilot, lambda: isinstance(pilot.app.screen, kind))

    return run


def keys(*pressed: str, then, more: tuple[str, ...] = (), then_more=None):
    """Press keys, wait for `then`; then (optionally) press `more` and wait for `then_more`."""

    async def run(pilot: Pilot) -> None:
        await pilot.press(*pressed)
        await then(pilot)
        if more:
            await pilot.press(*more)
            await then_more(pilot)

    return run


async def ticket_done(pilot: Pilot) -> None:
    await reach(
        pilot,
        lambda: isinstance(pilot.app.screen, TicketScreen) and pilot.app.screen.state != "printing",
    )


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_home(snap_compare, make_kiosk, lang: str) -> None:
    assert snap_compare(make_kiosk(lang), terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_priority(snap_compare, make_kiosk, lang: str) -> None:
    app = make_kiosk(lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("p", then=on(PriorityScreen)))


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_urgent_services(snap_compare, make_kiosk, lang: str) -> None:
    app = make_kiosk(lang)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=keys("u", then=on(ChooseServiceScreen))
    )


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_ticket(snap_compare, make_kiosk, engine, lang: str) -> None:
    for _ in range(3):
        engine.issue("CONTRIB")
    app = make_kiosk(lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("1", then=ticket_done))


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_ticket_print_failed(snap_compare, make_kiosk, lang: str) -> None:
    app = make_kiosk(lang, fault="paper_out")
    assert snap_compare(
        app, terminal_size=SIZE,
        run_before=keys("u", then=on(ChooseServiceScreen), more=("2",), then_more=ticket_done),
    )


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_closed(snap_compare, make_kiosk, lang: str) -> None:
    app = make_kiosk(lang, opens="12:00", closes="15:00")
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("1", then=on(NoticeScreen)))


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_national_number(snap_compare, make_kiosk, lang: str) -> None:

    app = make_kiosk(lang, national_number=True)

    async def typed(pilot: Pilot) -> None:
        await pilot.press("1")
        await reach(pilot, lambda: focused_on(pilot, "nn"))
        await pilot.press("1", "2")
        await reach(pilot, lambda: pilot.app.screen.query_one("#nn").value == "12")

    assert snap_compare(app, terminal_size=SIZE, run_before=typed)


def focused_on(pilot: Pilot, widget_id: str) -> bool:
    focused = pilot.app.focused
    return focused is not None and focused.id == widget_id


def rating_code(pilot_keys: tuple[str, ...], then):
    async def run(pilot: Pilot) -> None:
        await pilot.press("r")
        await reach(pilot, lambda: focused_on(pilot, "code-input"))
        await pilot.press("a", "0", "0", "1", "enter")
        await reach(pilot, lambda: getattr(pilot.app.screen, "step", "") == "score")
        await pilot.press(*pilot_keys)
        await then(pilot)

    return run


def step(name: str):
    async def run(pilot: Pilot) -> None:
        await reach(pilot, lambda: getattr(pilot.app.screen, "step", "") == name)

    return run


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_rating_score(snap_compare, make_kiosk, engine, lang: str) -> None:
    engine.issue("CONTRIB")
    app = make_kiosk(lang)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=rating_code((), then=step("score"))
    )


@pytest.mark.parametrize("lang", LANGS)
def test_kiosk_rating_details(snap_compare, make_kiosk, engine, lang: str) -> None:
    engine.issue("CONTRIB")
    app = make_kiosk(lang)
    assert snap_compare(
        app,
        terminal_size=SIZE,
        run_before=rating_code(("4",), then=step("details")),
    )
