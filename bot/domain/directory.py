"""What the product needs to know about a person, whatever the chat platform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class UserFacts:
    id: str
    name: str
    tz: str | None
    is_bot: bool
    deleted: bool
    is_admin: bool = False  # a workspace admin or owner (an organiser of every programme)


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


class Directory(Protocol):
    """Who is who, and what a channel is, as the chat platform says (``bot.slack.directory``).
    Services that must check a person or a channel before they act are given one."""

    def user(self, user_id: str) -> UserFacts | None: ...

    def prefetch(self, user_ids: Iterable[str]) -> None: ...

    def channel(self, channel_id: str, name_hint: str | None = None) -> ChannelFacts: ...

    def channel_members(self, channel_id: str) -> list[str]: ...
