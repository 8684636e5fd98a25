"""The engine's refusals, provoked for real, each read as one line in Arabic and English: if
the engine's wording changes, the Arabic falls back to English and this test says which."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from branch.clock import FixedClock
from branch.db import Database
from branch.errors import DomainError
from branch.i18n import has_arabic
from branch.settings import Settings
from counter_app.refusals import refusal_line
from counter_app.widgets.queue_table import wait_class
from queue_kiosk.counter_view import LineView
from queue_kiosk.engine import QueueEngine
from tests.support.counter_app import actor


def provoke(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def test_every_engine_refusal_reads_in_arabic(settings: Settings, db: Database, clock: FixedClock):
    eng = QueueEngine(db, settings.config, clock)
    sara, omar, lina = actor(db, "sara"), actor(db, "omar"), actor(db, "lina")
    errors: dict[str, DomainError] = {}
    errors["nothing waiting"] = provoke(lambda: eng.call_next(1, sara))
    errors["no called ticket"] = provoke(lambda: eng.recall(1, sara))
    errors["not parked (unknown)"] = provoke(lambda: eng.take_back(1, "A999", sara))
    a1, a2, r1 = (eng.issue(s).code for s in ("CONTRIB", "CONTRIB", "RETIRE"))
    errors["does not serve"] = provoke(lambda: eng.call_ticket(1, r1, sara))
    eng.call_next(1, sara)
    errors["still has"] = provoke(lambda: eng.call_next(1, sara))
    errors["held by"] = provoke(lambda: eng.call_next(1, omar))
    errors["signed in elsewhere"] = provoke(lambda: eng.call_next(2, sara))
    errors["not waiting"] = provoke(lambda: eng.call_ticket(2, a1, omar))
    errors["already at counter"] = provoke(lambda: eng.transfer(1, to_counter=1, actor=sara))
    errors["close with a ticket"] = provoke(lambda: eng.sign_out(1, sara, "closed"))
    for _ in range(settings.config.queue.max_recalls):
        eng.recall(1, sara)
    errors["recalled too often"] = provoke(lambda: eng.recall(1, sara))
    eng.start_serving(1, sara)
    errors["already served"] = provoke(lambda: eng.recall(1, sara))
    errors["served: finish instead"] = provoke(lambda: eng.no_show(1, sara))
    eng.park(1, sara)
    errors["parked elsewhere"] = provoke(lambda: eng.take_back(2, a1, omar))
    errors["not parked"] = provoke(lambda: eng.take_back(1, a2, sara))
    errors["role"] = provoke(lambda: eng.close_day(sara))
    errors["unknown service"] = provoke(lambda: eng.walk_in(1, "NOPE", sara))
    errors["no such ticket"] = provoke(lambda: eng.call_ticket(1, "Z999", sara))
    eng.sign_in(3, lina)
    eng.pause(3, lina, "break")
    errors["paused"] = provoke(lambda: eng.call_next(3, lina))
    errors["counter status"] = provoke(lambda: eng.pause(3, lina, "break"))
    untranslated = {k: str(e) for k, e in errors.items() if not has_arabic(refusal_line(e, "ar"))}
    assert not untranslated
    for e in errors.values():
        for lang in ("ar", "en"):
            assert "\n" not in refusal_line(e, lang)
    assert refusal_line(errors["still has"], "en") == (
        f"counter 1 still has {a1}; finish it, mark it no-show or transfer it first"
    )


def test_an_unexpected_error_is_one_line_too() -> None:
    assert refusal_line(KeyError("x"), "en") == "something went wrong: KeyError"
    assert has_arabic(refusal_line(KeyError("x"), "ar"))


def _line(waited_s: int, target_min: int | None = 10, waiting: int = 1) -> LineView:
    return LineView("CONTRIB", "", "", waiting, waited_s, target_min, False, [])


def test_wait_colours_against_the_target() -> None:
    assert wait_class(_line(7 * 60)) == ""
    assert wait_class(_line(int(7.5 * 60))) == "wait-near"  # 75 % of 10 min
    assert wait_class(_line(10 * 60)) == "wait-near"
    assert wait_class(_line(10 * 60 + 1)) == "wait-past"
    assert wait_class(_line(99 * 60, waiting=0)) == ""
    assert wait_class(_line(99 * 60, target_min=None)) == ""
