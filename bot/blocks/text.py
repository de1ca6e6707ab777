"""Safe text for Slack: escaping user content and Slack's date tokens."""

from __future__ import annotations

from datetime import datetime

from bot.domain.text import count, escape

__all__ = ["channel_link", "count", "date_token", "escape", "mention", "mentions"]


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def date_token(
    when: datetime, fmt: str = "{date_short_pretty} at {time}", fallback: str | None = None
) -> str:
    """Slack's date token, so every reader sees ``when`` in their own time zone."""
    epoch = int(when.timestamp())
    if fallback is None:
        fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{fmt}|{escape(fallback)}>"


def mentions(user_ids: list[str] | tuple[str, ...]) -> str:
    return ", ".join(mention(u) for u in user_ids) if user_ids else "nobody"
