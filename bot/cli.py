"""``als-bot``: serve | socket | migrate | tick | scheduler | sandbox | keygen | rotate-keys."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__, cli_keys
from bot.cli_common import UsageError, open_database
from bot.clock import Clock
from bot.config import ConfigError, Settings

if TYPE_CHECKING:  # imported where used: `als-bot --help` stays fast
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.app import AlsBot

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="als-bot",
        description="Runs Action Learning Sets in Slack. Settings come from the environment and .env.",
    )
    parser.add_argument("--version", action="version", version=f"als-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def scheduler_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--no-scheduler", action="store_true", help="do not run the scheduler in this process"
        )
        p.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations at start"
        )

    serve = sub.add_parser("serve", help="serve Slack over HTTP on POST /slack/events (production)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    scheduler_flags(serve)

    socket = sub.add_parser("socket", help="connect to Slack over Socket Mode (development)")
    scheduler_flags(socket)

    sub.add_parser("migrate", help="apply database migrations to DATABASE_URL")

    tick = sub.add_parser("tick", help="run one scheduler pass and print what it did")
    tick.add_argument(
        "--at", help="ISO-8601 instant to run as of (default now; no offset means UTC)"
    )
    tick.add_argument(
        "--budget",
        type=float,
        default=50.0,
        help="seconds of sending at most; what is left waits for the next pass (default 50)",
    )

    sched = sub.add_parser(
        "scheduler",
        help="run only the scheduler (one pass a minute), next to `serve --no-scheduler`",
    )
    sched.add_argument(
        "--no-migrate", action="store_true", help="do not apply pending migrations at start"
    )
    sched.add_argument(
        "--metrics-port",
        type=int,
        help="serve GET /metrics on this port (the process serves nothing else)",
    )
    sched.add_argument(
        "--metrics-host", default="127.0.0.1", help="address of --metrics-port (default 127.0.0.1)"
    )

    sandbox = sub.add_parser(
        "sandbox",
        help="try the bot in a browser, without Slack: a fake workspace on 127.0.0.1",
        description=(
            "Starts, in one process bound to 127.0.0.1 only, a fake Slack with a demo workspace "
            "(7 people in different time zones, a private channel for a set), the bot answering "
            "it, and a web page to act as any of those people. Data goes to ./als-sandbox.db; "
            "nothing leaves the machine and no Slack tokens are needed."
        ),
    )
    sandbox.add_argument(
        "--port", type=int, default=8080, help="port of the page on 127.0.0.1 (default 8080)"
    )
    sandbox.add_argument(
        "--fresh", action="store_true", help="delete ./als-sandbox.db first and start over"
    )
    cli_keys.add_parsers(sub)
    return parser


def parse_instant(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--at {value!r} is not an ISO-8601 date-time, e.g. 2026-03-29T09:00:00+01:00"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _bot(
    settings: Settings,
    *,
    migrate: bool,
    signing_secret: str,
    clock: Clock | None = None,
    verify_token: bool = True,
    public_url: str | None = None,
) -> AlsBot:
    from slack_bolt.error import BoltError

    from bot.app import Distribution, create_app
    from bot.clock import system_clock
    from bot.handlers.install import REDIRECT_PATH

    settings.require_mode()
    grace = timedelta(days=settings.grace_days)
    senders = settings.scheduler_senders
    api_url = settings.api_url
    distribution: Distribution | None = None
    token = ""
    if settings.distributed:  # each workspace's token comes from its install
        distribution = Distribution(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            redirect_uri=f"{settings.public_url}{REDIRECT_PATH}",
        )
        public_url = public_url or settings.public_url
    else:
        token = settings.bot_token
        if verify_token:
            _reach_slack(token, api_url)
    db = open_database(settings, migrate=migrate)
    try:
        return create_app(
            db=db,
            bot_token=token,
            signing_secret=signing_secret,
            api_url=api_url,
            clock=clock or system_clock,
            verify_token=verify_token,
            public_url=public_url,
            distribution=distribution,
            grace=grace,
            metrics_token=settings.metrics_token,
            senders=senders,
        )
    except BoltError as exc:
        raise UsageError(
            f"SLACK_BOT_TOKEN was not accepted by Slack at {api_url} ({exc}): check the token in .env"
        ) from None


def _reach_slack(token: str, api_url: str) -> None:
    """Slack answers, and accepts the bot token (``auth.test``), or one line says what to fix."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger("bot.cli.reach")  # slack_sdk's own ERROR line would repeat ours
    quiet.disabled = True
    try:
        WebClient(token=token, base_url=api_url, timeout=10, logger=quiet).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        raise UsageError(
            f"SLACK_BOT_TOKEN was not accepted by Slack at {api_url} ({error or 'refused'}): "
            "check the token in .env"
        ) from None
    except Exception as exc:  # no answer: DNS, refused connection, proxy, TLS, timeout
        raise UsageError(
            f"Slack cannot be reached at {api_url} ({type(exc).__name__}): check this machine's "
            "network, proxy and SLACK_API_URL"
        ) from None


def _start_scheduler(app: AlsBot, enabled: bool) -> BackgroundScheduler | None:
    if not enabled:
        return None
    from bot.scheduler.runner import start_scheduler

    def tick() -> None:
        with app.metrics.timed_pass("tick"):
            app.ticker.tick(app.deps.clock())

    def live() -> None:
        with app.metrics.timed_pass("live"):
            app.ticker.live(app.deps.clock())

    return start_scheduler(tick, live=live)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot import lifecycle

    settings.require_mode()  # named first: the token is what a new install misses first
    signing_secret = settings.signing_secret
    app = _bot(
        settings,
        migrate=not args.no_migrate,
        signing_secret=signing_secret,
        public_url=settings.public_url,
    )
    scheduler = _start_scheduler(app, not args.no_scheduler)
    lifecycle.serve(app, scheduler, host=args.host, port=args.port, threads=args.threads)
    return 0


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.distributed:
        raise UsageError(
            "Socket Mode serves one workspace: unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "and set SLACK_BOT_TOKEN, or run `als-bot serve` for a distributed app"
        )
    _ = settings.bot_token
    app_token = settings.app_token
    # Socket Mode requests are not signed; Bolt still wants a secret string.
    app = _bot(
        settings,
        migrate=not args.no_migrate,
        signing_secret=settings.values.get("SLACK_SIGNING_SECRET") or "unused-in-socket-mode",
    )
    scheduler = _start_scheduler(app, not args.no_scheduler)
    try:
        SocketModeHandler(app.bolt, app_token).start()
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.migrate import pending, upgrade

    db = open_database(settings, migrate=False, sealed=False)
    todo = pending(db.engine)
    upgrade(db.engine)
    print(f"migrations applied: {len(todo)} ({', '.join(reversed(todo)) or 'already up to date'})")
    return 0


def cmd_tick(args: argparse.Namespace, settings: Settings) -> int:
    """One pass as of ``--at`` (default now), through the same app as ``serve`` (so an
    auto-opened vote is posted exactly as the facilitator's would be)."""
    from bot.storage.migrate import pending

    at = parse_instant(args.at)
    settings.require_mode()  # named first: the token is what a new install misses first
    db = open_database(settings, migrate=False, sealed=False)
    if pending(db.engine):
        raise UsageError("the database schema is not up to date: run `als-bot migrate` first")
    db.dispose()
    app = _bot(
        settings,
        migrate=False,
        signing_secret="unused-by-tick",
        clock=lambda: at,
        verify_token=False,
    )
    from bot.lifecycle import on_sigterm

    on_sigterm(app.ticker.stop)  # the send in flight is recorded, the leases given back
    try:
        summary = app.ticker.tick(at, budget_seconds=args.budget)
    finally:
        app.close()
    print(summary.line())
    return 0


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    """The tick alone, every minute: for deployments whose web processes run
    ``serve --no-scheduler`` (any number of these may run; claims keep them apart)."""
    import threading

    from bot.lifecycle import on_sigterm, stop_scheduling

    app = _bot(
        settings,
        migrate=not args.no_migrate,
        signing_secret="unused-by-scheduler",
        verify_token=True,
    )
    scheduler = _start_scheduler(app, True)
    page = None
    if args.metrics_port is not None:
        from bot.metrics import MetricsPage, serve_metrics

        page = serve_metrics(
            MetricsPage(app.metrics, settings.metrics_token), args.metrics_host, args.metrics_port
        )
        log.info("metrics on http://%s:%s/metrics", args.metrics_host, page.port)
    log.info("scheduler running: one pass a minute")
    stop = threading.Event()
    on_sigterm(stop.set)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_scheduling(app, scheduler)
        if page is not None:
            page.close()
        app.close()
    return 0


def cmd_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """The bot, a fake Slack and the page, on loopback; Ctrl-C stops it."""
    from bot.sandbox.server import DEFAULT_DB, Sandbox

    sandbox = Sandbox(
        db_path=Path.cwd() / DEFAULT_DB, port=args.port, fresh=args.fresh, run_clock=True
    )
    try:
        sandbox.start()
    except OSError as exc:
        raise UsageError(
            f"the sandbox could not listen on 127.0.0.1:{args.port} ({exc.strerror or exc}): "
            "try another --port"
        ) from None
    try:
        state = "continuing with" if sandbox.continued else "new database"
        print(f"als-bot sandbox: {state} ./{DEFAULT_DB} (--fresh starts over)", flush=True)
        print(f"als-bot sandbox: open {sandbox.url}  (Ctrl-C stops it)", flush=True)
        sandbox.serve_forever()
    finally:
        sandbox.stop()
    return 0


#: The settings of the keys that seal members' text (``bot.cli_keys``).
SEALING = ("ALS_ENCRYPTION_KEYS", "ALS_ENCRYPTION")
#: The settings each command needs: checked together before it starts (all problems named).
NEEDS = {
    "serve": (
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "DATABASE_URL",
        "PUBLIC_URL",
        "ALS_UNINSTALL_GRACE_DAYS",
        "ALS_METRICS_TOKEN",
        *SEALING,
    ),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL", *SEALING),
    "migrate": ("DATABASE_URL",),
    "tick": ("SLACK_API_URL", "DATABASE_URL", "ALS_UNINSTALL_GRACE_DAYS", *SEALING),
    "scheduler": (
        "SLACK_API_URL",
        "DATABASE_URL",
        "ALS_UNINSTALL_GRACE_DAYS",
        "ALS_METRICS_TOKEN",
        *SEALING,
    ),
    "sandbox": (),
    **cli_keys.NEEDS,
}
#: The commands that speak to Slack for workspaces: they need one mode's settings (the bot
#: token, or the distributed app's), named with the others in one line.
MODAL = ("serve", "tick", "scheduler")

COMMANDS = {
    "serve": cmd_serve,
    "socket": cmd_socket,
    "migrate": cmd_migrate,
    "tick": cmd_tick,
    "scheduler": cmd_scheduler,
    "sandbox": cmd_sandbox,
    **cli_keys.COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load(Path.cwd())
        mode = settings.mode_settings() if args.command in MODAL else ()
        settings.check("LOG_LEVEL", "ALS_LOG_FORMAT", *mode, *NEEDS[args.command])
        from bot.logs import setup_logging

        setup_logging(settings.log_level, settings.log_format)
        return COMMANDS[args.command](args, settings)
    except (ConfigError, UsageError) as exc:
        print(f"als-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
