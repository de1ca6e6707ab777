"""Encryption at rest of the free text members write (scenarios, questions, notes, log entries,
report texts, goals, review lines, apology reasons, the contract), and of the distributed app's
Slack tokens (``bot.storage.installations``).

Each value is sealed with Fernet (``cryptography``: AES-128-CBC with an HMAC-SHA256, so a
tampered value fails to open rather than reading as something else) and stored as
``als1:<key id>:<token>``. The key id (8 hex digits of the key's SHA-256) says which key sealed a
value without trying each key, so ``als-bot rotate-keys`` finds the rows still under an old key
and ``--check`` counts them. The keys come from ``ALS_ENCRYPTION_KEYS``: a list, the first seals,
all open. Empty strings and NULL are stored as they are (an empty field says nothing).

Columns typed ``EncryptedText`` seal on the way in and open on the way out, so services and
queries see plain ``str``. The keyring an engine uses is set on its dialect (``use_keyring``):
one per ``Database``, none (stored in clear) unless given. A value without the prefix is read as
it is: rows written before encryption was turned on, until ``rotate-keys`` seals them.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "als1:"
_ATTR = "als_keyring"


class KeyProblem(Exception):
    """A key is malformed, missing, or does not open a value: one line naming the key, never a
    value."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def new_key() -> str:
    """A fresh key, as ``ALS_ENCRYPTION_KEYS`` takes it (``als-bot keygen``)."""
    return Fernet.generate_key().decode()


class Keyring:
    """The keys of one deployment: ``keys[0]`` seals, every key opens."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyProblem("ALS_ENCRYPTION_KEYS holds no key")
        self._fernets: dict[str, Fernet] = {}
        self.ids: list[str] = []
        for n, key in enumerate(keys, start=1):
            raw = key.strip().encode()
            try:
                if len(base64.urlsafe_b64decode(raw)) != 32:
                    raise ValueError
                fernet = Fernet(raw)
            except ValueError:
                raise KeyProblem(
                    f"key {n} of ALS_ENCRYPTION_KEYS is not a valid key "
                    "(32 url-safe base64-encoded bytes; `als-bot keygen` prints one)"
                ) from None
            kid = key_id(raw)
            if kid not in self._fernets:
                self.ids.append(kid)
                self._fernets[kid] = fernet
        self.current = self.ids[0]

    @classmethod
    def generate(cls) -> Keyring:
        return cls([new_key()])

    def seal(self, text: str) -> str:
        if not text:
            return text
        token = self._fernets[self.current].encrypt(text.encode()).decode()
        return f"{PREFIX}{self.current}:{token}"

    def open(self, stored: str) -> str:
        kid = sealed_with(stored)
        if kid is None:
            return stored
        fernet = self._fernets.get(kid)
        if fernet is None:
            raise KeyProblem(
                f"a value was sealed with key {kid}, which is not in ALS_ENCRYPTION_KEYS "
                "(put it back after the new key, run `als-bot rotate-keys`, then remove it)"
            )
        try:
            return fernet.decrypt(stored[len(PREFIX) + len(kid) + 1 :]).decode()
        except InvalidToken:
            raise KeyProblem(
                f"key {kid} did not open a value: the value was altered, or the key is wrong"
            ) from None

    def is_current(self, stored: str | None) -> bool:
        """True if ``stored`` needs nothing from ``rotate-keys`` (empty, or sealed with the key
        that seals now)."""
        return not stored or sealed_with(stored) == self.current


def sealed_with(stored: str) -> str | None:
    """The id of the key that sealed ``stored``, or None for a value in clear."""
    if not stored.startswith(PREFIX):
        return None
    return stored[len(PREFIX) :].split(":", 1)[0]


def use_keyring(engine: Engine, keyring: Keyring | None) -> None:
    """Seal the ``EncryptedText`` columns of every statement ``engine`` runs with ``keyring``
    (None: store them in clear). Set once, before the engine is used."""
    setattr(engine.dialect, _ATTR, keyring)


def keyring_of(engine: Engine) -> Keyring | None:
    return getattr(engine.dialect, _ATTR, None)


class EncryptedText(TypeDecorator[str]):
    """Free text a member wrote, or a Slack token: sealed with the engine's keyring, opened
    when read."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        keyring: Keyring | None = getattr(dialect, _ATTR, None)
        if value is None or keyring is None:
            return value
        return keyring.seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        keyring: Keyring | None = getattr(dialect, _ATTR, None)
        if keyring is None:
            raise KeyProblem(
                "the database holds sealed text but no key is set: set ALS_ENCRYPTION_KEYS"
            )
        return keyring.open(value)
