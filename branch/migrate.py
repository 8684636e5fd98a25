"""Alembic, driven from code: no alembic.ini, migrations live in `branch/migrations`."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "branch:migrations")
    cfg.attributes["url"] = url
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
