"""Signing in: focus order, counter choice, lockout (counted in the database), language at run
time, key remaps from settings, the `tabour counter` command."""

from __future__ import annotations

from sqlmodel import select

from branch.i18n import rtl
from branch.models import AuditEntry, Counter
from branch.staff import saved_lang
from queue_kiosk.engine import QueueEngine
from tests.support.cli import tabour
from tests.support.counter_app import act, make_app, make_parts, sign_in, status, until, with_keys
from tests.support.counter_app import actor as staff_actor
from tui.testing import run_at


async def test_username_first_tab_to_pin_enter_signs_in(settings, db, clock) -> None:
    app = make_app(make_parts(settings, db, counter=2, clock=clock))
    async with run_at(app, (120, 36)) as pilot:
        assert app.focused.id == "username"
        await pilot.press(*"sara", "tab")
        assert app.focused.id == "pin"
        await pilot.press(*"1111")
        assert app.focused.value == "1111" and app.focused.password
        await pilot.press("enter")
        await until(pilot, lambda: app.main is not None and app.screen is app.main)
        with db.read() as s:
            c = s.get(Counter, 2)
            assert (c.status, c.staff_username) == ("open", "sara")


async def test_counter_choice_offers_only_counters_nobody_else_holds(settings, db, clock) -> None:
    eng = QueueEngine(db, settings.config, clock)
    eng.sign_in(2, staff_actor(db, "omar"))
    app = make_app(make_parts(settings, db, counter=None, clock=clock))
    async with run_at(app, (120, 36)) as pilot:
        await pilot.press(*"sara", "tab", *"1111", "enter")
        box = app.login.query_one("#counters")
        await until(pilot, lambda: box.display and box.option_count > 0)
        offered = [int(box.get_option_at_index(i).id) for i in range(box.option_count)]
        assert 2 not in offered and offered == [c.number for c in settings.config.counters
                                               if c.number != 2]  # fmt: skip
        await pilot.press("down", "down")  # counters 1, 3, 4: the third
        assert box.highlighted_option.id == "4"
        eng.sign_in(3, staff_actor(db, "lina"))  # meanwhile someone takes counter 3
        await until(pilot, lambda: box.option_count == len(offered) - 1)  # no key pressed
        assert box.highlighted_option.id == "4" and app.focused is box
        await pilot.press("enter")
        await until(pilot, lambda: app.main is not None and app.screen is app.main)
        assert app.main.counter == 4 and app.main.parts.counter == 4
        with db.read() as s:
            assert s.get(Counter, 4).staff_username == "sara"


async def test_five_wrong_pins_lock_the_user_until_a_time_shown(settings, db, clock) -> None:
    app = make_app(make_parts(settings, db, counter=1, clock=clock))
    async with run_at(app, (120, 36)) as pilot:
        await pilot.press(*"sara", "enter")  # Enter on the username moves to the PIN
        assert app.focused.id == "pin"
        await pilot.press("enter")
        await until(pilot, lambda: status(app) == "no PIN given for sara")
        for i in range(5):
            app.login.query_one("#status").say("")
            await pilot.press(*"9999", "enter")
            await until(pilot, lambda: status(app) not in ("", "checking…") and not app.login.busy)
            if i < 4:
                assert status(app) == "unknown username or wrong PIN"
        assert status(app) == "sara is locked after 5 wrong PINs until 10:35:00 Asia/Amman"
        app.login.query_one("#status").say("")
        await pilot.press(*"1111", "enter")  # the right PIN, still locked
        await until(pilot, lambda: "locked" in status(app))
        assert app.main is None
        clock.advance(5 * 60 + 1)
        await pilot.press(*"1111", "enter")
        await until(pilot, lambda: app.main is not None)
    with db.read() as s:
        actions = [
            e.action for e in s.exec(select(AuditEntry).where(AuditEntry.subject_ref == "sara"))
        ]
    assert actions.count("staff.lockout") == 1 and actions.count("staff.auth") >= 6


async def test_a_locked_user_is_locked_in_another_process_too(settings, db, clock, branch_home):
    app = make_app(make_parts(settings, db, counter=1, clock=clock))
    for _ in range(5):  # wrong PINs from the CLI: another process counts in the same database
        tabour(branch_home, "counter", "sign-in", "--counter", "3", "--staff", "omar",
               stdin="0000\n")  # fmt: skip
    async with run_at(app, (120, 36)) as pilot:
        await pilot.press(*"omar", "tab", *"2222", "enter")
        await until(pilot, lambda: "omar is locked" in status(app))
        assert app.main is None


async def test_language_switches_at_run_time_and_mirrors(settings, db, clock) -> None:
    app = make_app(make_parts(settings, db, counter=1, clock=clock))
    async with run_at(app, (120, 36)) as pilot:
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "ar")
        label = app.login.query_one(".field-label")
        assert str(label.render()) == rtl("اسم المستخدم")
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.language.lang == "en")
        await sign_in(pilot)
        assert await act(pilot, "f2") == "nothing is waiting for counter 1"
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.has_class("-rtl"))
        header = app.main.query_one("#header").render()
        assert header.startswith("10:30") and rtl("الشباك 1") in header  # mirrored: clock left
        assert await act(pilot, "f2") == "لا أحد بالانتظار للشباك 1"
        keybar = app.main.query_one("#keys").render()
        assert keybar.split("\n")[0].endswith(rtl("F2 نداء التالي"))


async def test_keys_are_remapped_from_settings(settings, db, clock) -> None:
    remapped = with_keys(settings, {"counter.call_next": "ctrl+n", "counter.language": "f1"})
    eng = QueueEngine(db, settings.config, clock)
    code = eng.issue("CONTRIB").code
    app = make_app(make_parts(remapped, db, counter=1, clock=clock))
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        assert "Ctrl+N Call next" in app.main.query_one("#keys").render()
        await pilot.press("f2")  # no longer bound
        await pilot.pause()
        assert app.main.queue.current is None
        assert await act(pilot, "ctrl+n") == f"Called {code}"
        await pilot.press("f1")
        await until(pilot, lambda: app.language.lang == "ar")


def test_tabour_counter_refuses_an_unknown_counter_in_one_line(branch_home, db) -> None:
    proc = tabour(branch_home, "counter", "--counter", "99")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "unknown counter 99" in proc.stderr


def test_counter_subcommands_still_work(branch_home, db) -> None:
    proc = tabour(branch_home, "counter", "open", "--counter", "5", "--json")
    assert proc.returncode == 0, proc.stderr and '"status": "open"' in proc.stdout
    with db.read() as s:
        assert s.get(Counter, 5).status == "open"


async def test_each_staff_member_gets_their_saved_language(settings, db, clock) -> None:
    app = make_app(make_parts(settings, db, counter=1, clock=clock), lang="en")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+l")  # sara works in Arabic: saved for her
        await until(pilot, lambda: app.language.lang == "ar")
        await until(pilot, lambda: saved(db, "sara") == "ar")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.screen.id == "sign-out")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is app.login)
        await pilot.press("ctrl+l")  # the next person wants English at the sign-in
        await until(pilot, lambda: app.language.lang == "en")
        await sign_in(pilot, "omar", "2222")  # omar saved nothing: stays English
        assert app.language.lang == "en" and saved(db, "omar") is None
    app = make_app(make_parts(settings, db, counter=3, clock=clock), lang="en")
    async with run_at(app, (120, 36)) as pilot:
        await sign_in(pilot)  # sara again, elsewhere: Arabic without asking
        await until(pilot, lambda: app.language.lang == "ar" and app.has_class("-rtl"))


def saved(db, username: str) -> str | None:
    with db.read() as s:
        return saved_lang(s, username)
