"""What the calendar-feed use cases return (rendered as iCalendar by ``bot.ical``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple


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
    """A member's feed: their sets' sessions as read, and a validator of exactly this data (the
    ETag). The sets and sessions are made from the rows only when a body is built (a 304 needs
    the ETag alone)."""

    team_id: str
    rows: Sequence[tuple[Any, ...]]  # a session's facts (``SessionFacts``), its set's name, place
    etag: str
    year: int  # the year it is read in: time zones are described around it

    @cached_property
    def sets(self) -> tuple[tuple[int, str, str | None], ...]:
        """(set id, name, place) of each set with a session in the feed."""
        width = len(SessionFacts._fields)
        return tuple(sorted({(r[1], r[width], r[width + 1]) for r in self.rows}))

    @cached_property
    def sessions(self) -> tuple[SessionFacts, ...]:
        width = len(SessionFacts._fields)
        return tuple(SessionFacts._make(r[:width]) for r in self.rows)


@dataclass(frozen=True)
class SessionFile:
    """One session, for an ``.ics`` file (people who do not subscribe to the feed)."""

    team_id: str
    set_name: str
    place: str | None
    session: SessionFacts
    year: int
