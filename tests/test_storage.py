"""Storage on both databases: migrations match the models, UTC round trips, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from bot.storage import queries as q
from bot.storage.db import Database
from bot.storage.installations import SLACK_TABLES
from bot.storage.migrate import pending
from bot.storage.models import Base, Workspace


def test_migrations_match_models(db: Database) -> None:
    assert pending(db.engine) == []
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}),
            [Base.metadata, SLACK_TABLES],  # type: ignore[arg-type]
        )
    assert diff == []


def test_timestamps_round_trip_as_aware_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=1))
    with db.write() as s, s.begin():
        s.add(Workspace(team_id="T1", installed_at=datetime(2026, 3, 29, 3, 30, tzinfo=paris)))
    with db.read() as s:
        ws = s.get(Workspace, "T1")
        assert ws is not None
        assert ws.installed_at == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
        assert ws.installed_at.tzinfo is not None and ws.installed_at.utcoffset() == timedelta(0)


def test_default_timestamps_are_utc_now(db: Database) -> None:
    before = datetime.now(UTC)
    with db.write() as s, s.begin():
        q.ensure_workspace(s, "T9")
        q.ensure_workspace(s, "T9")  # idempotent
    with db.read() as s:
        ws = s.get(Workspace, "T9")
    assert ws is not None and before - timedelta(seconds=5) <= ws.installed_at <= datetime.now(UTC)


def test_sqlite_runs_in_wal_with_busy_timeout(db: Database) -> None:
    if db.dialect != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_read_then_write_transactions_neither_deadlock_nor_lose_updates(
    db: Database,
) -> None:
    """Each transaction reads a counter then writes it back. With deferred transactions SQLite
    fails these with 'database is locked' (two readers both upgrading); write sessions begin
    IMMEDIATE, so they queue instead. PostgreSQL rows are locked FOR UPDATE."""
    with db.write() as s, s.begin():
        s.add(Workspace(team_id="TC", name="0"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(15):
                with db.write() as s, s.begin():
                    stmt = select(Workspace).where(Workspace.team_id == "TC")
                    if db.dialect == "postgresql":
                        stmt = stmt.with_for_update()
                    ws = s.scalars(stmt).one()
                    ws.name = str(int(ws.name or "0") + 1)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        assert s.get(Workspace, "TC").name == "120"  # type: ignore[union-attr]
