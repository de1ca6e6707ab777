"""Republishing members' Home tabs without publish storms.

Listeners ask for a member's Home tab to be republished when something it shows changed. The
publisher does it after the ack, on one background thread, and coalesces: requests for the same
member that arrive before their publish starts collapse into one, and a member's tab is
published at most once per ``min_interval`` seconds (the last request always wins: the tab is
built when it is published, from committed state). A ``ratelimited`` answer puts the member
back with Slack's ``Retry-After``; a 5xx, or an answer lost on the way, puts them back after a
backoff (``min_interval`` doubled each time, at most ``RETRIES`` times: a Home tab is published
again each time it changes, and whenever its owner opens it).

Requests made with ``settle=True`` wait until the member has been quiet for ``settle``
seconds: a voter changing their ballot several times a second (the modal covers the Home tab
meanwhile) gets one publish after their last click, not one a second, which would otherwise
spend the workspace's ``views.publish`` budget while a whole set votes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.errors import NETWORK_ERRORS
from bot.slack.tokens import Clients, clients_of

log = logging.getLogger("bot.home")

Key = tuple[str, str]  # (team id, user id)

#: Publishes tried again after a 5xx or a lost answer, per change.
RETRIES = 4
#: The longest wait before such a retry (seconds).
BACKOFF_CAP = 60.0


class HomePublisher:
    def __init__(
        self,
        client: WebClient | Clients,
        build: Callable[[str, str], dict[str, Any]],
        *,
        min_interval: float = 1.0,
        settle: float = 3.0,
    ) -> None:
        self._clients = clients_of(client)
        self._build = build
        self._interval = min_interval
        self._settle = settle
        self._cond = threading.Condition()
        self._pending: dict[Key, float] = {}  # key -> not before (monotonic)
        self._last: dict[Key, float] = {}
        self._failures: dict[Key, int] = {}  # consecutive transient failures
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._busy = False
        #: When the thread, waiting, wakes by itself (monotonic; -inf when it is not waiting):
        #: a request due later needs no wake-up (a voter's clicks each push their publish
        #: back, and would otherwise wake the thread once per click for nothing).
        self._wakes_at = float("-inf")
        self.published = 0  # for benchmarks and tests: publishes done by this process
        self.wakeups = 0  # for tests: times the waiting thread was woken by a request

    def request(self, team_id: str, user_id: str, *, settle: bool = False) -> None:
        """Republish this member's Home tab soon (returns at once). ``settle``: once the
        member's requests have stopped for the publisher's ``settle`` seconds."""
        key = (team_id, user_id)
        with self._cond:
            if self._stopped:
                return
            due = self._last.get(key, float("-inf")) + self._interval
            if settle:
                due = max(due, time.monotonic() + self._settle)
            self._pending[key] = max(self._pending.get(key, due), due)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="home-publisher", daemon=True
                )
                self._thread.start()
            elif self._pending[key] < self._wakes_at:
                self.wakeups += 1
                self._cond.notify()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopped = True
            self._pending.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def idle(self) -> bool:
        with self._cond:
            return not self._pending and not self._busy

    def _next(self) -> Key | None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                if self._pending:
                    key, due = min(self._pending.items(), key=lambda kv: kv[1])
                    if due <= now:
                        del self._pending[key]
                        self._busy = True
                        return key
                    self._wakes_at = due
                    self._cond.wait(due - now)
                else:
                    self._wakes_at = float("inf")
                    self._cond.wait()
                self._wakes_at = float("-inf")
            return None

    def _run(self) -> None:
        while (key := self._next()) is not None:
            retry_after = None
            transient = False
            try:
                self._clients(key[0]).views_publish(user_id=key[1], view=self._build(*key))
                self.published += 1
            except SlackApiError as exc:
                error = exc.response.get("error")
                log.warning("views.publish failed: %s", error or exc.response.status_code)
                if exc.response.status_code == 429 or error == "ratelimited":
                    retry_after = float(exc.response.headers.get("Retry-After", 30))
                transient = exc.response.status_code >= 500
            except NETWORK_ERRORS as exc:
                log.warning("Home tab not published: %s", type(exc).__name__)
                transient = True
            except Exception as exc:  # never let the thread die: the next request retries
                log.warning("Home tab not published: %s", type(exc).__name__)
            with self._cond:
                self._busy = False
                finished = time.monotonic()
                self._last[key] = finished
                failures = self._failures.pop(key, 0) + 1 if transient else 0
                if transient and failures <= RETRIES:
                    self._failures[key] = failures
                    retry_after = min(self._interval * 2**failures, BACKOFF_CAP)
                if retry_after is not None and key not in self._pending:
                    self._pending[key] = finished + retry_after
