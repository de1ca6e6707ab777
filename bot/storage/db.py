"""Engine and session factories.

``Database.read()`` and ``Database.write()`` each return a new ``Session`` (never shared between
threads). On SQLite the write session begins with ``BEGIN IMMEDIATE``: it takes the write lock up
front, so two concurrent writers queue on the busy timeout instead of deadlocking when both try
to upgrade a read lock. The database runs in WAL mode so readers never block the writer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.crypto import Keyring, use_keyring

SQLITE_BUSY_TIMEOUT_MS = 15_000
#: A server connection idle this long is pinged before it is used again (seconds).
PING_AFTER_IDLE = 1.0
_IMMEDIATE = "als_sqlite_immediate"
_NO_BEGIN = "als_sqlite_no_begin"


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
        if connection.get_execution_options().get(_NO_BEGIN, False):
            return  # each statement in SQLite's autocommit mode: a transaction of its own
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
    ping_after = kwargs.pop("ping_after_idle", PING_AFTER_IDLE)
    options.update(kwargs)
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_when_idle(engine, ping_after)
    return engine


def _ping_when_idle(engine: Engine, after: float) -> None:
    """Pessimistic disconnect handling, as ``pool_pre_ping`` does, but only for a connection
    that has been idle ``after`` seconds or more: a ping is a round trip to the server, and a
    connection checked in a moment ago is alive (a busy process would otherwise ping before
    every statement of every click). A connection that fails its ping is replaced: the pool
    retries the checkout with a new one (``DisconnectionError``)."""

    def used(_dbapi: Any, record: Any) -> None:
        record.info["als_used"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("als_used", float("-inf")) < after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping's own transaction, if it began one
        except Exception as error:
            raise exc.DisconnectionError() from error

    event.listen(engine.pool, "connect", used)
    event.listen(engine.pool, "checkin", used)


class Busy(Exception):
    """A lock could not be had in time: the caller should say "try again"."""


def is_lock_timeout(error: BaseException) -> bool:
    """True for PostgreSQL's lock_timeout (SQLSTATE 55P03) or SQLite's "database is locked"."""
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) == "55P03" or "database is locked" in str(orig or "")


class Database:
    """The composition root's handle on storage: an engine plus read and write session factories."""

    def __init__(
        self, url: str, *, engine: Engine | None = None, keyring: Keyring | None = None
    ) -> None:
        """``keyring`` seals the free text members write (``bot.storage.crypto``); without one
        it is stored in clear."""
        self.url = url
        self.engine = engine or make_engine(url)
        self.keyring = keyring
        use_keyring(self.engine, keyring)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # Reads that need no common snapshot, without BEGIN and ROLLBACK (``reads``).
        self._statements = (
            self._autocommit
            if self.engine.dialect.name == "postgresql"
            else self.engine.execution_options(**{_NO_BEGIN: True})
        )
        self._write_lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> Session:
        """A session for reading (use as ``with db.read() as s:``)."""
        return self._read()

    @contextmanager
    def write(self, *, wait: float | None = None) -> Iterator[Session]:
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
        if not self._write_lock.acquire(timeout=-1 if wait is None else wait):
            raise Busy("the database is busy")
        try:
            with self._write() as session:
                yield session
        finally:
            self._write_lock.release()

    @contextmanager
    def write_turn(self) -> Iterator[None]:
        """This process's turn to write, for a library that writes through the engine itself
        (slack_sdk's stores). Their transactions begin deferred and read before they write; on
        SQLite such a transaction fails at once ("database is locked") when another writer got
        in since its read, so they wait for the turn this process's writers queue for."""
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    @contextmanager
    def reads(self) -> Iterator[Connection]:
        """A connection for reads that need no common snapshot: each statement is a transaction
        of its own, with no ``BEGIN`` and ``ROLLBACK`` around them (on PostgreSQL, at READ
        COMMITTED, each statement of a transaction sees a snapshot of its own anyway; on SQLite
        each runs in its autocommit mode). Not for writes."""
        with self._statements.connect() as conn:
            yield conn

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection whose every statement is a transaction of its own (no ``BEGIN`` and
        ``COMMIT`` round trips): for work done in one statement, such as a server-side
        function."""
        with self._autocommit.connect() as conn:
            yield conn

    def limit_lock_waits(self, session: Session, seconds: float) -> None:
        """Inside a transaction: give up on a row lock after ``seconds`` (PostgreSQL raises,
        and the caller sees ``Busy``). SQLite's writers are bounded by ``write(wait=...)``."""
        if self.dialect == "postgresql":
            session.execute(text(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'"))

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
