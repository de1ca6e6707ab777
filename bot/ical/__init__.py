"""iCalendar: the members' calendar feeds and one-session files, rendered with the
``icalendar`` library from plain data (``bot.services.views.FeedData``). What Block Kit is to
``bot.blocks``, iCalendar is to this room.

Every event keeps its UID when its session moves (SEQUENCE counts the moves, and one more for a
cancellation); a cancelled session stays, marked CANCELLED; times carry the set's zone (TZID,
with the zone's VTIMEZONE). A feed holds the set's name, the time and the place: nothing else.
Rendering is mostly icalendar's line folding, so each event and each time zone is rendered once
per version of its facts and kept."""

from __future__ import annotations

import functools
from datetime import date

from icalendar import Calendar, Event, Timezone

from bot.domain import schedule as sched
from bot.domain.status import SessionStatus
from bot.services.views import FeedData, SessionFacts, SessionFile

PRODID = "-//als-bot//Action Learning Sets//EN"


def feed_body(feed: FeedData) -> bytes:
    """The whole feed: the calendar's own lines around its time zones and events."""
    head, end = _calendar().to_ical().split(b"END:VCALENDAR")
    names = {set_id: (name, place) for set_id, name, place in feed.sets}
    parts = [head]
    zones = sorted({s.timezone for s in feed.sessions})
    parts.extend(_vtimezone_ical(zone, feed.year) for zone in zones)
    parts.extend(_event_ical(feed.team_id, *names[s.set_id], s) for s in feed.sessions)
    return b"".join(parts) + b"END:VCALENDAR" + end


def session_file(found: SessionFile) -> bytes:
    cal = _calendar()
    cal.add_component(_event(found.team_id, found.set_name, found.place, found.session))
    cal.add_component(_vtimezone(found.session.timezone, found.year))
    return cal.to_ical()


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Action Learning Sets")
    return cal


@functools.lru_cache(maxsize=128)
def _vtimezone(zone: str, year: int) -> Timezone:
    """The zone's VTIMEZONE over the years a feed can span."""
    return Timezone.from_tzid(zone, first_date=date(year - 1, 1, 1), last_date=date(year + 3, 1, 1))


@functools.lru_cache(maxsize=128)
def _vtimezone_ical(zone: str, year: int) -> bytes:
    return _vtimezone(zone, year).to_ical()


@functools.lru_cache(maxsize=8192)
def _event_ical(team_id: str, set_name: str, place: str | None, session: SessionFacts) -> bytes:
    """One session's VEVENT, rendered once for these facts."""
    return _event(team_id, set_name, place, session).to_ical()


def clear_caches() -> None:
    """Forget what was rendered (a benchmark's cold start)."""
    for cached in (_event_ical, _vtimezone_ical, _vtimezone):
        cached.cache_clear()


def _event(team_id: str, set_name: str, place: str | None, session: SessionFacts) -> Event:
    zone = sched.zone(session.timezone)
    cancelled = session.status == SessionStatus.CANCELLED.value
    event = Event()
    event.add("uid", f"session-{session.id}-{team_id.lower()}@als-bot")
    event.add("dtstamp", session.created_at)  # fixed: a body changes only with its data
    event.add("dtstart", session.starts_at.astimezone(zone))
    end = sched.session_end(session.starts_at, session.duration_minutes)
    event.add("dtend", end.astimezone(zone))
    event.add("summary", f"{set_name} (Action Learning Set)")
    if place:
        event.add("location", place)
    event.add("sequence", (session.revision or 1) - 1 + (1 if cancelled else 0))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event
