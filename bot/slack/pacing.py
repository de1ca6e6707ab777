"""Pacing sends so Slack's limits are respected without being told: about one message per
second per channel, and a per-workspace budget; a 429 for one workspace pauses that workspace
only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Slack's chat.postMessage limit: about one message per second per channel.
CHANNEL_INTERVAL = 1.0
#: Default per-workspace budget, messages per minute.
WORKSPACE_PER_MINUTE = 600
#: Threads a scheduler pass sends reminders with by default (``ALS_SCHEDULER_SENDERS``), each
#: for a workspace no other is sending for: the gain is while a send waits on Slack or on
#: PostgreSQL's round trips.
SENDERS = 4


class Pacer:
    """Per-workspace token bucket (``per_minute``, refilled continuously, capacity ``burst``)
    plus at least ``channel_interval`` seconds between two posts to one channel. A 429 pauses
    its workspace for Retry-After. Monotonic time; thread-safe."""

    def __init__(
        self,
        *,
        per_minute: float = WORKSPACE_PER_MINUTE,
        # 2: the refill while a message is claimed and built is not lost (with 1, sends came
        # every ~125 ms instead of 100 ms at 600/min: bench/reminder_fanout.py).
        burst: float = 2.0,
        channel_interval: float = CHANNEL_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.channel_interval = channel_interval
        self._now = monotonic
        self._tokens: dict[str, tuple[float, float]] = {}  # team -> (tokens, at)
        self._paused: dict[str, float] = {}
        self._channels: dict[str, float] = {}
        self._lock = threading.Lock()

    def _level(self, team: str, now: float) -> float:
        tokens, at = self._tokens.get(team, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def wait_for_team(self, team: str) -> float:
        """Seconds until ``team`` may send (0: now)."""
        now = self._now()
        with self._lock:
            paused = self._paused.get(team, 0.0) - now
            level = self._level(team, now)
            need = 0.0 if level >= 1.0 else (1.0 - level) / self.rate
            return max(paused, need, 0.0)

    def busy_teams(self) -> dict[str, float]:
        """Teams that may not send now, with the seconds to wait. A team whose bucket is full
        again and that is not paused is forgotten (a missing team has a full bucket), so this
        costs what the teams that sent in the last moment cost, not every team ever seen."""
        now = self._now()
        busy: dict[str, float] = {}
        with self._lock:
            for team in [t for t, until in self._paused.items() if until <= now]:
                del self._paused[team]
            for team in list(self._tokens):
                level = self._level(team, now)
                if level >= self.burst and team not in self._paused:
                    del self._tokens[team]
                elif level < 1.0:
                    busy[team] = (1.0 - level) / self.rate
            for team, until in self._paused.items():
                busy[team] = max(busy.get(team, 0.0), until - now)
        return busy

    def paused_teams(self) -> dict[str, float]:
        """Teams paused after a 429, with the seconds left."""
        now = self._now()
        with self._lock:
            return {t: until - now for t, until in self._paused.items() if until > now}

    def wait_for_channel(self, channel: str) -> float:
        now = self._now()
        with self._lock:
            return max(0.0, self._channels.get(channel, -1e9) + self.channel_interval - now)

    def spend(self, team: str, channel: str) -> None:
        now = self._now()
        with self._lock:
            self._tokens[team] = (self._level(team, now) - 1.0, now)
            self._channels[channel] = now

    def pause(self, team: str, seconds: float) -> None:
        with self._lock:
            self._paused[team] = max(self._paused.get(team, 0.0), self._now() + seconds)
