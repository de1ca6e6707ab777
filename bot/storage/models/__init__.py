"""SQLAlchemy 2 typed models. Every table carries the Slack workspace (``team_id``).

One module per family; every model is importable from here (and all are mapped once this
package is imported)."""

from bot.storage.models.agenda import (
    UNFINISHED_VOTE,
    AgendaItem,
    AgendaVote,
    Topic,
    VoteAllocation,
)
from bot.storage.models.attendance import (
    Rsvp,
    SessionAttendance,
)
from bot.storage.models.base import (
    Base,
)
from bot.storage.models.delivery import (
    KEPT_CLAIMED,
    KEPT_PENDING,
    LIVE_NOTE,
    LIVE_REMINDER,
    OutboxNote,
    Reminder,
    SendLease,
)
from bot.storage.models.feeds import (
    CalendarFeed,
)
from bot.storage.models.goals import (
    MemberGoal,
)
from bot.storage.models.live import (
    LivePart,
    LiveSession,
)
from bot.storage.models.loop import (
    Action,
    ActionReport,
    Commitment,
    LogEntry,
    ReportRound,
)
from bot.storage.models.organisers import (
    Organiser,
)
from bot.storage.models.review import (
    SessionReview,
)
from bot.storage.models.rota import (
    FacilitationRequest,
)
from bot.storage.models.sets import (
    STOPPED_WORKSPACE,
    LearningSet,
    Membership,
    PlannedSession,
    RulesAgreement,
    Workspace,
)

__all__ = [
    "KEPT_CLAIMED",
    "KEPT_PENDING",
    "LIVE_NOTE",
    "LIVE_REMINDER",
    "STOPPED_WORKSPACE",
    "UNFINISHED_VOTE",
    "Action",
    "ActionReport",
    "AgendaItem",
    "AgendaVote",
    "Base",
    "CalendarFeed",
    "Commitment",
    "FacilitationRequest",
    "LearningSet",
    "LivePart",
    "LiveSession",
    "LogEntry",
    "MemberGoal",
    "Membership",
    "Organiser",
    "OutboxNote",
    "PlannedSession",
    "Reminder",
    "ReportRound",
    "Rsvp",
    "RulesAgreement",
    "SendLease",
    "SessionAttendance",
    "SessionReview",
    "Topic",
    "VoteAllocation",
    "Workspace",
]
