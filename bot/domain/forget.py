"""Forget me (issue 21, point 3): what erasing a member keeps and what it takes. Pure: no
Slack, no SQL.

A forgotten member's rows stay where the set's figures count them (attendance, actions and
their status, review scores, goal ratings, airtime, closed votes' tallies), but every free
text of theirs is emptied and their Slack id is replaced by a pseudonym: ``X`` and 31 random
hex digits, new for each erasure, recorded nowhere, so it cannot be traced back to them.
Slack ids are upper-case letters and digits starting with U, W or B: a pseudonym is never one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

PSEUDONYM_PREFIX = "X"
_HEX_DIGITS = 31  # with the prefix, the 32 characters of a Slack id column


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(16)[:_HEX_DIGITS]


def is_pseudonym(user_id: str) -> bool:
    """A forgotten member's stand-in (never shown by name, never sent anything)."""
    return (
        len(user_id) == len(PSEUDONYM_PREFIX) + _HEX_DIGITS
        and user_id.startswith(PSEUDONYM_PREFIX)
        and all(c in "0123456789abcdef" for c in user_id[1:])
    )


@dataclass(frozen=True)
class Holdings:
    """What the database holds of one member in one workspace, counted: what forgetting them
    takes (the confirmation lists it) and, afterwards, what it took."""

    topics: int = 0  # topic preparations (titles and texts)
    actions: int = 0
    reports: int = 0  # reports back on actions
    commitment_notes: int = 0
    logs: int = 0
    goals: int = 0
    reasons: int = 0  # apology reasons
    reviews: int = 0  # review lines (the 1-5 answers stay, anonymous)
    live_questions: int = 0
    ballots: int = 0  # votes in votes still open (they leave; closed votes keep their counts)
    sets: tuple[str, ...] = field(default=())  # the sets they leave
    other_rows: int = 0  # records with their id and no text (attendance, answers...)

    @property
    def empty(self) -> bool:
        return not self.sets and not any(
            (
                self.topics,
                self.actions,
                self.reports,
                self.commitment_notes,
                self.logs,
                self.goals,
                self.reasons,
                self.reviews,
                self.live_questions,
                self.ballots,
                self.other_rows,
            )
        )


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def holdings_lines(h: Holdings) -> list[str]:
    """What goes, in words, largest kinds first as the member thinks of them."""
    parts = [
        (h.topics, plural(h.topics, "topic preparation")),
        (h.actions, plural(h.actions, "action")),
        (h.reports, plural(h.reports, "report back", "reports back")),
        (h.commitment_notes, plural(h.commitment_notes, "private commitment note")),
        (h.logs, plural(h.logs, "learning-log entry", "learning-log entries")),
        (h.goals, plural(h.goals, "goal") + " and its rating note"),
        (h.reasons, plural(h.reasons, "apology reason")),
        (h.reviews, plural(h.reviews, "review answer") + " (their lines; scores stay unnamed)"),
        (h.live_questions, plural(h.live_questions, "question typed in a live session")),
        (h.ballots, plural(h.ballots, "vote") + " in a vote still open"),
    ]
    return [text for n, text in parts if n]
