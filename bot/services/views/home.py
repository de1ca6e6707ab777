"""Plain data for one member's Home tab."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.views.agenda import TopicOverview, VoteBrief
from bot.services.views.attendance import Attendance
from bot.services.views.base import SetInfo
from bot.services.views.live import LiveBrief
from bot.services.views.loop import ActionInfo, LogCount, ReviewTrend, RoundState


@dataclass(frozen=True)
class Dashboard:
    """One set on one member's Home tab."""

    set: SetInfo
    topics: TopicOverview
    actions: tuple[ActionInfo, ...]  # the reader's open actions in this set
    vote: VoteBrief | None
    round: RoundState | None = None  # facilitator: report-back progress for the next session
    logs: LogCount | None = None  # facilitator: learning-log entries about the last session
    agenda_started: bool = False  # the next session has a vote (open or closed) or an agenda
    can_answer: bool = False  # the next session is still to start: Coming / Can't come
    my_answer: str | None = None  # the reader's answer for the next session
    attendance: Attendance | None = None  # facilitator: who is coming to the next session
    tally: dict[str, tuple[int, int]] | None = None  # facilitator: attended / held, per member
    facilitating: bool = False  # the reader leads the set or facilitates its next session
    review: ReviewTrend | None = None  # the closing reviews: counts, averages from three answers
    live: LiveBrief | None = None  # the set's session, while it runs live
