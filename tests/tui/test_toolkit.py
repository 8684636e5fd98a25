"""The shared Textual toolkit, driven for real: a committed change from another process
reaches the screen, the language switches and mirrors, keys remap, the clock is frozen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import DataTable

from branch.db import Database
from branch.errors import ConfigError
from branch.i18n import rtl
from branch.settings import Settings, UISettings, demo_config_text, parse_config
from tests.support.tui_example import ExampleApp
from tui import bidi
from tui.live import DataChanged
from tui.testing import FIXED_NOW, fixed_clock, run_at

ROOT = Path(__file__).resolve().parents[2]


def tabour(home: Path, url: str, *args: str) -> dict:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env["TABOUR_DATABASE_URL"] = url
    env.pop("TABOUR_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "branch", *args, "--json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


async def until(pilot: Pilot, pred, timeout_s: float = 20.0) -> None:
    """Wait on state (the app's), letting the event loop run."""
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not reach the expected state")
        await pilot.pause(0.05)


def line(app: ExampleApp, widget_id: str) -> str:
    return app.query_one(widget_id).render_line(0).text.strip()


def app_for(db: Database | None, lang: str = "en", keys: dict | None = None) -> ExampleApp:
    return ExampleApp(db, UISettings(keys=keys or {}), fixed_clock(), lang)


async def _change_reaches_screen(db: Database, url: str, home: Path) -> DataChanged:
    app = app_for(db)
    async with run_at(app, (60, 12)) as pilot:
        await until(pilot, lambda: app.changes)  # the watch is up: first "everything"
        assert app.changes[0].everything and line(app, "#waiting") == "Waiting: 0"
        t = tabour(home, url, "ticket", "issue", "--service", "CONTRIB")
        await until(pilot, lambda: line(app, "#waiting") == "Waiting: 1")  # no key pressed
        last = app.changes[-1]
        return last if last.everything or t["id"] in last.ids else pytest.fail(str(last))


async def test_change_from_another_process_updates_the_screen_sqlite(
    sqlite_db: Database, sqlite_url: str, branch_home: Path
) -> None:
    assert (await _change_reaches_screen(sqlite_db, sqlite_url, branch_home)).everything


@pytest.mark.postgres
async def test_change_from_another_process_updates_the_screen_postgres(
    postgres_db: Database, postgres_url: str, branch_home: Path
) -> None:
    got = await _change_reaches_screen(postgres_db, postgres_url, branch_home)
    assert not got.everything and "issued" in got.kinds


async def test_language_switch_mirrors_rows_and_tables() -> None:
    app = app_for(None, "en")
    async with run_at(app, (60, 12)) as pilot:
        assert line(app, "#waiting") == "Waiting: 0"
        table = app.query_one("#table", DataTable)
        assert [c.key.value for c in table.ordered_columns] == ["ticket", "service", "status"]
        await pilot.press("f2")
        await pilot.pause()
        assert app.language.lang == "ar" and app.has_class("-rtl")
        shown = line(app, "#waiting")
        # the label sits right of its value: "0 <Arabic label>" in visual order
        assert shown == f"0 {rtl('بالانتظار:')}"
        assert shown.index("0") < shown.index(rtl("بالانتظار"))
        assert [c.key.value for c in table.ordered_columns] == ["status", "service", "ticket"]
        row = [str(c) for c in table.get_row("t1")]
        assert row[-1] == "A023" and row[0] == rtl("نُودي")
        await pilot.press("f2")
        await pilot.pause()
        assert line(app, "#waiting") == "Waiting: 0" and app.has_class("-ltr")


async def test_keymap_from_settings_remaps_a_binding() -> None:
    app = app_for(None, "en", keys={"example.toggle_lang": "f9"})
    async with run_at(app, (60, 12)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert app.language.lang == "en"
        await pilot.press("f9")
        await pilot.pause()
        assert app.language.lang == "ar"


def test_bad_key_in_settings_is_one_line_naming_it() -> None:
    text = demo_config_text() + '\n[ui.keys]\n"counter.call_next" = "control s"\n'
    with pytest.raises(ConfigError) as err:
        parse_config(text, "branch.toml")
    msg = str(err.value)
    assert "\n" not in msg and "ui.keys.counter.call_next" in msg and "control s" in msg
    ok = parse_config(demo_config_text() + '\n[ui.keys]\n"counter.call_next" = "f5, ctrl+n"\n', "b")
    assert ok.ui.keys == {"counter.call_next": "f5,ctrl+n"}


async def test_clock_is_driven_by_the_injected_clock_in_branch_time() -> None:
    clock = fixed_clock()
    app = ExampleApp(None, UISettings(), clock, "en")
    async with run_at(app, (60, 12)) as pilot:
        assert line(app, "#clock") == "10:30"  # 07:30 UTC in Amman
        clock.advance(61)
        app.query_one("#clock").tick()
        await pilot.pause()
        assert line(app, "#clock") == "10:31"
    assert FIXED_NOW.hour == 7


async def test_theme_is_registered_with_called_and_wait_colours() -> None:
    app = app_for(None)
    async with run_at(app, (60, 12)):
        assert app.theme == "tabour"
        css = app.get_css_variables()
        for name, want in (("accent", "#FACC15"), ("warning", "#F59E0B"), ("error", "#EF4444")):
            got, target = Color.parse(css[name]), Color.parse(want)
            assert max(abs(a - b) for a, b in zip(got.rgb, target.rgb, strict=True)) <= 2


# -- bidi helpers on concrete Arabic -----------------------------------------------------
def test_row_is_mirrored_as_a_whole_and_codes_keep_their_order() -> None:
    shown = bidi.row(["التذكرة", "A023", "الشباك 3"], "ar")
    parts = shown.split("  ")
    assert parts == [rtl("الشباك 3"), "A023", rtl("التذكرة")]
    assert "A023" in shown and "320A" not in shown
    assert "3" in parts[0] and rtl("الشباك") in parts[0]
    assert bidi.row(["Ticket", "A023"], "en") == "Ticket  A023"


def test_terminal_mode_keeps_logical_order_and_asks_for_rtl() -> None:
    shown = bidi.row(["التذكرة", "A023"], "ar", "terminal")
    assert shown.startswith(bidi.RLM) and shown.index("التذكرة") < shown.index("A023")
    assert bidi.text("الشباك 3", "ar", "terminal") == "الشباك \u20663\u2069"


def test_label_value_puts_the_arabic_label_on_the_right() -> None:
    assert bidi.label_value("Waiting", "12", "en") == "Waiting: 12"
    shown = bidi.label_value("بالانتظار", "12", "ar")
    assert shown == f"12 {rtl('بالانتظار:')}" and shown.startswith("12")


def test_ordered_and_cells_align_right_in_arabic() -> None:
    assert bidi.ordered(["a", "b", "c"], "ar") == ["c", "b", "a"]
    assert bidi.ordered(["a", "b", "c"], "en") == ["a", "b", "c"]
    assert bidi.cell("الخدمة", "ar").justify == "right"
    assert bidi.cell("Service", "en").justify == "left"
    block = bidi.block("سطر أول\nسطر 2", "ar")
    assert block.plain.split("\n") == [rtl("سطر أول"), rtl("سطر 2")]


def test_demo_settings_have_no_remaps(settings: Settings) -> None:
    assert settings.config.ui.keys == {}
