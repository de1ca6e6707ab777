"""What the reports may show (``ALS_PRACTICE.md``, evidence of impact): figures are counts and
ratings, never what a member wrote; a figure about people is shown only when it comes from at
least ``THRESHOLD`` of them. Pure: no Slack, no SQL."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.review import THRESHOLD

SUPPRESSED = f"fewer than {THRESHOLD}"
#: Where an action stands, in the order reports show them.
STANDINGS = ("done", "partly", "not_yet", "open", "changed", "dropped")
STANDING_LABELS = {
    "done": "done",
    "partly": "partly done",
    "not_yet": "not yet",
    "open": "not reported",
    "changed": "changed",
    "dropped": "dropped",
}


@dataclass(frozen=True)
class Figure:
    """A figure and how many people it comes from: shown only from ``THRESHOLD`` people."""

    value: float | int
    people: int

    @property
    def shown(self) -> bool:
        return self.people >= THRESHOLD


def percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in whole percent (None: nothing to divide)."""
    return round(100 * part / whole) if whole else None


def ratings_shown(ratings: dict[int, int]) -> bool:
    """Goal ratings are shown (counts by rating) only from ``THRESHOLD`` answers."""
    return sum(ratings.values()) >= THRESHOLD
