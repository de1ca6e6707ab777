"""Text that is safe to put inside a chat message's markup."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>``: user text can then neither ping ``@channel``/``@here`` nor
    impersonate a mention or a link, however it is echoed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular or plural: "1 topic", "3 topics" (never "topic(s)")."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
