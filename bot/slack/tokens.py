"""Which bot token speaks for which workspace, and the Web API clients that use it.

Two modes, one code path: every send names its workspace and asks ``Clients`` for that
workspace's client.

- **Single workspace** (``SLACK_BOT_TOKEN``): ``FixedToken``, the one token for every request.
- **Distributed app** (``SLACK_CLIENT_ID``...): ``InstalledTokens``, the token each workspace's
  OAuth install stored (``bot.storage.installations``). With Slack's token rotation a token
  lasts 12 hours: it is refreshed ``REFRESH_MARGIN`` before it expires, by one process at a
  time (the refresh is claimed on the workspace's row; the others wait for the new token, since
  Slack revokes a refresh token once it is used).

A workspace with no token (never installed, uninstalled, its refresh failed) raises
``NoToken`` for its own sends only: the others go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.models.bot import Bot

from bot.slack.errors import NETWORK_ERRORS, error_code

log = logging.getLogger("bot.slack")

#: A rotating token is refreshed when it has less than this left (Bolt's default is 2 hours;
#: sends wait for a refresh, so it is done well ahead).
REFRESH_MARGIN = timedelta(minutes=120)
#: How long a process may hold a workspace's refresh before another may take it over.
REFRESH_LEASE = timedelta(seconds=30)
#: How long a process keeps a workspace's installation before reading it again.
CACHE_SECONDS = 30.0
#: How long a process waits for another's refresh before giving up on this send.
REFRESH_WAIT = 10.0


#: The reason recorded for a send with no token: Slack's own word for a call without one (a
#: workspace error: reminders wait for the workspace, and are owed again when it is back).
NO_TOKEN = "not_authed"


class NoToken(Exception):
    """The workspace has no usable bot token now. ``str(error)`` names why, never a token."""


@dataclass(frozen=True)
class TokenFacts:
    token: str
    bot_user_id: str | None = None
    bot_id: str | None = None


class TokenSource(Protocol):
    def facts(self, team_id: str) -> TokenFacts:
        """The workspace's bot token, or ``NoToken``."""
        ...

    def forget(self, team_id: str) -> None:
        """The app was uninstalled or its tokens revoked: the workspace's tokens go."""
        ...


class FixedToken:
    """Single-workspace mode: the one bot token from the settings."""

    def __init__(self, token: str) -> None:
        self._facts = TokenFacts(token)

    def facts(self, team_id: str) -> TokenFacts:
        return self._facts

    def forget(self, team_id: str) -> None:
        """The token lives in the settings: sending stops (``WorkspaceService``) instead."""


class Installations(Protocol):
    """What ``InstalledTokens`` needs of the installation store (``InstallationRecords``)."""

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None: ...

    def save_bot(self, bot: Bot) -> None: ...

    def claim_refresh(self, team_id: str, owner: str, now: datetime, until: datetime) -> bool: ...

    def release_refresh(self, team_id: str, owner: str) -> None: ...

    def delete_team(self, team_id: str) -> int: ...


class InstalledTokens:
    """Distributed-app mode: each workspace's token from its installation, refreshed in time.

    ``wall`` is the epoch clock token expiries are read against (Slack's ``expires_in`` is
    counted from when a token was issued); tests move it instead of sleeping.

    A workspace's installation is read once per ``cache_seconds`` per process (every request
    and every send asks for it). An uninstall or revocation handled by this process forgets it
    at once; one handled by another process is seen within ``cache_seconds``, and meanwhile
    Slack refuses the old token, which stops that workspace's sends as a revoked token does.
    A workspace with no installation is never cached: an install is seen at once."""

    def __init__(
        self,
        store: Installations,
        *,
        client_id: str,
        client_secret: str,
        api_url: str,
        owner: str,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache: dict[str, tuple[float, Bot]] = {}
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self._client = WebClient(base_url=api_url, timeout=10, retry_handlers=[])
        self._owner = owner
        self._wall = wall
        self._sleep = sleep

    def facts(self, team_id: str) -> TokenFacts:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(team_id)
        if cached is not None and now - cached[0] < self._cache_seconds:
            bot = cached[1]
        else:
            bot = self._find(team_id)
        if self._expiring(bot):
            bot = self._refreshed(team_id, bot)
        with self._lock:
            if cached is None or cached[1] is not bot:
                self._cache[team_id] = (now, bot)
        assert bot.bot_token is not None
        return TokenFacts(bot.bot_token, bot.bot_user_id, bot.bot_id)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._cache.pop(team_id, None)
        self._store.delete_team(team_id)

    def _find(self, team_id: str) -> Bot:
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NoToken("not installed")
        return bot

    def _expiring(self, bot: Bot, margin: timedelta = REFRESH_MARGIN) -> bool:
        expires = bot.bot_token_expires_at
        return (
            bool(bot.bot_refresh_token)
            and expires is not None
            and expires - margin.total_seconds() <= self._wall()
        )

    def _expired(self, bot: Bot) -> bool:
        return self._expiring(bot, timedelta(0))

    def _refreshed(self, team_id: str, bot: Bot) -> Bot:
        """Refresh the token, or wait for the process that is refreshing it."""
        now = datetime.fromtimestamp(self._wall(), UTC)
        if self._store.claim_refresh(team_id, self._owner, now, now + REFRESH_LEASE):
            try:
                bot = self._find(team_id)  # another process may have refreshed just before
                return self._refresh(bot) if self._expiring(bot) else bot
            finally:
                self._store.release_refresh(team_id, self._owner)
        waited = 0.0
        while waited < REFRESH_WAIT:
            self._sleep(0.05)
            waited += 0.05
            bot = self._find(team_id)
            if not self._expiring(bot):
                return bot
        if self._expired(bot):
            raise NoToken("the token's refresh did not finish in time")
        return bot  # still valid for a while: the refresh will be tried again

    def _refresh(self, bot: Bot) -> Bot:
        """slack_sdk's ``TokenRotator`` does this call, but reads expiries against the system
        clock; ours are read against ``wall`` (see the class)."""
        try:
            answer = self._client.oauth_v2_access(
                client_id=self._client_id,
                client_secret=self._client_secret,
                grant_type="refresh_token",
                refresh_token=bot.bot_refresh_token,
            )
        except SlackApiError as exc:
            log.error("a workspace's token could not be refreshed: %s", error_code(exc))
            if self._expired(bot):
                raise NoToken(f"refresh refused ({error_code(exc)})") from None
            return bot
        except NETWORK_ERRORS as exc:
            log.error("a workspace's token could not be refreshed: %s", type(exc).__name__)
            if self._expired(bot):
                raise NoToken("refresh not answered") from None
            return bot
        bot.bot_token = answer["access_token"]
        bot.bot_refresh_token = answer.get("refresh_token") or bot.bot_refresh_token
        bot.bot_token_expires_at = int(self._wall()) + int(answer.get("expires_in") or 0)
        self._store.save_bot(bot)
        log.info("a workspace's token was refreshed")
        return bot


class Clients:
    """The Web API client of each workspace, of one kind (``bot.slack.client``: the
    listeners', the sends after an ack, the scheduler's), cached per token."""

    def __init__(self, tokens: TokenSource, make: Callable[[str], WebClient]) -> None:
        self.tokens = tokens
        self._make = make
        self._by_token: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def one(cls, client: WebClient) -> Clients:
        """Every workspace through this one client (single workspace; tests)."""
        return cls(FixedToken(client.token or ""), lambda _token: client)

    def __call__(self, team_id: str) -> WebClient:
        """``NoToken`` when the workspace has none."""
        token = self.tokens.facts(team_id).token
        with self._lock:
            client = self._by_token.get(token)
            if client is None:
                if len(self._by_token) > 10_000:  # refreshed tokens leave old entries behind
                    self._by_token.clear()
                client = self._by_token[token] = self._make(token)
            return client


def clients_of(client: WebClient | Clients) -> Clients:
    return client if isinstance(client, Clients) else Clients.one(client)
