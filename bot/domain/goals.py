"""Personal goals (``ALS_PRACTICE.md``, evidence of impact: "a goal set at the start and rated at
the end"). Each member may write a private goal for the programme at its first session and
during its first month; at the programme's last session (or whenever they choose) they rate
their progress 1-5, with an optional line. Only ratings are ever counted, and only from
``THRESHOLD`` answers on (``bot.domain.review``). Pure: no Slack, no SQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

GOAL_MAX = 300
NOTE_MAX = 200
LOWEST, HIGHEST = 1, 5
#: A goal is written (or changed) until this long after the first session starts.
WINDOW = timedelta(days=30)

SCALE = {1: "1 no progress", 2: "2", 3: "3", 4: "4", 5: "5 I can do it now"}


class Nudge(StrEnum):
    """What a member's review DM after a session also offers about their goal."""

    WRITE = "write"  # the first month: write your goal
    RATE = "rate"  # the programme's last session: rate your progress


def writable_until(first_start: datetime | None) -> datetime | None:
    """Until when goals may be written (None: the set has no session yet: any time)."""
    return None if first_start is None else first_start + WINDOW


def may_write(now: datetime, first_start: datetime | None) -> bool:
    until = writable_until(first_start)
    return until is None or now <= until


def is_last(
    *,
    index: int,
    programme_sessions: int | None,
    local_date: date,
    cadence_weeks: int,
    programme_ends_on: date | None,
) -> bool:
    """Is the set's ``index``-th session (0 = the first; cancelled ones not counted) the last
    of its programme? Open-ended programmes have no last session."""
    if programme_sessions is not None and index >= programme_sessions - 1:
        return True
    if programme_ends_on is not None:
        return local_date + timedelta(weeks=cadence_weeks) > programme_ends_on
    return False


def nudge(*, writable: bool, last: bool, has_goal: bool, rated: bool) -> Nudge | None:
    if last and has_goal and not rated:
        return Nudge.RATE
    if writable and not has_goal:
        return Nudge.WRITE
    return None


def goal_problem(text: str) -> str | None:
    if not text.strip():
        return "Write what you want to be able to do by the end of the programme."
    if len(text) > GOAL_MAX:
        return f"At most {GOAL_MAX} characters."
    return None


def rating_problems(rating: int | None, note: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if rating is None or not LOWEST <= rating <= HIGHEST:
        errors["rating"] = "Choose how far you got, from 1 to 5."
    if len(note) > NOTE_MAX:
        errors["note"] = f"At most {NOTE_MAX} characters."
    return errors
