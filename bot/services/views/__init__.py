"""Plain data handed from services to renderers (no ORM objects leave a unit of work).

One module per family; every name is importable from here."""

from bot.services.views.agenda import (
    AgendaEntry,
    Airtime,
    Allocation,
    Ballot,
    Panel,
    TopicDraft,
    TopicInfo,
    TopicOutcome,
    TopicOverview,
    VoteBrief,
    VoteOpened,
    VoteState,
)
from bot.services.views.attendance import (
    ApologyDraft,
    Attendance,
    AwayOutcome,
    Presence,
    RsvpOutcome,
)
from bot.services.views.base import (
    SessionInfo,
    SetInfo,
)
from bot.services.views.feeds import (
    FeedData,
    SessionFacts,
    SessionFile,
)
from bot.services.views.home import (
    Dashboard,
)
from bot.services.views.loop import (
    ActionInfo,
    CommitDraft,
    CommitOutcome,
    Context,
    Dropped,
    LogCount,
    LogDraft,
    LogInfo,
    LogSaved,
    OpenAction,
    ReportDraft,
    ReportInfo,
    ReportOutcome,
    RoundMember,
    RoundState,
)
from bot.services.views.sets import (
    Calendar,
    Departure,
    SessionChange,
    SessionDraft,
    SetupDraft,
    SetupOutcome,
)

__all__ = [
    "ActionInfo",
    "AgendaEntry",
    "Airtime",
    "Allocation",
    "ApologyDraft",
    "Attendance",
    "AwayOutcome",
    "Ballot",
    "Calendar",
    "CommitDraft",
    "CommitOutcome",
    "Context",
    "Dashboard",
    "Departure",
    "Dropped",
    "FeedData",
    "LogCount",
    "LogDraft",
    "LogInfo",
    "LogSaved",
    "OpenAction",
    "Panel",
    "Presence",
    "ReportDraft",
    "ReportInfo",
    "ReportOutcome",
    "RoundMember",
    "RoundState",
    "RsvpOutcome",
    "SessionChange",
    "SessionDraft",
    "SessionFacts",
    "SessionFile",
    "SessionInfo",
    "SetInfo",
    "SetupDraft",
    "SetupOutcome",
    "TopicDraft",
    "TopicInfo",
    "TopicOutcome",
    "TopicOverview",
    "VoteBrief",
    "VoteOpened",
    "VoteState",
]
