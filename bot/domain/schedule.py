"""Schedule maths: wall-clock sessions in an IANA zone, computed occurrence by occurrence.

A set meets at a wall-clock time in its own zone. Each occurrence is resolved on its own
date, so a 10:00 session stays at 10:00 local time across DST changes. Pure functions: no
Slack, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

CADENCE_WEEKS: tuple[int, ...] = (1, 2, 3, 4, 6, 8)
MIN_SESSION_MINUTES = 30
MAX_SESSION_MINUTES = 480
DEFAULT_SESSION_MINUTES = 180
PLANNED_AHEAD = 4


@dataclass(frozen=True)
class Occurrence:
    """One planned session: the wall-clock date and time it really happens at, and its instant."""

    local_date: date
    local_time: time
    timezone: str
    starts_at: datetime  # aware, UTC


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; raises ``ValueError`` for anything else."""
    if not name or name != name.strip() or name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - defensive
        raise ValueError(f"unknown time zone {name!r}") from exc


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def is_valid_zone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def _exists(local: datetime) -> bool:
    """True if the wall-clock time ``local`` (aware, fold=0) exists in its zone."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def resolve_local(day: date, at: time, tz: ZoneInfo) -> tuple[time, datetime]:
    """Resolve a wall-clock time on ``day`` in ``tz`` to (actual local time, UTC instant).

    A time that does not exist (spring-forward gap) moves forward to the first valid minute;
    an ambiguous time (fall-back overlap) takes its first occurrence.
    """
    local = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None)).replace(
        tzinfo=tz, fold=0
    )
    steps = 0
    while not _exists(local):
        local = (local.replace(tzinfo=None) + timedelta(minutes=1)).replace(tzinfo=tz, fold=0)
        steps += 1
        if steps > 24 * 60:  # pragma: no cover - no real zone has a day-long gap
            raise ValueError("could not resolve local time")
    return local.timetz().replace(tzinfo=None), local.astimezone(UTC)


def occurrence_on(day: date, at: time, timezone: str) -> Occurrence:
    local_time, instant = resolve_local(day, at, zone(timezone))
    return Occurrence(local_date=day, local_time=local_time, timezone=timezone, starts_at=instant)


def occurrences(
    anchor: date, at: time, timezone: str, cadence_weeks: int, *, start: int = 0, count: int
) -> list[Occurrence]:
    """Occurrences number ``start`` .. ``start + count - 1`` of a series starting on ``anchor``."""
    if cadence_weeks not in CADENCE_WEEKS:
        raise ValueError(f"unsupported cadence {cadence_weeks}")
    return [
        occurrence_on(anchor + timedelta(weeks=cadence_weeks * n), at, timezone)
        for n in range(start, start + count)
    ]


def index_on_or_after(anchor: date, cadence_weeks: int, day: date) -> int:
    """The index of the first occurrence of the series whose date is on or after ``day``."""
    if day <= anchor:
        return 0
    days = (day - anchor).days
    step = 7 * cadence_weeks
    return -(-days // step)


def session_end(starts_at: datetime, minutes: int) -> datetime:
    return starts_at + timedelta(minutes=minutes)


def local_today(timezone: str, now: datetime) -> date:
    """The date it is in ``timezone`` at the instant ``now``."""
    return now.astimezone(zone(timezone)).date()
