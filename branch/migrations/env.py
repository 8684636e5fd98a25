"""Alembic environment: the URL comes from the caller (branch.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import branch.models  # noqa: F401  (registers the tables)

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
parsed = make_url(url)
if parsed.drivername == "postgresql":
    url = str(parsed.set(drivername="postgresql+psycopg"))
target_metadata = SQLModel.metadata


def run() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
