"""`tabour manager`: sign in with username and PIN; a clerk is refused in one line, a wrong
PIN counts toward the lockout, Escape signs out. The command itself starts from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input

from branch.i18n import gettext
from branch.settings import demo_config_text
from branch.staff import WRONG_PIN, StaffLocked, saved_lang
from counter_app.manager_app import ManagerApp
from counter_app.parts import CounterParts
from counter_app.screens.dashboard import DashboardScreen
from counter_app.screens.manager_login import ManagerLoginScreen
from tests.dashboard.morning import until
from tui.testing import run_at

ROOT = Path(__file__).resolve().parents[2]
SIZE = (160, 45)


async def sign_in(pilot, username: str, pin: str) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, ManagerLoginScreen)
    screen.message = ""
    screen.query_one("#username", Input).value = ""
    screen.query_one("#username", Input).focus()
    await pilot.press(*username, "tab", *pin, "enter")


def lang_of(parts: CounterParts, username: str) -> str | None:
    with parts.db.read() as s:
        return saved_lang(s, username)


def answered(login: ManagerLoginScreen, lang: str) -> bool:
    """The sign-in worker has answered (not the "Checking..." shown while it runs)."""
    return login.message not in ("", gettext("Checking...", lang))


async def test_sign_in_flow(parts: CounterParts) -> None:
    app = ManagerApp(parts, "en", live=False)
    async with run_at(app, SIZE) as pilot:
        login = app.screen
        assert isinstance(login, ManagerLoginScreen)
        assert app.focused is login.query_one("#username", Input)
        # a clerk with the right PIN: one line, no dashboard
        await sign_in(pilot, "sara", "1111")
        await until(pilot, lambda: login.message.startswith("sara"))
        assert login.message == "sara is a clerk: the dashboard is for supervisors and managers"
        # a wrong PIN: the same line whoever it is; the PIN field is emptied
        await sign_in(pilot, "huda", "0000")
        await until(pilot, lambda: login.message == WRONG_PIN)
        assert login.query_one("#pin", Input).value == ""
        # the manager: the dashboard, signed in as huda
        await sign_in(pilot, "huda", "4444")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.loads)
        assert app.screen.actor.username == "huda" and app.signed_in == app.screen.actor
        # Ctrl+L: Arabic, saved for huda's next sign-in
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "ar")
        await until(pilot, lambda: lang_of(parts, "huda") == "ar")
        # Escape signs out: back to the sign-in screen
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ManagerLoginScreen))
        assert app.signed_in is None
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "en")
        await sign_in(pilot, "huda", "4444")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.language.lang == "ar"  # her saved language


async def test_sign_in_in_arabic_and_lockout(parts: CounterParts) -> None:
    app = ManagerApp(parts, "ar", live=False)
    async with run_at(app, SIZE) as pilot:
        login = app.screen
        await sign_in(pilot, "lina", "9")
        await until(pilot, lambda: login.message == gettext(WRONG_PIN, "ar"))
        for _ in range(4):
            await sign_in(pilot, "lina", "9")
            await until(pilot, lambda: answered(login, "ar"))
        locked = gettext(StaffLocked.MSGID, "ar").format(
            username="lina", failures=5, until="09:05:00 Asia/Amman"
        )  # the end of the lock in the branch's time zone (fixed clock: 09:00)
        assert login.message == locked
        # locked: even the right PIN is refused until the lock ends
        await sign_in(pilot, "lina", "3333")
        await until(pilot, lambda: answered(login, "ar"))
        assert isinstance(app.screen, ManagerLoginScreen) and login.message == locked


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TABOUR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for var in ("TABOUR_DATABASE_URL", "TABOUR_CONFIG"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "branch", *args], capture_output=True,
                          text=True, env=env, timeout=120)  # fmt: skip


def test_the_command_exists_and_an_unready_database_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    home.mkdir()
    (home / "branch.toml").write_text(demo_config_text(), encoding="utf-8")
    helped = run_cli(home, "manager", "--help")
    assert helped.returncode == 0 and "--lang" in helped.stdout
    refused = run_cli(home, "manager", "--lang", "en")
    assert refused.returncode == 6, refused.stderr  # DatabaseNotReady: run `tabour init`
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tabour: ")
