"""Attendance rules: a member's answer for a session (coming, or apologies), when answers close,
and when apologies are late. Pure: no Slack, no SQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.status import SessionStatus

REASON_MAX = 300
MAX_NOTICE_HOURS = 14 * 24
MAX_MIN_MEMBERS = 12


class Answer(StrEnum):
    COMING = "coming"
    APOLOGIES = "apologies"


@dataclass(frozen=True)
class AttendanceSettings:
    """A set's attendance contract (stored in ``LearningSet.settings["attendance"]``)."""

    notice_hours: int = 24  # apologies later than this before the start are marked late
    min_members: int = 3  # fewer able to come: the facilitator is asked to move or cancel

    @classmethod
    def load(cls, settings: dict[str, Any] | None) -> AttendanceSettings:
        raw = (settings or {}).get("attendance")
        if not isinstance(raw, dict):
            return cls()
        bounds = {"notice_hours": (0, MAX_NOTICE_HOURS), "min_members": (1, MAX_MIN_MEMBERS)}
        values = {}
        for name, (low, high) in bounds.items():
            value = raw.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                values[name] = value
        return cls(**values)

    def dump(self) -> dict[str, Any]:
        return asdict(self)


def answer_problem(status: str, starts_at: datetime, now: datetime) -> str | None:
    """Why an answer for this session is not taken (None: it is). Answers may change until the
    session starts."""
    if status == SessionStatus.CANCELLED.value:
        return "That session was cancelled: there is nothing to answer."
    if status != SessionStatus.PLANNED.value:
        return "That session is no longer planned: there is nothing to answer."
    if starts_at <= now:
        return "That session has started: answers close when a session starts."
    return None


MAX_AWAY_DAYS = 366


def away_problem(until: date, today: date) -> str | None:
    """Why ``/als away until <until>`` is refused (None: it is taken)."""
    if until < today:
        return "That date has passed: give a date still to come."
    if until > today + timedelta(days=MAX_AWAY_DAYS):
        return "At most a year ahead: give an earlier date (you can set it again later)."
    return None


def is_away(away_until: date | None, session_date: date) -> bool:
    """A session on ``session_date`` (in the set's zone) falls in the member's time away."""
    return away_until is not None and session_date <= away_until


def is_absent(answer: str | None, away_until: date | None, session_date: date) -> bool:
    """Will a member miss a session on ``session_date``? Their answer counts; without one,
    being away on that day counts as apologies."""
    if answer is not None:
        return answer == Answer.APOLOGIES
    return is_away(away_until, session_date)


def was_present(user: str, confirmed: dict[str, bool], coming: set[str], active: set[str]) -> bool:
    """Did ``user`` attend? Presenting or reporting back counts as present; otherwise what
    the facilitator confirmed; otherwise their answer (coming)."""
    if user in active:
        return True
    if user in confirmed:
        return confirmed[user]
    return user in coming


def short_of_quorum(able: int, settings: AttendanceSettings) -> bool:
    """Fewer members able to come (coming, or not answered yet) than the set's minimum."""
    return able < settings.min_members


def is_late(starts_at: datetime, now: datetime, settings: AttendanceSettings) -> bool:
    """Apologies given with less notice than the set agreed."""
    return starts_at - now < timedelta(hours=settings.notice_hours)
