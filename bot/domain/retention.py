"""Retention (issue 21, point 4): how long a set keeps what its members wrote. Pure: no Slack,
no SQL.

A set's free text (topic preparations, notes, reports, log entries, goals, review lines,
apology reasons, live questions) is cleared ``retention_days`` after its last session ended;
topic titles (the set's agenda), the contract and every count stay. While a set has sessions
to come it is running and never cleared: an open-ended set's horizon always holds sessions
ahead, so only a programme that ended (or a set that was closed) is ever cleared. A text
written after the cut-off (a late goal rating, an edit) is the member's new word: it is kept."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_RETENTION_DAYS = 90
#: The choices the set's settings offer, in days (None: kept for as long as the set exists).
RETENTION_CHOICES: tuple[int | None, ...] = (30, 90, 365, None)


KEEP = "keep"


def retention_choice(days: int | None) -> str:
    """The form's value for ``days``."""
    return KEEP if days is None else str(days)


def retention_of(choice: str | None) -> int | None:
    """The days a form's value stands for (anything else: the default)."""
    if choice == KEEP:
        return None
    found = [d for d in RETENTION_CHOICES if d is not None and str(d) == choice]
    return found[0] if found else DEFAULT_RETENTION_DAYS


def retention_text(days: int | None) -> str:
    if days is None:
        return "kept for as long as the set exists"
    return f"cleared {days} days after the last session"


def cut_off(last_session_end: datetime, days: int) -> datetime:
    """When a set's texts are cleared: ``days`` after its last session ended."""
    return last_session_end + timedelta(days=days)
