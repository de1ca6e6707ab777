"""What the calendar-feed use cases return (rendered as iCalendar by ``bot.ical``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class SessionFacts(NamedTuple):
    """What a calendar shows of one session (a named tuple: made straight from a row)."""

    id: int
    set_id: int
    starts_at: datetime  # UTC
    duration_minutes: int
    timezone: str  # the set's IANA zone
    status: str
    revision: int  # bumped by each move
    created_at: datetime


@dataclass(frozen=True)
class FeedData:
    """A member's feed: their sets (name, place) and those sets' sessions, and a validator of
    exactly this data (the ETag)."""

    team_id: str
    sets: tuple[tuple[int, str, str | None], ...]  # (set id, name, place)
    sessions: tuple[SessionFacts, ...]
    etag: str
    year: int  # the year it is read in: time zones are described around it


@dataclass(frozen=True)
class SessionFile:
    """One session, for an ``.ics`` file (people who do not subscribe to the feed)."""

    team_id: str
    set_name: str
    place: str | None
    session: SessionFacts
    year: int
