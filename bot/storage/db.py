"""Engine and session factories.

``Database.read()`` and ``Database.write()`` each return a new ``Session`` (never shared between
threads). On SQLite the write session begins with ``BEGIN IMMEDIATE``: it takes the write lock up
front, so two concurrent writers queue on the busy timeout instead of deadlocking when both try
to upgrade a read lock. The database runs in WAL mode so readers never block the writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
_IMMEDIATE = "als_sqlite_immediate"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; parameters are never echoed into logs or error messages."""
    options: dict[str, Any] = {"hide_parameters": True, "future": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
    else:
        options["pool_pre_ping"] = True
    options.update(kwargs)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


class Database:
    """The composition root's handle on storage: an engine plus read and write session factories."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )
        self._write_lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> Session:
        """A session for reading (use as ``with db.read() as s:``)."""
        return self._read()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for a write transaction (use as ``with db.write() as s, s.begin():``).

        On SQLite the writers of this process also queue on a lock first: SQLite lets only one
        writer in at a time anyway, and its busy handler makes waiting writers sleep with a
        growing back-off, which gives long, unfair tails under load. (Writers of other
        processes still meet on the busy timeout.)
        """
        if self._write_lock is None:
            with self._write() as session:
                yield session
            return
        with self._write_lock, self._write() as session:
            yield session

    def ping(self) -> bool:
        """True if the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
