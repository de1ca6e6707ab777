"""One typed codec for what the bot's views and buttons carry back to it: a modal's
``private_metadata``, a button's ``value``.

What comes back is a claim from the client, never authority: services check every id against
the database. The codec only makes sure a claim is well formed (the right JSON types, ids of
ASCII digits within the database's integer range), so that a damaged or forged one is told
apart from a stale one before anything else looks at it.

A claim is a frozen dataclass deriving from :class:`Meta`; each field names its short JSON key
(``field(metadata={"key": "s"})``), and its type is ``int``, ``str``, ``bool`` or one of them
``| None``. ``dump`` and ``load`` are exact inverses; ``load`` gives None for anything else.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Self

#: The largest id the database holds: ids are ``Integer`` columns, a signed 32-bit integer on
#: PostgreSQL (SQLAlchemy casts the parameter to it, so a larger one is an error there).
MAX_ID = 2**31 - 1
MAX_TEXT = 255


def key(name: str) -> Any:
    """A :class:`Meta` field stored under the JSON key ``name``."""
    return field(metadata={"key": name})


def valid_int(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_ID


def claimed_id(raw: object) -> int | None:
    """An id written as text (a button's value): ASCII digits within the database's range."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def claimed_ids(raw: object, count: int) -> tuple[int, ...] | None:
    """``count`` ids joined with ``:`` (``"12:34"``), each as :func:`claimed_id` wants it."""
    if not isinstance(raw, str):
        return None
    parts = [claimed_id(part) for part in raw.split(":")]
    if len(parts) != count or any(p is None for p in parts):
        return None
    return tuple(p for p in parts if p is not None)


_SCHEMAS: dict[type, tuple[tuple[str, str, type, bool], ...]] = {}


def _schema(cls: type) -> tuple[tuple[str, str, type, bool], ...]:
    """(attribute, JSON key, base type, may be None) of each field of a Meta class."""
    known = _SCHEMAS.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        hint = hints[f.name]
        optional = False
        if isinstance(hint, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            optional = len(args) < len(typing.get_args(hint))
            (hint,) = args
        if hint not in (int, str, bool):
            raise TypeError(f"{cls.__name__}.{f.name}: a claim holds int, str or bool")
        out.append((f.name, f.metadata.get("key", f.name), hint, optional))
    _SCHEMAS[cls] = tuple(out)
    return _SCHEMAS[cls]


def _valid(value: object, kind: type, optional: bool) -> bool:
    if value is None:
        return optional
    if kind is int:
        return valid_int(value)
    if kind is bool:
        return type(value) is bool
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT


@dataclass(frozen=True)
class Meta:
    """Base of the claims a view or a button carries (see the module's docstring)."""

    def dump(self) -> str:
        return json.dumps({k: getattr(self, name) for name, k, _, _ in _schema(type(self))})

    @classmethod
    def load(cls, raw: object) -> Self | None:
        """The claim in ``raw``, or None when it is missing, damaged or forged."""
        if not isinstance(raw, str) or len(raw) > 3000:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        values: dict[str, Any] = {}
        for name, k, kind, optional in _schema(cls):
            if k not in data or not _valid(data[k], kind, optional):
                return None
            values[name] = data[k]
        return cls(**values)
