"""Connections: on PostgreSQL, one idle for a while is pinged before use and replaced if the
server dropped it, one used a moment ago is not (no round trip); reads without a transaction."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, exc, text

from bot.storage.db import Database, make_engine
from bot.storage.models import Workspace


def _backend_of(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # waits (up to 5 s) until the backend has gone
            assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    finally:
        admin.dispose()


@pytest.fixture
def server_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    return database_url


def test_an_idle_connection_the_server_dropped_is_pinged_and_replaced(server_url: str) -> None:
    engine = make_engine(server_url, pool_size=1, max_overflow=0, ping_after_idle=0.0)
    try:
        dropped = _backend_of(engine)
        _terminate(server_url, dropped)
        assert _backend_of(engine) != dropped  # no error: the checkout's ping replaced it
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(server_url: str) -> None:
    """Without a ping, the dropped connection's first use fails (which shows no ping was
    sent), and the pool then replaces it for the next."""
    engine = make_engine(server_url, pool_size=1, max_overflow=0, ping_after_idle=3600.0)
    try:
        dropped = _backend_of(engine)
        _terminate(server_url, dropped)
        with pytest.raises(exc.OperationalError), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert _backend_of(engine) != dropped
    finally:
        engine.dispose()


def test_reads_run_each_statement_without_a_transaction_around_them(db: Database) -> None:
    """``Database.reads``: no BEGIN and ROLLBACK around the statements (each is a transaction
    of its own), and each sees what was committed before it ran."""
    with db.reads() as conn:
        assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar_one() == 0
        raw = conn.connection.dbapi_connection
        if db.dialect == "postgresql":
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        else:
            assert not raw.in_transaction
        with db.write() as s, s.begin():
            s.add(Workspace(team_id="T0READS01"))
        assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar_one() == 1
