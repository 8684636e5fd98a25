"""The hall board driven for real: calls committed on the branch database reach the screen
through the live notifier (no key pressed), highlight, end, re-highlight on a recall; waiting
counts; language modes; the chime runs without blocking."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Static

from branch.i18n import rtl
from queue_kiosk.engine import QueueEngine
from queue_kiosk.hall.app import HallApp
from queue_kiosk.hall.chime import Chime
from queue_kiosk.hall.widgets.big_text import BigText
from tui.testing import run_at

SIZE = (160, 45)


async def until(pilot: Pilot, pred, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("the board did not reach the expected state")
        await pilot.pause(0.05)


def shown(app: HallApp, widget_id: str) -> str:
    try:
        widget = app.board.query_one(widget_id, Static)
    except NoMatches:  # between two compositions (a language switch)
        return ""
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height)).strip()


def big(app: HallApp, widget_id: str) -> str:
    return app.board.query_one(widget_id, BigText).text


async def started(pilot: Pilot, app: HallApp) -> None:
    await until(pilot, lambda: app.board.loads >= 1)


async def test_a_call_appears_highlighted_then_the_highlight_ends(
    make_hall, engine: QueueEngine
) -> None:
    app = make_hall(highlight_s=0.5)
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        assert "No calls yet" in shown(app, "#calls") and big(app, "#now-code") == ""
        engine.issue("CONTRIB")
        engine.call_next(1)  # committed on another connection: the notifier brings it
        await until(pilot, lambda: big(app, "#now-code") == "A001")
        assert big(app, "#now-counter") == "1"
        assert app.board.query_one("#now").has_class("-highlight")
        assert app.board.highlighted is not None and app.board.highlighted.code == "A001"
        assert "A001   →   Counter 1" in shown(app, "#calls")
        assert shown(app, "#now-line") == "A001   →   Counter 1"
        await until(pilot, lambda: app.board.highlighted is None)
        assert not app.board.query_one("#now").has_class("-highlight")
        assert big(app, "#now-code") == "A001"  # still shown, no longer highlighted


async def test_recall_re_highlights_and_lists_the_code_once(make_hall, engine: QueueEngine) -> None:
    app = make_hall(highlight_s=0.4)
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        engine.issue("CONTRIB")
        engine.issue("INQUIRY")
        engine.call_next(1)
        engine.call_next(3)
        await until(pilot, lambda: big(app, "#now-code") == "B001")
        await until(pilot, lambda: app.board.highlighted is None)
        engine.recall(1)
        await until(pilot, lambda: app.board.highlighted is not None)
        assert app.board.highlighted.code == "A001" and app.board.highlighted.kind == "recalled"
        assert big(app, "#now-code") == "A001" and big(app, "#now-counter") == "1"
        calls = shown(app, "#calls").split("\n")
        listed = [line for line in calls if line.strip()]
        assert listed == ["A001   →   Counter 1", "B001   →   Counter 3"]
        assert app.board.rung == 3  # two calls and a recall


async def test_waiting_counts_per_service_follow_the_queue(make_hall, engine: QueueEngine) -> None:
    app = make_hall()
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        for service in ("CONTRIB", "CONTRIB", "INQUIRY"):
            engine.issue(service)

        def counts() -> dict[str, int]:
            state = app.board.state
            return {w.code: w.waiting for w in state.waiting} if state else {}

        await until(pilot, lambda: counts().get("CONTRIB") == 2)
        assert counts()["INQUIRY"] == 1 and counts()["RETIRE"] == 0
        table = shown(app, "#waiting")
        assert "Contributions & payments" in table
        row = next(line for line in table.split("\n") if "Contributions" in line)
        assert row.split()[0] == "A" and "2" in row.split()
        engine.call_next(1)
        await until(pilot, lambda: counts().get("CONTRIB") == 1)


async def test_arabic_board_is_mirrored_and_codes_keep_their_order(
    make_hall, engine: QueueEngine
) -> None:
    engine.issue("CONTRIB")
    engine.call_next(1)
    app = make_hall(languages="ar")
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        line = shown(app, "#calls")
        assert line.endswith("A001") and line.startswith(rtl("الشباك 1"))
        assert "←" in line and "100A" not in line
        assert rtl("آخر النداءات") in shown(app, "#calls-title")
        # rendered once (twice would un-mirror it): "Now serving" on the left of the name
        name = app.parts.settings.config.branch.name_ar
        assert shown(app, "#title") == f"{rtl('يُخدم الآن')}   ·   {rtl(name)}"
        header = app.board.query_one("#header")
        assert [w.id for w in header.children] == ["clock", "title"]  # clock on the left
        main = app.board.query_one("#main")
        assert [w.id for w in main.children] == ["calls-panel", "now"]  # mirrored panels


async def test_alternate_mode_switches_language_by_itself(make_hall) -> None:
    app = make_hall(languages="alternate", alternate_s=2)
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        first = app.language.lang
        await until(pilot, lambda: app.language.lang != first, timeout_s=30)

        def title_follows() -> bool:  # the board keeps switching: check against the current one
            want = rtl("يُخدم الآن") if app.language.lang == "ar" else "Now serving"
            return want in shown(app, "#title")

        await until(pilot, title_follows)
        assert app.is_running


async def test_side_by_side_mode_shows_both_languages(make_hall) -> None:
    app = make_hall(languages="side_by_side")
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        title = shown(app, "#title")
        assert "Now serving" in title and rtl("يُخدم الآن") in title
        waiting = shown(app, "#waiting")
        assert "Contributions & payments" in waiting and rtl("الاشتراكات والدفعات") in waiting
        await pilot.press("f2")  # no language to switch to: nothing changes, nothing breaks
        assert app.language.lang == "en"


async def test_any_key_is_harmless(make_hall) -> None:
    app = make_hall(languages="ar")
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        await pilot.press("a", "enter", "escape", "tab", "f1", "f2", "space", "ctrl+p", "9")
        await pilot.pause()
        assert app.is_running and app.language.lang == "en"


CHIME_SCRIPT = """\
import sys, time
with open(sys.argv[1], "a") as f:
    f.write("ding\\n")
time.sleep(float(sys.argv[2]))
"""


def lines_in(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


async def test_chime_runs_on_call_and_recall_without_blocking(
    make_hall, engine: QueueEngine, tmp_path: Path
) -> None:
    script, rings = tmp_path / "chime.py", tmp_path / "rings.txt"
    script.write_text(CHIME_SCRIPT)
    # each chime takes 3 s; the board must go on meanwhile
    app = make_hall(chime=[sys.executable, str(script), str(rings), "3"], highlight_s=0.2)
    async with run_at(app, SIZE) as pilot:
        await started(pilot, app)
        assert lines_in(rings) == 0  # nothing rings for the calls made before the board started
        engine.issue("CONTRIB")
        engine.call_next(1)
        await until(pilot, lambda: lines_in(rings) == 1)
        t0 = time.monotonic()
        engine.recall(1)
        await until(pilot, lambda: app.board.highlighted is not None and
                    app.board.highlighted.kind == "recalled")  # fmt: skip
        await until(pilot, lambda: lines_in(rings) == 2)
        assert time.monotonic() - t0 < 3  # the first chime is still playing
        assert app.board.parts.chime.started == 2


def test_a_missing_chime_command_is_one_log_line(caplog, tmp_path: Path) -> None:
    chime = Chime([str(tmp_path / "no-such-player"), "bell.oga"])
    with caplog.at_level(logging.WARNING, logger="queue_kiosk.hall.chime"):
        for _ in range(3):
            chime.ring()
        deadline = time.monotonic() + 10
        while chime.failed < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert chime.failed == 3 and chime.started == 0
    records = [r for r in caplog.records if r.name == "queue_kiosk.hall.chime"]
    assert len(records) == 1 and "\n" not in records[0].getMessage()
    assert "no-such-player" in records[0].getMessage()


async def test_an_unreadable_database_keeps_the_board_and_recovers(
    make_hall, engine: QueueEngine, sqlite_db, caplog
) -> None:
    from sqlalchemy import text

    engine.issue("CONTRIB")
    engine.call_next(1)
    app = make_hall()
    with caplog.at_level(logging.WARNING, logger="queue_kiosk.hall.screens.board"):
        async with run_at(app, SIZE) as pilot:
            await until(pilot, lambda: big(app, "#now-code") == "A001")
            with sqlite_db.engine.begin() as conn:  # the reads now fail
                conn.execute(text("ALTER TABLE ticketevent RENAME TO ticketevent_away"))
            await until(pilot, lambda: any("cannot read" in r.getMessage() for r in caplog.records))
            assert app.is_running and big(app, "#now-code") == "A001"  # still shown
            with sqlite_db.engine.begin() as conn:
                conn.execute(text("ALTER TABLE ticketevent_away RENAME TO ticketevent"))
            engine.issue("CONTRIB")
            engine.call_next(2)
            await until(pilot, lambda: big(app, "#now-code") == "A002")
    lines = [r.getMessage() for r in caplog.records if "cannot read" in r.getMessage()]
    assert all("\n" not in line and "ticketevent" in line for line in lines)
