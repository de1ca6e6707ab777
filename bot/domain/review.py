"""The closing review: after each session every member rates how useful it was (1-5) and may
add one line on how the set worked. Pure: no Slack, no SQL.

Answers are anonymous to everyone: what anyone sees is an average and a count, and only once
at least ``THRESHOLD`` members have answered (the practice's threshold for figures about
people, ``ALS_PRACTICE.md``). Two poor sessions in a row, or a member missing two in a row,
give the facilitator a private heads-up with something to try, never who rated what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3  # fewer answers than this: no figure is shown
LOWEST, HIGHEST = 1, 5
POOR = 2.0  # an average at or below this is a poor session
NOTE_MAX = 200
#: The review stays open this long after the session ends (an answer may change until then).
OPEN_DAYS = 7

POOR_ADVICE = (
    "Two sessions in a row were rated 2 or less on average. Things to try: open the next "
    'session with a short time-out on how the set is working ("how well are we listening?"), '
    "go back over the ground rules together, check that members ask questions rather than give "
    "advice, and give each topic enough time (fewer topics, more minutes)."
)
ABSENT_ADVICE = (
    "Attendance is part of the contract: a word with them before the next session (how they "
    "are, whether the time still suits them) often helps more than a reminder."
)


@dataclass(frozen=True)
class Summary:
    """What may be shown of one session's review: how many answered and, from ``THRESHOLD``
    answers on, the average."""

    answers: int
    average: float | None  # None: too few answers to show a figure


def summary(scores: Sequence[int]) -> Summary:
    if len(scores) < THRESHOLD:
        return Summary(answers=len(scores), average=None)
    return Summary(answers=len(scores), average=round(sum(scores) / len(scores), 1))


def score_problem(score: int) -> str | None:
    if not LOWEST <= score <= HIGHEST:
        return f"Choose from {LOWEST} to {HIGHEST}."
    return None


def two_poor_in_a_row(recent: Sequence[Summary]) -> bool:
    """The last two held sessions (most recent last) both shown as poor. A session with too
    few answers to show is not counted either way."""
    last = [s.average for s in recent[-2:]]
    return len(last) == 2 and all(a is not None and a <= POOR for a in last)


def missed_twice(user: str, last_two: Sequence[tuple[str, ...]]) -> bool:
    """``user`` was absent from both of the last two held sessions (``last_two``: who was
    present at each)."""
    return len(last_two) == 2 and all(user not in present for present in last_two)
