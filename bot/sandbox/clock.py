"""The sandbox's time: set from the page, then running on at the pace of real time, with a
scheduler pass each whole minute it passes (as ``als-bot serve``'s scheduler does). It only
moves forward: what the bot has sent cannot be unsent."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import ManualClock
from bot.domain.text import count
from bot.scheduler.tick import TickSummary


def _next_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


class RunningClock:
    """A clock the page sets, running on from there at ``wall``'s pace (seconds)."""

    def __init__(self, start: datetime, wall: Callable[[], float] = time.monotonic) -> None:
        self._now = ManualClock(start)
        self._wall = wall
        self._base = start
        self._mark = wall()
        self.next_tick = _next_minute(start)

    def __call__(self) -> datetime:
        return self._now()

    def set(self, at: datetime) -> None:
        """The page set the time (never earlier than now: the caller checks)."""
        self._base, self._mark = at, self._wall()
        self._now.set(at)
        self.next_tick = _next_minute(at)

    def run_on(self) -> datetime | None:
        """Catch up with real time; the instant to run a scheduler pass as of, when a whole
        minute was passed since the last one."""
        now = self._base + timedelta(seconds=max(0.0, self._wall() - self._mark))
        self._now.set(now)
        if now < self.next_tick:
            return None
        self.next_tick = _next_minute(now)
        return now


def plain_summary(summary: TickSummary) -> str:
    """What a scheduler pass did, in a user's words."""
    sent = summary.sent
    parts = []
    if sent.sent:
        parts.append(f"{count(sent.sent, 'reminder')} sent")
    morning = sent.by_reason.get("quiet hours", 0)
    if morning == 1:
        parts.append("1 waits for its reader's morning")
    elif morning:
        parts.append(f"{morning} wait for their readers' morning")
    if summary.votes_closed:
        parts.append(f"{count(summary.votes_closed, 'vote')} closed")
    if summary.notes.sent:
        parts.append(f"{count(summary.notes.sent, 'message')} delivered")
    if sent.failed or sent.unknown:
        parts.append(f"{count(sent.failed + sent.unknown, 'reminder')} could not be sent")
    return "; ".join(parts) if parts else "Nothing was due."
