"""Setting up a set from the Home tab: the first step picks the set's channel (the set-up
modal, ``bot.blocks.setup``, follows in the same window)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.blocks.common import context, md
from bot.blocks.meta import Meta
from bot.ids import CallbackId

CHANNEL = "channel"
CHANNEL_INPUT = "channel_input"


@dataclass(frozen=True)
class ChannelMeta(Meta):
    """The channel picker carries nothing: the channel is what was picked."""


def channel_modal() -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=CallbackId.SETUP_CHANNEL,
        title=PlainTextObject(text="Set up a set"),
        submit=PlainTextObject(text="Next"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=ChannelMeta().dump(),
        blocks=[
            md(
                "A set meets in a channel of its own, best a private one: its topics, votes "
                "and actions are posted there. Pick it, and the set-up form follows."
            ),
            InputBlock(
                block_id=CHANNEL,
                label="The set's channel",
                hint="I must be in it: type /invite @als in the channel first.",
                element=ConversationSelectElement(
                    action_id=CHANNEL_INPUT,
                    placeholder="Choose a channel",
                    filter=ConversationFilter(
                        include=["public", "private"],
                        exclude_bot_users=True,
                        exclude_external_shared_channels=True,
                    ),
                ),
            ),
            context("No channel for the set yet? Create one in Slack, invite me, then pick it."),
        ],
    )
    view.validate_json()
    return view.to_dict()


def picked_channel(view: dict[str, Any]) -> str | None:
    values = (view.get("state") or {}).get("values") or {}
    picked = (values.get(CHANNEL) or {}).get(CHANNEL_INPUT) or {}
    channel = picked.get("selected_conversation")
    return channel if isinstance(channel, str) and channel else None
