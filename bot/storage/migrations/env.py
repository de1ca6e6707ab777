"""Alembic environment: runs against the connection handed over by ``bot.storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.storage.installations import SLACK_TABLES
from bot.storage.models import Base

config = context.config
# Our models, and slack_sdk's installation and OAuth state tables (distributed app mode).
target_metadata = [Base.metadata, SLACK_TABLES]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only used from the command line of alembic itself
    from bot.storage.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
else:
    _run(connection)
