"""Links to messages, asked of Slack (``chat.getPermalink``), for the Home tab: a running
session's line links to its message in the channel. A message's link never changes, so each is
asked once per process (a bounded cache); when Slack does not give one, the Home tab names the
channel instead."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.views import Dashboard
from bot.slack.errors import NETWORK_ERRORS, error_code
from bot.slack.tokens import Clients, NoToken, clients_of

log = logging.getLogger("bot.slack")

#: Links kept (the oldest goes first): one per live part's message.
CACHED = 1024
#: What a link must look like to go into mrkdwn's ``<link|text>`` unchanged.
_LINK = re.compile(r"^https://[^\s<>|]+$")

Key = tuple[str, str, str]  # (team id, channel id, message ts)


class Permalinks:
    def __init__(self, client: WebClient | Clients, *, cached: int = CACHED) -> None:
        self._clients = clients_of(client)
        self._cached = cached
        self._links: dict[Key, str] = {}
        self._lock = threading.Lock()

    def of(self, team_id: str, channel_id: str, ts: str) -> str | None:
        """The message's link (None: Slack did not give one, or not one we can show)."""
        key = (team_id, channel_id, ts)
        with self._lock:
            found = self._links.get(key)
        if found is not None:
            return found
        try:
            answer = self._clients(team_id).chat_getPermalink(channel=channel_id, message_ts=ts)
        except SlackApiError as exc:
            log.info("no link to a message: %s", error_code(exc) or exc.response.status_code)
            return None
        except (NoToken, *NETWORK_ERRORS) as exc:
            log.info("no link to a message: %s", type(exc).__name__)
            return None
        link = answer.get("permalink")
        if not isinstance(link, str) or not _LINK.match(link):
            return None
        with self._lock:
            if len(self._links) >= self._cached:
                del self._links[next(iter(self._links))]
            self._links[key] = link
        return link

    def home(self, team_id: str, boards: list[Dashboard]) -> list[Dashboard]:
        """The boards, each running session with the link to its message."""
        out = []
        for board in boards:
            live = board.live
            if live is not None and live.message_ts and live.link is None:
                link = self.of(team_id, live.channel_id, live.message_ts)
                board = replace(board, live=replace(live, link=link))
            out.append(board)
        return out
