"""The sandbox's time: set from the page, then running on at the pace of real time, with a
scheduler pass each whole minute it passes and the live pass (live sessions whose stage's time
is up) every 5 seconds between them, as ``als-bot serve``'s scheduler does. It only moves
forward: what the bot has sent cannot be unsent."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import ManualClock
from bot.domain.text import count
from bot.scheduler.runner import LIVE_SECONDS
from bot.scheduler.tick import TickSummary


def _next_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _next_live(at: datetime) -> datetime:
    """The next whole ``LIVE_SECONDS`` (10:00:05, 10:00:10, ...) after ``at``."""
    whole = at.replace(microsecond=0)
    return whole - timedelta(seconds=whole.second % LIVE_SECONDS) + timedelta(seconds=LIVE_SECONDS)


@dataclass(frozen=True)
class Due:
    """A pass to run as of ``at``: the minute's scheduler pass (it moves live sessions on
    too), or else only the live pass."""

    at: datetime
    minute: bool


class RunningClock:
    """A clock the page sets, running on from there at ``wall``'s pace (seconds)."""

    def __init__(self, start: datetime, wall: Callable[[], float] = time.monotonic) -> None:
        self._now = ManualClock(start)
        self._wall = wall
        self._base = start
        self._mark = wall()
        self.next_tick = _next_minute(start)
        self.next_live = _next_live(start)

    def __call__(self) -> datetime:
        return self._now()

    def set(self, at: datetime) -> None:
        """The page set the time (never earlier than now: the caller checks)."""
        self._base, self._mark = at, self._wall()
        self._now.set(at)
        self.next_tick = _next_minute(at)
        self.next_live = _next_live(at)

    def run_on(self) -> Due | None:
        """Catch up with real time; the pass to run as of now: the scheduler's, when a whole
        minute was passed since the last one, else the live pass, when ``LIVE_SECONDS`` were."""
        now = self._base + timedelta(seconds=max(0.0, self._wall() - self._mark))
        self._now.set(now)
        if now >= self.next_tick:
            self.next_tick, self.next_live = _next_minute(now), _next_live(now)
            return Due(now, minute=True)
        if now >= self.next_live:
            self.next_live = _next_live(now)
            return Due(now, minute=False)
        return None


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
    if summary.stages:
        parts.append(
            "the live session moved on"
            if summary.stages == 1
            else f"{summary.stages} live sessions moved on"
        )
    if summary.votes_closed:
        parts.append(f"{count(summary.votes_closed, 'vote')} closed")
    if summary.notes.sent:
        parts.append(f"{count(summary.notes.sent, 'message')} delivered")
    if sent.failed or sent.unknown:
        parts.append(f"{count(sent.failed + sent.unknown, 'reminder')} could not be sent")
    return "; ".join(parts) if parts else "Nothing was due."
