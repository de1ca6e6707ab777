"""What the CLI's commands share: the one-line ``UsageError`` and opening the database."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.storage.db import Database

log = logging.getLogger("bot")


class UsageError(Exception):
    """A problem the operator must fix; printed as one line, exit status 2."""


def where(database_url: str) -> str:
    """Where the database is, for the operator (never its password)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}, database {url.database}"


def open_database(
    settings: Settings, *, migrate: bool, sealed: bool = True, probe: bool = True
) -> Database:
    """The database, reachable (and migrated if ``migrate``), with the keyring that seals
    members' text (``sealed``: every command that reads or writes it; ``migrate`` does not),
    checked against the text already stored (``probe``; ``rotate-keys`` reports it instead)."""
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade

    keyring = settings.keyring if sealed else None
    if sealed and keyring is None and settings.encryption:
        log.warning(
            "members' text is stored in clear: set ALS_ENCRYPTION_KEYS (`als-bot keygen` prints "
            "a key), or ALS_ENCRYPTION=off to say that this is meant"
        )
    db = Database(settings.database_url, keyring=keyring)
    try:
        with db.engine.connect():
            pass
    except Exception as exc:
        db.dispose()
        raise UsageError(
            f"{where(settings.database_url)} cannot be reached ({type(exc).__name__}): check "
            "that it is running and that DATABASE_URL's host, port, user and database are right"
        ) from None
    if migrate:
        try:
            upgrade(db.engine)
        except Exception as exc:
            raise UsageError(
                f"DATABASE_URL could not be migrated ({type(exc).__name__}): check that the database is reachable"
            ) from None
    if sealed and probe:
        _probe_keys(db)
    return db


def _probe_keys(db: Database) -> None:
    """Stop at once, in one line naming the key, when the keys given do not open the text
    already stored (before any member meets it)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.rekey import probe

    try:
        problem = probe(db, db.keyring)
    except SQLAlchemyError:  # not migrated yet (tick checks that itself): nothing to open
        return
    if problem:
        db.dispose()
        raise UsageError(f"{problem}: check ALS_ENCRYPTION_KEYS")
