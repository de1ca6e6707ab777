"""Rules for the sessions calendar: when a session may be moved to, or an extra one added.

Pure: no Slack, no SQL. Times are wall-clock in the set's zone, resolved with
``bot.domain.schedule.resolve_local`` (a time in the spring-forward gap moves to the first
valid minute; an ambiguous time takes its first occurrence).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain import schedule as sched

DATE = "date"
TIME = "time"

STARTED = (
    "That session has already started, so it can no longer be moved or cancelled. "
    "Run `/als sessions` for the coming ones."
)
GONE = "That session is no longer planned (cancelled or removed). Run `/als sessions` for the current list."
COLLISION = "Another session of the set is planned at that time: choose another time."


@dataclass(frozen=True)
class Slot:
    """A session's wall-clock date and time, resolved in its zone."""

    local_date: date
    local_time: time  # the actual local time (a time in a DST gap moves forward)
    timezone: str
    starts_at: datetime  # UTC


@dataclass(frozen=True)
class Busy:
    """Another planned session of the set: it occupies [starts_at, starts_at + minutes)."""

    starts_at: datetime
    minutes: int


def resolve(day: date, at: time, timezone: str) -> Slot:
    local_time, instant = sched.resolve_local(day, at, sched.zone(timezone))
    return Slot(local_date=day, local_time=local_time, timezone=timezone, starts_at=instant)


def slot_problems(
    day: date | None,
    at: time | None,
    *,
    timezone: str,
    minutes: int,
    now: datetime,
    others: Iterable[Busy],
    ends_on: date | None,
) -> tuple[Slot | None, dict[str, str]]:
    """The resolved slot, and field -> what is wrong (empty when acceptable)."""
    errors: dict[str, str] = {}
    if day is None:
        errors[DATE] = "Choose the date."
    if at is None:
        errors[TIME] = "Choose the start time."
    if day is None or at is None:
        return None, errors
    slot = resolve(day, at, timezone)
    if slot.starts_at <= now:
        errors[DATE] = "That is in the past. Choose a date and time still to come."
    elif ends_on is not None and day > ends_on:
        errors[DATE] = (
            f"The set's programme ends on {ends_on:%a %d %b %Y}: choose a date on or before it "
            "(or change the programme end with /als setup)."
        )
    else:
        end = sched.session_end(slot.starts_at, minutes)
        for other in others:
            if other.starts_at < end and slot.starts_at < other.starts_at + timedelta(
                minutes=other.minutes
            ):
                errors[DATE] = COLLISION
                break
    return slot, errors
