"""Migration 0007 matches the models, and goes down and up again without losing tickets."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from branch.db import Database
from branch.migrate import alembic_config, upgrade
from branch.models import Alert, Feedback, Ticket
from branch.settings import Settings
from queue_kiosk.engine import QueueEngine

MINE = {"alert", "feedback"}
COLUMNS = {("staff", "lang"), ("ticket", "national_ref")}


def _touches_0007(diff: object) -> bool:
    text = repr(diff)
    return any(f"'{t}'" in text for t in MINE) or any(
        f"'{t}'" in text and f"'{c}'" in text for t, c in COLUMNS
    )


def test_models_and_migration_agree(any_db: Database) -> None:
    with any_db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert [d for d in diffs if _touches_0007(d)] == []


def test_down_to_0006_and_up_again(any_db: Database, settings: Settings) -> None:
    engine = QueueEngine(any_db, settings.config)
    t = engine.issue("CONTRIB")
    engine.raise_alert("paper_out", "printer:kiosk", "Out of paper")
    engine.record_feedback(t.code, 5)
    url = any_db.engine.url.render_as_string(hide_password=False)
    any_db.engine.dispose()
    command.downgrade(alembic_config(url), "0006")
    assert any_db.current_revision() == "0006"
    upgrade(url)
    assert any_db.current_revision() == "0007"
    with any_db.read() as s:
        assert [x.code for x in s.exec(select(Ticket))] == [t.code]
        assert s.exec(select(Alert)).all() == [] and s.exec(select(Feedback)).all() == []
    assert engine.raise_alert("paper_out", "printer:kiosk", "Out of paper").id >= 1
