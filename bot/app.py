"""Composition root: database, clock, Slack clients, services, the outbound layer and the Bolt
app. No module globals."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks.home import home_view
from bot.clock import Clock, system_clock
from bot.deps import Deps
from bot.handlers import register_all
from bot.handlers.feeds import CALENDAR_PATH, FeedPage
from bot.handlers.guard import ListenerPool
from bot.handlers.kit import Kit
from bot.scheduler.sender import worker_id
from bot.scheduler.tick import Ticker
from bot.services.access import BallotSeal, SetupSeal
from bot.services.actions import ActionService
from bot.services.agenda import AgendaService
from bot.services.attendance import AttendanceService
from bot.services.ballot import BallotService
from bot.services.calendar import CalendarService
from bot.services.exports import ExportService
from bot.services.feeds import FeedSeal, FeedService
from bot.services.goals import GoalService
from bot.services.handover import HandoverService
from bot.services.home import HomeService
from bot.services.learning import LearningLogService
from bot.services.live import LiveService
from bot.services.outbox import OutboxService
from bot.services.programme import ProgrammeService
from bot.services.questions import QuestionService
from bot.services.report import ReportService
from bot.services.reportback import ReportbackService
from bot.services.review import ReviewService
from bot.services.rota import RotaService
from bot.services.sets import SetService
from bot.services.topics import TopicService
from bot.services.workspaces import WorkspaceService
from bot.slack.client import after_ack_client, make_client, scheduler_client
from bot.slack.directory import SlackDirectory
from bot.slack.home import HomePublisher
from bot.slack.notes import NoteSender
from bot.slack.outbound import Outbound
from bot.slack.pacing import Pacer
from bot.storage.db import Database
from bot.web import front_door


@dataclass
class AlsBot:
    """Everything one process needs to answer Slack, and to run scheduler passes."""

    bolt: App
    deps: Deps
    db: Database
    ticker: Ticker
    pool: ListenerPool
    bot_token: str
    api_url: str
    signing_secret: str

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        """The WSGI app ``als-bot serve`` runs (``bot.web``: requests are verified first)."""
        return front_door(
            self.bolt, self.db, self.signing_secret, {CALENDAR_PATH: FeedPage(self.deps)}
        )

    def scheduler(
        self,
        client: WebClient | None = None,
        *,
        pacer: Pacer | None = None,
        worker: str | None = None,
    ) -> Ticker:
        """Another scheduler process's passes, on this app's database and Home tabs, with its
        own non-retrying client (default: a new one)."""
        client = client or scheduler_client(self.bot_token, self.api_url)
        return _ticker(self.deps, self.db, client, pacer=pacer, worker=worker)

    def idle(self) -> bool:
        """No listener is running or waiting to run (the work after their acks included).
        Home tabs may still wait to be published: they settle on purpose (``HomePublisher``)."""
        return self.pool.idle()

    def close(self) -> None:
        """Stop background work (the Home tab publisher, the listeners' threads)."""
        self.deps.publisher.stop()
        self.pool.shutdown(wait=False)


def _ticker(
    deps: Deps,
    db: Database,
    client: WebClient,
    *,
    pacer: Pacer | None = None,
    worker: str | None = None,
) -> Ticker:
    outbound = Outbound(client, publisher=deps.publisher)
    return Ticker(db, deps.clock, client, pacer=pacer, worker=worker, outbound=outbound)


def create_app(
    *,
    db: Database,
    bot_token: str,
    signing_secret: str,
    api_url: str,
    clock: Clock = system_clock,
    verify_token: bool = True,
    home_interval: float = 1.0,
    home_settle: float = 3.0,
    pacer: Pacer | None = None,
    public_url: str | None = None,
) -> AlsBot:
    """``home_interval``: a member's Home tab is republished at most once per this many
    seconds (bursts of changes are coalesced); ``home_settle``: after ballot clicks, once the
    voter has stopped for this many seconds."""
    client = make_client(bot_token, api_url)
    topics = TopicService(db, clock)
    actions = ActionService(db, clock)
    agenda = AgendaService(db, clock)
    reportback = ReportbackService(db, clock)
    home = HomeService(db, clock, topics, actions)
    publisher = HomePublisher(
        client,
        lambda team_id, user_id: home_view(user_id, home.dashboards(team_id, user_id)),
        min_interval=home_interval,
        settle=home_settle,
    )
    deps = Deps(
        clock=clock,
        sets=SetService(db, clock, SetupSeal(signing_secret)),
        topics=topics,
        agenda=agenda,
        ballot=BallotService(db, clock, BallotSeal(signing_secret)),
        actions=actions,
        reportback=reportback,
        learning=LearningLogService(db, clock),
        calendar=CalendarService(db, clock),
        attendance=AttendanceService(db, clock),
        rota=RotaService(db, clock),
        handover=HandoverService(db, clock),
        review=ReviewService(db, clock),
        questions=QuestionService(db, clock),
        live=LiveService(db, clock),
        goals=GoalService(db, clock),
        report=ReportService(db, clock),
        programme=ProgrammeService(db, clock),
        exports=ExportService(db, clock),
        feeds=FeedService(db, clock, FeedSeal(signing_secret)),
        public_url=public_url,
        home=home,
        workspaces=WorkspaceService(db, clock),
        directory=SlackDirectory(client),
        publisher=publisher,
        outbound=Outbound(
            after_ack_client(bot_token, api_url),
            publisher=publisher,
            # The outbox's notes go through a client that never retries by itself.
            notes=NoteSender(
                OutboxService(db, clock),
                scheduler_client(bot_token, api_url),
                clock,
                worker_id(),
            ),
        ),
    )
    bolt = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=verify_token,
        # Slack needs an answer within 3 s: listeners ack first, slow work continues after.
        # Bolt calls listeners in the request thread; the listener pool runs them on a worker
        # and returns as soon as they ack (see ``bot.handlers.kit``).
        process_before_response=True,
    )

    @bolt.middleware
    def inject(context: BoltContext, next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()

    pool = ListenerPool()
    register_all(Kit(bolt, pool))
    ticker = _ticker(deps, db, scheduler_client(bot_token, api_url), pacer=pacer)
    return AlsBot(
        bolt=bolt,
        deps=deps,
        db=db,
        ticker=ticker,
        pool=pool,
        bot_token=bot_token,
        api_url=api_url,
        signing_secret=signing_secret,
    )
