"""Shared fixtures: a branch home with the demo config, real SQLite and PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from branch import reference
from branch.db import Database
from branch.migrate import upgrade
from branch.settings import Settings, demo_config_text, load_settings

PG_ENV = "TABOUR_TEST_POSTGRES_URL"


@pytest.fixture
def branch_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TABOUR_HOME with the demo branch.toml; the environment points at it."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "branch.toml").write_text(demo_config_text(), encoding="utf-8")
    for var in ("TABOUR_CONFIG", "TABOUR_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TABOUR_HOME", str(home))
    return home


@pytest.fixture
def settings(branch_home: Path) -> Settings:
    return load_settings()


def migrated(url: str, settings: Settings) -> Database:
    upgrade(url)
    db = Database(url)
    with db.write() as s:
        reference.sync_reference_data(s, settings.config)
    return db


@pytest.fixture
def sqlite_url(branch_home: Path) -> str:
    return f"sqlite:///{branch_home / 'tabour.db'}"


@pytest.fixture
def sqlite_db(sqlite_url: str, settings: Settings) -> Iterator[Database]:
    db = migrated(sqlite_url, settings)
    yield db
    db.dispose()


def postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards; the URL selects it."""
    base = make_url(postgres_base_url())
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def postgres_db(postgres_url: str, settings: Settings) -> Iterator[Database]:
    db = migrated(postgres_url, settings)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on both backends."""
    return request.getfixturevalue(f"{request.param}_db")
