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


@dataclass(frozen=True)
class Cell:
    """One figure of the programme report: its value (a count, or a ratio's numerator and
    denominator) and how many people it comes from."""

    value: float
    people: int
    of: float | None = None  # a ratio's denominator (None: a plain count)

    @property
    def shown(self) -> bool:
        """From none (a zero is about nobody) or from ``THRESHOLD`` people on; never 1-2."""
        return self.people == 0 or self.people >= THRESHOLD

    @property
    def ratio(self) -> float | None:
        return None if self.of is None or not self.of else self.value / self.of


def cell_text(key: str, cell: Cell, hidden: bool) -> str:
    """One figure as reports write it: "fewer than 3" when hidden; a percentage for
    attendance, a mean for the 1-5 ratings, else a count."""
    if hidden:
        return SUPPRESSED
    if key == "attendance":
        return "not recorded" if cell.ratio is None else f"{round(100 * cell.ratio)}%"
    if key in ("useful", "rated"):
        return "no answers" if cell.ratio is None else f"{cell.ratio:.1f}"
    return str(int(cell.value))


def total(cells: list[Cell]) -> tuple[Cell, bool]:
    """A column's total, and whether it may be shown: from ``THRESHOLD`` people, and not when
    exactly one cell of the column is hidden (the total less the shown cells would give it)."""
    hidden = sum(1 for c in cells if not c.shown)
    summed = Cell(
        value=sum(c.value for c in cells),
        people=sum(c.people for c in cells),
        of=None if any(c.of is None for c in cells) or not cells else sum(c.of or 0 for c in cells),
    )
    return summed, summed.shown and hidden != 1
