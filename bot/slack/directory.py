"""Who is who, and what a channel is: ``users.info`` and ``conversations.*`` with a small cache.

``users.info`` answers are cached (thread-safe, with a TTL) so a modal submission that checks
several members stays well inside Slack's 3-second budget.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.directory import ChannelFacts, UserFacts
from bot.slack.tokens import Clients, clients_of

log = logging.getLogger(__name__)


class SlackDirectory:
    """What Slack says about people and channels, in one workspace (``for_team``); people are
    cached for ``ttl_seconds``, in a cache all workspaces' directories share."""

    def __init__(
        self,
        client: WebClient | Clients,
        *,
        ttl_seconds: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
        team_id: str = "",
        _cache: tuple[dict[tuple[str, str], tuple[float, UserFacts | None]], threading.Lock]
        | None = None,
    ) -> None:
        self._clients = clients_of(client)
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._team = team_id
        self._cache, self._lock = _cache or ({}, threading.Lock())

    def for_team(self, team_id: str) -> SlackDirectory:
        """This directory, asking Slack with ``team_id``'s token."""
        return SlackDirectory(
            self._clients,
            ttl_seconds=self._ttl,
            monotonic=self._monotonic,
            team_id=team_id,
            _cache=(self._cache, self._lock),
        )

    @property
    def _client(self) -> WebClient:
        return self._clients(self._team)

    def user(self, user_id: str) -> UserFacts | None:
        """Facts about a user, or None if Slack does not know them."""
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get((self._team, user_id))
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            data = self._client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "user_not_visible"):
                facts = None
            else:
                raise
        else:
            profile = data.get("profile") or {}
            facts = UserFacts(
                id=data["id"],
                name=profile.get("display_name")
                or data.get("real_name")
                or data.get("name")
                or data["id"],
                tz=data.get("tz"),
                is_bot=bool(data.get("is_bot")) or data.get("id") == "USLACKBOT",
                deleted=bool(data.get("deleted")),
                is_admin=any(
                    bool(data.get(k)) for k in ("is_admin", "is_owner", "is_primary_owner")
                ),
            )
        with self._lock:
            self._cache[(self._team, user_id)] = (now, facts)
        return facts

    def prefetch(self, user_ids: Iterable[str]) -> None:
        """Look up the users not cached yet, concurrently (a set-up submit checks up to 13
        people before its ack; one after another they could use up Slack's 3 seconds)."""
        now = self._monotonic()
        with self._lock:
            missing = {
                u
                for u in user_ids
                if (self._team, u) not in self._cache
                or now - self._cache[(self._team, u)][0] >= self._ttl
            }
        if len(missing) > 1:
            with ThreadPoolExecutor(max_workers=min(8, len(missing))) as pool:
                list(pool.map(self.user, missing))

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._cache.pop((self._team, user_id), None)

    def channel(self, channel_id: str, name_hint: str | None = None) -> ChannelFacts:
        """Facts about a conversation. ``name_hint`` is the ``channel_name`` of a slash command,
        which tells DMs apart even when Slack hides the conversation from the bot."""
        if name_hint == "directmessage" or channel_id.startswith("D"):
            return ChannelFacts(id=channel_id, found=False, is_im=True)
        if name_hint and name_hint.startswith("mpdm-"):
            return ChannelFacts(id=channel_id, found=False, is_mpim=True)
        try:
            data = self._client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            if exc.response.get("error") in (
                "channel_not_found",
                "not_in_channel",
                "method_not_supported_for_channel_type",
            ):
                return ChannelFacts(id=channel_id, found=False, is_im=channel_id.startswith("D"))
            raise
        return ChannelFacts(
            id=channel_id,
            found=True,
            is_im=bool(data.get("is_im")),
            is_mpim=bool(data.get("is_mpim")),
            is_private=bool(data.get("is_private")),
            bot_is_member=bool(data.get("is_member")),
        )

    def channel_members(self, channel_id: str) -> list[str]:
        members: list[str] = []
        cursor: str | None = None
        while True:
            response = self._client.conversations_members(
                channel=channel_id, cursor=cursor, limit=200
            )
            members.extend(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members
