"""What the product needs to know about a person, whatever the chat platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserFacts:
    id: str
    name: str
    tz: str | None
    is_bot: bool
    deleted: bool


@dataclass(frozen=True)
class ChannelFacts:
    """What the app can see of a conversation. ``found`` is False when it is hidden from the bot."""

    id: str
    found: bool
    is_im: bool = False
    is_mpim: bool = False
    is_private: bool = False
    bot_is_member: bool = False
    caller_is_member: bool | None = None  # None: not looked up

    @property
    def is_direct(self) -> bool:
        return self.is_im or self.is_mpim
