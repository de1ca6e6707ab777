"""Where a set may live."""

from __future__ import annotations

from bot.domain.directory import ChannelFacts
from bot.ids import COMMAND


def setup_channel_problem(channel: ChannelFacts) -> str | None:
    """Why a set cannot be set up in ``channel`` (None if it can)."""
    if channel.is_direct:
        return (
            "A set lives in a channel, not in a direct message. Create a private channel for "
            f"the set, invite me with `/invite @als`, and run `{COMMAND} setup` there."
        )
    if not channel.found or not channel.bot_is_member:
        return (
            f"I'm not in this channel yet. Type `/invite @als` here, then run `{COMMAND} setup` "
            "again. Nothing was saved."
        )
    if channel.caller_is_member is False:
        return (
            "You are not in this channel any more, so you cannot set up its set. Nothing was saved."
        )
    return None
