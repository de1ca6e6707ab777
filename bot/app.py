"""Composition root: database, clock, Slack client and the Bolt app. No module globals."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.blocks.home import home_view
from bot.clock import Clock, system_clock
from bot.handlers import register_all
from bot.handlers.agenda import auto_open_vote
from bot.handlers.deps import Deps
from bot.scheduler.sender import Pacer
from bot.scheduler.tick import Ticker, scheduler_client
from bot.services.actions import ActionService
from bot.services.agenda import AgendaService
from bot.services.calendar import CalendarService
from bot.services.home import HomeService
from bot.services.learning import LearningLogService
from bot.services.sets import SetService
from bot.services.topics import TopicService
from bot.services.workspaces import WorkspaceService
from bot.slack.directory import SlackDirectory
from bot.slack.home import HomePublisher
from bot.storage.db import Database

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def make_client(token: str, api_url: str) -> WebClient:
    return WebClient(token=token, base_url=api_url, timeout=10)


@dataclass
class AlsBot:
    """Everything one process needs to answer Slack."""

    bolt: App
    deps: Deps
    db: Database
    ticker: Ticker

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        return make_wsgi(self.bolt, self.db)

    def close(self) -> None:
        """Stop background work (the Home tab publisher)."""
        self.deps.publisher.stop()


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
) -> AlsBot:
    """``home_interval``: a member's Home tab is republished at most once per this many
    seconds (bursts of changes are coalesced); ``home_settle``: after ballot clicks, once the
    voter has stopped for this many seconds."""
    client = make_client(bot_token, api_url)
    topics = TopicService(db, clock)
    actions = ActionService(db, clock)
    home = HomeService(db, clock, topics, actions)
    publisher = HomePublisher(
        client,
        lambda team_id, user_id: home_view(user_id, home.dashboards(team_id, user_id)),
        min_interval=home_interval,
        settle=home_settle,
    )
    deps = Deps(
        clock=clock,
        sets=SetService(db, clock),
        topics=topics,
        agenda=AgendaService(db, clock),
        workspaces=WorkspaceService(db, clock),
        directory=SlackDirectory(client),
        actions=actions,
        learning=LearningLogService(db, clock),
        home=home,
        publisher=publisher,
        calendar=CalendarService(db, clock),
    )
    bolt = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=verify_token,
        # Slack needs an answer within 3 s: listeners ack first, slow work continues after.
        # Bolt calls listeners in the request thread; ``guarded`` (every listener is wrapped
        # in it) runs them on a worker and returns as soon as they ack.
        process_before_response=True,
    )

    @bolt.middleware
    def inject(context: BoltContext, next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()

    register_all(bolt)
    ticker = Ticker(
        db,
        clock,
        scheduler_client(bot_token, api_url),
        pacer=pacer,
        open_vote=lambda team_id, set_id: auto_open_vote(client, deps, team_id, set_id),
    )
    return AlsBot(bolt=bolt, deps=deps, db=db, ticker=ticker)


def make_wsgi(bolt: App, db: Database) -> Callable[..., Iterable[bytes]]:
    """The WSGI app served in production: ``POST /slack/events`` and ``GET /healthz``."""
    slack = SlackRequestHandler(bolt, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            healthy = db.ping()
            body = json.dumps(
                {"status": "ok" if healthy else "unavailable", "database": healthy}
            ).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application
