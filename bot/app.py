"""Composition root: database, clock, Slack clients, services, the outbound layer and the Bolt
app. No module globals."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from slack_bolt import App, BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.blocks.home import home_view
from bot.clock import Clock, system_clock
from bot.deps import Deps
from bot.handlers import register_all
from bot.handlers.feeds import CALENDAR_PATH, FeedPage
from bot.handlers.guard import ListenerPool
from bot.handlers.install import (
    BOT_SCOPES,
    INSTALL_PATH,
    NOT_INSTALLED,
    REDIRECT_PATH,
    InstallCallbacks,
    InstallFlow,
    InstallPages,
)
from bot.handlers.kit import Kit
from bot.metrics import Metrics
from bot.scheduler.sender import worker_id
from bot.scheduler.tick import UNINSTALL_GRACE, Ticker
from bot.services.access import BallotSeal, SetupSeal
from bot.services.actions import ActionService
from bot.services.agenda import AgendaService
from bot.services.attendance import AttendanceService
from bot.services.ballot import BallotService
from bot.services.calendar import CalendarService
from bot.services.exports import ExportService
from bot.services.feeds import FeedSeal, FeedService
from bot.services.forget import ForgetService
from bot.services.goals import GoalService
from bot.services.handover import HandoverService
from bot.services.home import HomeService
from bot.services.learning import LearningLogService
from bot.services.live import LiveService
from bot.services.outbox import OutboxService
from bot.services.programme import ProgrammeService
from bot.services.questions import QuestionService
from bot.services.reminders import ReminderService
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
from bot.slack.links import Permalinks
from bot.slack.notes import NoteSender
from bot.slack.outbound import Outbound
from bot.slack.pacing import SENDERS, Pacer
from bot.slack.tokens import Clients, FixedToken, InstalledTokens, NoToken, TokenSource
from bot.storage.db import Database
from bot.storage.installations import InstallationRecords, state_store
from bot.web import WsgiApp, front_door


@dataclass
class AlsBot:
    """Everything one process needs to answer Slack, and to run scheduler passes."""

    bolt: App
    deps: Deps
    db: Database
    ticker: Ticker
    pool: ListenerPool
    tokens: TokenSource
    api_url: str
    signing_secret: str
    metrics: Metrics
    #: The distributed app's install pages (None: single-workspace mode).
    install_pages: InstallPages | None = None
    #: ``GET /metrics`` asks for ``Authorization: Bearer <token>`` (None: it does not).
    metrics_token: str | None = None

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        """The WSGI app ``als-bot serve`` runs (``bot.web``: requests are verified first)."""
        pages: dict[str, WsgiApp] = {CALENDAR_PATH: FeedPage(self.deps)}
        if self.install_pages is not None:
            pages[INSTALL_PATH] = pages[REDIRECT_PATH] = self.install_pages
        return front_door(
            self.bolt,
            self.db,
            self.signing_secret,
            pages,
            metrics=self.metrics,
            metrics_token=self.metrics_token,
        )

    def scheduler(
        self,
        client: WebClient | None = None,
        *,
        pacer: Pacer | None = None,
        worker: str | None = None,
        senders: int | None = None,
    ) -> Ticker:
        """Another scheduler process's passes, on this app's database and Home tabs, with its
        own non-retrying client (default: a new one), and as many senders as this app's own
        (default)."""
        clients = client or Clients(self.tokens, lambda t: scheduler_client(t, self.api_url))
        return _ticker(
            self.deps,
            self.db,
            clients,
            pacer=pacer,
            worker=worker,
            grace=self.ticker.grace,
            metrics=self.metrics,
            senders=senders or self.ticker.senders,
        )

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
    client: WebClient | Clients,
    *,
    pacer: Pacer | None = None,
    worker: str | None = None,
    grace: timedelta = UNINSTALL_GRACE,
    metrics: Metrics | None = None,
    senders: int = SENDERS,
) -> Ticker:
    outbound = Outbound(client, publisher=deps.publisher)
    return Ticker(
        db,
        deps.clock,
        client,
        pacer=pacer,
        worker=worker,
        outbound=outbound,
        grace=grace,
        metrics=metrics,
        senders=senders,
    )


@dataclass(frozen=True)
class Distribution:
    """The distributed app's settings: any workspace installs it with Slack's OAuth flow.
    ``wall``: the epoch clock token expiries are read against (tests move it)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    #: Slack's authorize page (the fake's in tests).
    authorize_url: str | None = None
    wall: Callable[[], float] = time.time


def _tokens(
    records: InstallationRecords | None, api_url: str, bot_token: str, dist: Distribution | None
) -> TokenSource:
    if dist is None or records is None:
        return FixedToken(bot_token)
    return InstalledTokens(
        records,
        client_id=dist.client_id,
        client_secret=dist.client_secret,
        api_url=api_url,
        owner=worker_id(),
        wall=dist.wall,
    )


def _install_pages(
    db: Database,
    records: InstallationRecords,
    api_url: str,
    dist: Distribution,
    on_installed: Callable[[str], object],
) -> InstallPages:
    settings = OAuthSettings(
        client_id=dist.client_id,
        client_secret=dist.client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=dist.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=dist.authorize_url,
        installation_store=records,
        installation_store_bot_only=True,
        state_store=state_store(db),
        callback_options=InstallCallbacks(on_installed),
    )
    flow = InstallFlow(client=WebClient(base_url=api_url, timeout=10), settings=settings)
    return InstallPages(flow)


def _bolt(
    tokens: TokenSource, api_url: str, bot_token: str, signing_secret: str, verify: bool
) -> App:
    """Bolt, which answers Slack within 3 s: listeners ack first, slow work continues after.
    Bolt calls listeners in the request thread; the listener pool runs them on a worker and
    returns as soon as they ack (see ``bot.handlers.kit``)."""
    if isinstance(tokens, FixedToken):
        return App(
            client=make_client(bot_token, api_url),
            signing_secret=signing_secret,
            token_verification_enabled=verify,
            process_before_response=True,
        )

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        """Each request with its workspace's token (None: not installed, so Bolt answers
        the person with ``NOT_INSTALLED``)."""
        try:
            facts = tokens.facts(team_id or "")
        except NoToken:
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=facts.token,
            bot_user_id=facts.bot_user_id,
            bot_id=facts.bot_id,
        )

    return App(
        client=WebClient(base_url=api_url, timeout=10),
        signing_secret=signing_secret,
        # Bolt's type says AuthorizeResult; its middleware handles None (not installed).
        authorize=cast(Callable[..., AuthorizeResult], authorize),
        process_before_response=True,
        user_facing_authorize_error_message=NOT_INSTALLED,
    )


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
    distribution: Distribution | None = None,
    grace: timedelta = UNINSTALL_GRACE,
    metrics_token: str | None = None,
    senders: int = SENDERS,
) -> AlsBot:
    """``home_interval``: a member's Home tab is republished at most once per this many
    seconds (bursts of changes are coalesced); ``home_settle``: after ballot clicks, once the
    voter has stopped for this many seconds. ``distribution``: serve any workspace that
    installs the app (its tokens from the database), rather than ``bot_token``'s alone.
    ``grace``: how long an uninstalled workspace's data is kept. ``senders``: threads a
    scheduler pass sends reminders with (``ALS_SCHEDULER_SENDERS``)."""
    # One installation store, for the tokens and the install pages alike.
    records = None if distribution is None else InstallationRecords(distribution.client_id, db)
    tokens = _tokens(records, api_url, bot_token, distribution)
    client = Clients(tokens, lambda t: make_client(t, api_url))
    sched_clients = Clients(tokens, lambda t: scheduler_client(t, api_url))
    topics = TopicService(db, clock)
    actions = ActionService(db, clock)
    agenda = AgendaService(db, clock)
    reportback = ReportbackService(db, clock)
    home = HomeService(db, clock, topics, actions)
    links = Permalinks(client)  # a running session's message, linked from Home
    publisher = HomePublisher(
        client,
        lambda team_id, user_id: home_view(
            user_id, links.home(team_id, home.dashboards(team_id, user_id))
        ),
        min_interval=home_interval,
        settle=home_settle,
    )
    reminders = ReminderService(db, clock)
    metrics = Metrics(
        backlog=lambda: reminders.due_count(clock()),
        workspaces=lambda: deps.workspaces.installed_count(),
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
        forget=ForgetService(db, clock, on_forgotten=metrics.count_forgotten),
        feeds=FeedService(db, clock, FeedSeal(signing_secret)),
        public_url=public_url,
        home=home,
        workspaces=WorkspaceService(db, clock),
        directory=SlackDirectory(client),
        publisher=publisher,
        outbound=Outbound(
            Clients(tokens, lambda t: after_ack_client(t, api_url)),
            publisher=publisher,
            # The outbox's notes go through a client that never retries by itself.
            notes=NoteSender(OutboxService(db, clock), sched_clients, clock, worker_id()),
        ),
        tokens=tokens,
    )
    bolt = _bolt(tokens, api_url, bot_token, signing_secret, verify_token)

    def inject(context: BoltContext, next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()

    pool = ListenerPool()
    kit = Kit(bolt, pool)
    kit.middleware(inject)
    register_all(kit)
    ticker = _ticker(
        deps, db, sched_clients, pacer=pacer, grace=grace, metrics=metrics, senders=senders
    )
    return AlsBot(
        bolt=bolt,
        deps=deps,
        db=db,
        ticker=ticker,
        pool=pool,
        tokens=tokens,
        api_url=api_url,
        signing_secret=signing_secret,
        metrics=metrics,
        metrics_token=metrics_token,
        install_pages=None
        if distribution is None or records is None
        else _install_pages(db, records, api_url, distribution, deps.workspaces.installed),
    )
