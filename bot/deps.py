"""What listeners get from the composition root (through Bolt's context): the services, the
Slack directory and the outbound layer. Built once per app by ``bot.app.create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.actions import ActionService
from bot.services.agenda import AgendaService
from bot.services.attendance import AttendanceService
from bot.services.ballot import BallotService
from bot.services.calendar import CalendarService
from bot.services.exports import ExportService
from bot.services.feeds import FeedService
from bot.services.forget import ForgetService
from bot.services.goals import GoalService
from bot.services.handover import HandoverService
from bot.services.home import HomeService
from bot.services.learning import LearningLogService
from bot.services.live import LiveService
from bot.services.programme import ProgrammeService
from bot.services.questions import QuestionService
from bot.services.report import ReportService
from bot.services.reportback import ReportbackService
from bot.services.review import ReviewService
from bot.services.rota import RotaService
from bot.services.sets import SetService
from bot.services.topics import TopicService
from bot.services.workspaces import WorkspaceService
from bot.slack.directory import SlackDirectory
from bot.slack.home import HomePublisher
from bot.slack.outbound import Outbound
from bot.slack.tokens import TokenSource


@dataclass(frozen=True)
class Deps:
    clock: Clock
    sets: SetService
    topics: TopicService
    agenda: AgendaService
    ballot: BallotService
    actions: ActionService
    reportback: ReportbackService
    learning: LearningLogService
    calendar: CalendarService
    attendance: AttendanceService
    rota: RotaService
    handover: HandoverService
    review: ReviewService
    questions: QuestionService
    live: LiveService
    goals: GoalService
    report: ReportService
    programme: ProgrammeService
    exports: ExportService
    forget: ForgetService
    feeds: FeedService
    home: HomeService
    workspaces: WorkspaceService
    directory: SlackDirectory
    publisher: HomePublisher
    outbound: Outbound
    #: The workspaces' bot tokens (``forget``: an uninstall or revocation removes them).
    tokens: TokenSource
    #: Where ``serve`` is reached from outside (calendar feed links); None: no HTTP mode.
    public_url: str | None = None
