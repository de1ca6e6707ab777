"""``als-bot rotate-keys``: seal every sealed column's values with the key that seals now.

Rows are taken in batches by primary key, each batch one short transaction. A value already
sealed with the current key is left alone (known from its prefix, without decrypting), so a run
that stopped half-way (a crash, Ctrl-C) is simply run again. Each update is conditional on the
value read, so a member's edit made meanwhile (already sealed with the current key by the app)
is never overwritten. Values stored in clear (before encryption was turned on) are sealed too.

``check`` counts the values by the key that sealed them, from their prefixes alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Table,
    Text,
    bindparam,
    case,
    func,
    or_,
    select,
    type_coerce,
    update,
)

from bot.storage.crypto import PREFIX, EncryptedText, KeyProblem, Keyring, sealed_with
from bot.storage.db import Database
from bot.storage.installations import SLACK_TABLES
from bot.storage.models import Base

CLEAR = "clear"


def sealed_tables() -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Every table with sealed columns, and those columns (from the models and slack_sdk's
    tables as the installation store builds them, with their tokens: none is missed)."""
    for table in [*Base.metadata.sorted_tables, *SLACK_TABLES.sorted_tables]:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText)]
        if columns:
            yield table, columns


def _raw(column: Column[Any]) -> Any:
    """The column as stored (no opening on the way out)."""
    return type_coerce(column, Text())


@dataclass
class Rotation:
    resealed: int = 0  # values sealed again with the current key
    sealed: int = 0  # values that were in clear
    raced: int = 0  # rows whose every value to seal was edited meanwhile (left as edited)
    rows: dict[str, int] = field(default_factory=dict)  # rows read, by table


def rotate(
    db: Database,
    keyring: Keyring,
    *,
    batch: int = 500,
    progress: Callable[[str, int, int], None] = lambda table, done, total: None,
    duty: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Rotation:
    """Seal every value not sealed with ``keyring``'s current key. ``progress(table, done,
    total)`` after each batch. ``duty`` < 1 rests after each batch, so that the rotation works
    that share of the time and the app's requests (its writers, and the CPU) get the rest: a
    batch that took t seconds is followed by t * (1 - duty) / duty seconds of rest."""
    result = Rotation()
    for table, columns in sealed_tables():
        with db.read() as s:
            total = s.execute(select(func.count()).select_from(table)).scalar_one()
        done, last = 0, None
        while True:
            began = time.monotonic()
            last, n = _batch(db, keyring, table, columns, last, batch, result)
            if duty < 1.0:
                sleep((time.monotonic() - began) * (1.0 - duty) / duty)
            done += n
            progress(table.name, done, total)
            if n < batch:
                break
        result.rows[table.name] = done
    return result


def _batch(
    db: Database,
    keyring: Keyring,
    table: Table,
    columns: list[Column[Any]],
    after: Any,
    size: int,
    result: Rotation,
) -> tuple[Any, int]:
    key = table.c.id
    query = select(key, *(_raw(c).label(c.name) for c in columns)).order_by(key).limit(size)
    if after is not None:
        query = query.where(key > after)
    with db.write() as s, s.begin():
        rows = s.execute(query).all()
        changes = [
            _change(keyring, row.id, {c.name: getattr(row, c.name) for c in columns}, result)
            for row in rows
            if not all(keyring.is_current(getattr(row, c.name)) for c in columns)
        ]
        if changes:
            updated = s.connection().execute(_reseal_statement(table, columns), changes).rowcount
            if updated >= 0:
                result.raced += len(changes) - updated
    return (rows[-1].id if rows else after), len(rows)


def _change(
    keyring: Keyring, row_id: Any, values: dict[str, str | None], result: Rotation
) -> dict[str, Any]:
    """The parameters of ``_reseal_statement`` for a row read with ``values``: each value not
    under the current key, sealed again (a column already under it: None, left as it is)."""
    change: dict[str, Any] = {"_id": row_id}
    for name, value in values.items():
        stale = not keyring.is_current(value)
        change[f"_old_{name}"] = value if stale else None
        change[f"_new_{name}"] = _reseal(keyring, value, result) if stale else None
    return change


def _reseal_statement(table: Table, columns: list[Column[Any]]) -> Any:
    """One UPDATE a row, each column conditional on its own value: set to ``_new_<column>``
    only if it still holds the ``_old_<column>`` that was read (a NULL old value leaves it as
    it is). An edit that changed one column meanwhile keeps it, and the row's other columns are
    sealed again all the same (an ORM update writes only the columns it changed). The row is
    counted as raced (not updated) when none of its columns still held what was read."""

    def old(c: Column[Any]) -> Any:
        return bindparam(f"_old_{c.name}", type_=Text())

    return (
        update(table)
        .where(table.c.id == bindparam("_id"), or_(*(_raw(c) == old(c) for c in columns)))
        .values(
            {
                c.name: case(
                    (_raw(c) == old(c), bindparam(f"_new_{c.name}", type_=Text())),
                    else_=_raw(c),
                )
                for c in columns
            }
        )
        .execution_options(synchronize_session=False)
    )


def _reseal(keyring: Keyring, stored: str | None, result: Rotation) -> str | None:
    if keyring.is_current(stored):
        return stored
    assert stored is not None
    if sealed_with(stored) is None:
        result.sealed += 1
    else:
        result.resealed += 1
    return keyring.seal(keyring.open(stored))


def check(db: Database) -> dict[str, int]:
    """How many values each key sealed (by key id; ``CLEAR`` for values in clear), over every
    sealed column. Empty and NULL values are not counted."""
    counts: dict[str, int] = {}
    width = len(PREFIX) + 8
    for table, columns in sealed_tables():
        for column in columns:
            raw = _raw(column)
            head = func.substr(raw, 1, width).label("head")
            query = (
                select(head, func.count())
                .select_from(table)
                .where(raw.is_not(None), raw != "")
                .group_by(head)
            )
            with db.read() as s:
                for head_value, n in s.execute(query).all():
                    kid = sealed_with(head_value + ":") if head_value else None
                    counts[kid or CLEAR] = counts.get(kid or CLEAR, 0) + n
    return counts


def probe(db: Database, keyring: Keyring | None, rows: int = 20) -> str | None:
    """Open the sealed values of each table's latest ``rows`` rows: the first problem (a key
    missing or wrong, in one line naming it), or None. Run at start, so that a deployment given
    the wrong key stops at once rather than failing on members' requests."""
    for table, columns in sealed_tables():
        query = select(*(_raw(c) for c in columns)).order_by(table.c.id.desc()).limit(rows)
        with db.read() as s:
            values = [v for row in s.execute(query).all() for v in row if v]
        for value in values:
            if sealed_with(value) is None:
                continue
            if keyring is None:
                return "the database holds sealed text but ALS_ENCRYPTION_KEYS is not set"
            try:
                keyring.open(value)
            except KeyProblem as exc:
                return str(exc)
    return None
