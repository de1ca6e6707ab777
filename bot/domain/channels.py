"""Where a set may live."""

from __future__ import annotations

from bot.domain.directory import ChannelFacts
from bot.ids import COMMAND


def setup_channel_problem(channel: ChannelFacts, *, picked: bool = False) -> str | None:
    """Why a set cannot be set up in ``channel`` (None if it can). ``picked``: the channel was
    chosen in a form (the Home tab's "Create a set"), not the one a command was typed in."""
    if channel.is_direct:
        return (
            "A set lives in a channel, not in a direct message. Create a private channel for "
            f"the set, invite me with `/invite @als`, and run `{COMMAND} setup` there."
        )
    if (not channel.found or not channel.bot_is_member) and picked:
        return "I'm not in that channel yet. Type /invite @als in it, then choose it here again."
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
