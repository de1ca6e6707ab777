"""The statuses stored in the database, as enums. Pure: no Slack, no SQL.

Each is a ``StrEnum``: its members are the very strings in the ``status`` columns, so they
compare equal to what a row holds and are written as they are. Statuses of one feature's own
rows stay with its rules: ``TopicStatus`` (``bot.domain.topics``), ``ActionStatus`` and
``ReportStatus`` (``bot.domain.actions``), and a reminder's ``State`` (``bot.domain.delivery``).
"""

from __future__ import annotations

from enum import StrEnum


class SetStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class VoteStatus(StrEnum):
    """An agenda vote: open, closed into a drafted agenda, then confirmed (or skipped)."""

    OPEN = "open"
    CLOSED = "closed"
    CONFIRMED = "confirmed"
    SKIPPED = "skipped"


class LiveStatus(StrEnum):
    """A live session: running in its thread, then ended."""

    RUNNING = "running"
    ENDED = "ended"


class SessionChangeKind(StrEnum):
    """What the facilitator did to a session in the calendar."""

    MOVED = "moved"
    CANCELLED = "cancelled"
    ADDED = "added"
