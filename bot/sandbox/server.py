"""``als-bot sandbox``: the whole bot on one machine, driven from a web page.

One process, bound to 127.0.0.1 only:

* the fake Slack Web API (:class:`bot.fakeslack.server.FakeSlack`) on its own loopback port,
  seeded with a demo workspace (:mod:`bot.sandbox.seed`);
* the unchanged bot (:func:`bot.app.create_app`, ``SLACK_API_URL`` pointed at the fake), its
  real ``POST /slack/events`` reached by :class:`bot.fakeslack.driver.SlackDriver` with
  requests signed exactly as Slack signs them;
* a SQLite database file in the working directory;
* the web page: ``GET /`` with ``/static/app.js`` and ``/static/style.css``, and a small JSON
  API under ``/api/`` whose HTML fragments are rendered by :mod:`bot.sandbox.render`.

The sandbox clock (:class:`bot.sandbox.clock.RunningClock`): the page's time control sets it
(forward only) and runs one scheduler pass as of that moment (``app.ticker.tick(at)``); from
there it runs on at the pace of real time, with a pass each whole minute it passes and the
live pass (``app.ticker.live(at)``: live sessions whose stage's time is up move on) every 5
seconds, as ``serve``'s scheduler does (``als-bot sandbox``; tests drive it with an injected
wall clock). A jump of the time control catches live sessions up in its scheduler pass.

Every API call names the person acting (``user``); what it returns is only what that person
would see in Slack: the channels they are in, their own DM with the bot, their own ephemeral
messages, modals and Home tab.

Here: :class:`Sandbox`, which starts and stops all of it, runs the clock, and routes each
request. What a person sees is :mod:`bot.sandbox.pages`, what they do :mod:`bot.sandbox.actions`,
and the HTTP plumbing (the server, reading and answering requests) :mod:`bot.sandbox.wsgi`.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIServer

from bot.app import AlsBot, create_app
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.handlers.feeds import CALENDAR_PATH
from bot.sandbox import seed
from bot.sandbox.actions import Actions
from bot.sandbox.clock import RunningClock, plain_summary
from bot.sandbox.pages import STATIC, FieldErrors, Pages, page, static_file
from bot.sandbox.wsgi import (
    HOST,
    ApiError,
    JsonDict,
    instant,
    listen,
    read_json,
    required,
    send,
    send_json,
    serve_in_thread,
)
from bot.slack.pacing import Pacer
from bot.storage.crypto import Keyring, new_key
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.web import EVENTS_PATH

log = logging.getLogger("bot.sandbox")

DEFAULT_DB = "als-sandbox.db"


# ------------------------------------------------------------------------------ the sandbox
class Sandbox:
    """The fake Slack, the bot and the page, started together (see the module docstring).

    ``port=0`` picks a free port (tests). ``home_interval`` and ``home_settle`` are passed to
    the app (how often a Home tab may be republished per person; how long after a voter's last
    ballot click).
    """

    def __init__(
        self,
        *,
        db_path: Path,
        port: int = 8080,
        fresh: bool = False,
        start: datetime | None = None,
        home_interval: float = 1.0,
        home_settle: float = 3.0,
        wall: Callable[[], float] = time.monotonic,
        run_clock: bool = False,
    ) -> None:
        self.db_path = db_path
        self.port = port
        self.fresh = fresh
        now = start or datetime.now(UTC).replace(second=0, microsecond=0)
        self.clock = RunningClock(now, wall)
        self.run_clock = run_clock
        self.last_pass: str | None = None  # what the last scheduler pass did, in plain words
        self._stopping = threading.Event()
        self.home_interval = home_interval
        self.home_settle = home_settle
        self.signing_secret = secrets.token_hex(16)
        self.slack: FakeSlack = seed.new_fake_slack(
            bot_token=f"xoxb-sandbox-{secrets.token_hex(8)}"
        )
        self.app: AlsBot | None = None
        self.db: Database | None = None
        self.driver: SlackDriver | None = None
        self.continued = False
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._tick_lock = threading.Lock()
        errors = FieldErrors()
        #: What each person sees (``/api/state``), and what they do (the other ``/api/`` calls).
        self.pages = Pages(self.slack, self.clock, errors)
        self.actions = Actions(self.slack, self.pages, errors, self._driver)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Sandbox:
        # The page's port first: a port already taken fails before anything else is touched.
        self._server = listen(self.port, self.wsgi)
        self.port = int(self._server.server_port)
        if self.fresh and self.db_path.exists():
            self.db_path.unlink()
            key_file(self.db_path).unlink(missing_ok=True)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        self.continued = self.db_path.exists()
        self.db = Database(f"sqlite:///{self.db_path}", keyring=sandbox_keyring(self.db_path))
        upgrade(self.db.engine)
        seed.seed(self.slack)
        self.slack.start()
        self.app = create_app(
            db=self.db,
            bot_token=self.slack.bot_token,
            signing_secret=self.signing_secret,
            api_url=self.slack.api_url,
            clock=self.clock,
            home_interval=self.home_interval,
            home_settle=self.home_settle,
            # Slack's one-post-a-second-per-channel pace is kept in real seconds; the sandbox
            # clock jumps, and a reminder deferred by it would wait for the next Go.
            pacer=Pacer(channel_interval=0.0),
            # Calendar feeds are served here, as `serve` serves them at PUBLIC_URL.
            public_url=self.url.rstrip("/"),
        )
        self.driver = SlackDriver(
            f"{self.url}{EVENTS_PATH.lstrip('/')}", self.signing_secret, self.slack
        )
        self._thread = serve_in_thread(self._server, "sandbox-web")
        if self.run_clock:
            threading.Thread(target=self._clock_runs, name="sandbox-clock", daemon=True).start()
        return self

    def _clock_runs(self) -> None:
        while not self._stopping.wait(1.0):
            self.run_on()

    def run_on(self) -> str | None:
        """The clock catches up with real time; when it passed a whole minute, a scheduler pass
        runs as of then, else every ``LIVE_SECONDS`` the live pass (live sessions whose stage's
        time is up move on). What a pass did, in plain words; None when nothing ran, or a live
        pass moved nothing. A pass that fails is logged and said, never raised: the clock runs
        on and the next pass retries (as ``serve``'s scheduler does)."""
        with self._tick_lock:
            if self.app is None:
                return None
            due = self.clock.run_on()
            if due is None:
                return None
            try:
                if due.minute:
                    self.last_pass = plain_summary(
                        self.app.ticker.tick(due.at, budget_seconds=30.0)
                    )
                    return self.last_pass
                moved = self.app.ticker.live(due.at)
            except Exception as exc:  # one line, no user content
                log.exception("sandbox %s pass failed", "scheduler" if due.minute else "live")
                self.last_pass = (
                    f"The {'scheduler' if due.minute else 'live'} pass of "
                    f"{due.at:%H:%M:%S} UTC failed ({type(exc).__name__}); the next one retries."
                )
                return self.last_pass
            if not moved:
                return None
            self.last_pass = (
                "The live session moved on." if moved == 1 else f"{moved} live sessions moved on."
            )
            return self.last_pass

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._tick_lock:  # not in the middle of the clock's pass
            if self.app is not None:
                self.app.close()
                self.app = None
        self.slack.stop()
        if self.db is not None:
            self.db.dispose()
            self.db = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The page's address (ends in ``/``)."""
        return f"http://{HOST}:{self.port}/"

    def serve_forever(self) -> None:
        """Block until interrupted (the server runs on its own thread)."""
        stop = threading.Event()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()

    def _driver(self) -> SlackDriver:
        if self.driver is None:
            raise ApiError(503, "the sandbox is not started")
        return self.driver

    # ---------------------------------------------------------------- the time control
    def set_time(self, at: datetime) -> JsonDict:
        """Move the sandbox clock to ``at`` and run one scheduler pass as of then."""
        if self.app is None:
            raise ApiError(503, "the sandbox is not started")
        at = at.astimezone(UTC).replace(microsecond=0)
        with self._tick_lock:
            now = self.clock()
            if at < now.replace(second=0, microsecond=0):  # the page's times are minutes
                raise ApiError(
                    400,
                    "The sandbox clock only moves forward: what the bot has sent cannot be "
                    f"unsent (it is {now:%d %b %Y, %H:%M} UTC). To start over, run "
                    "als-bot sandbox --fresh.",
                )
            at = max(at, now.replace(microsecond=0))
            self.clock.set(at)
            self.last_pass = plain_summary(self.app.ticker.tick(at, budget_seconds=30.0))
        return {"ok": True, "now": at.isoformat(), "summary": self.last_pass}

    def _file(self, path: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """A file the bot shared (``/files/<id>/<name>``): an image as an image (a report's
        chart), anything else shown as text (a calendar entry, a CSV export reads as it is)."""
        file_id, _, name = path[len("/files/") :].partition("/")
        content = self.slack.file_content(file_id)
        if content is None:
            raise ApiError(404, "no such file")
        if name.endswith(".png") and content.startswith(b"\x89PNG"):
            return send(start_response, 200, content, "image/png")
        return send(start_response, 200, content, "text/plain; charset=utf-8")

    # ---------------------------------------------------------------- HTTP
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH or path.startswith(CALENDAR_PATH):
            if self.app is None:
                return send(start_response, 503, b"not started", "text/plain")
            return self.app.wsgi()(environ, start_response)
        try:
            if method in ("GET", "HEAD"):
                if path == "/":
                    return send(start_response, 200, page().encode(), "text/html; charset=utf-8")
                if path.startswith("/static/") and path[8:] in STATIC:
                    name = path[8:]
                    data = static_file(name)
                    return send(start_response, 200, data, f"{STATIC[name]}; charset=utf-8")
                if path.startswith("/files/"):
                    return self._file(path, start_response)
                if path == "/api/state":
                    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
                    user = query.get("user") or seed.PEOPLE[0].id
                    conv = query.get("conv") or seed.SET_CHANNEL.id
                    return send_json(start_response, 200, self.pages.state(user, conv))
                raise ApiError(404, "not found")
            if method != "POST" or not path.startswith("/api/"):
                raise ApiError(405, "method not allowed")
            body = read_json(environ)
            user = required(body, "user")
            result: JsonDict
            if path == "/api/command":
                result = self.actions.command(user, required(body, "conv"), required(body, "text"))
            elif path == "/api/action":
                result = self.actions.action(user, body)
            elif path == "/api/submit":
                values = body.get("values") or {}
                if not isinstance(values, Mapping):
                    raise ApiError(400, "values must be an object")
                result = self.actions.submit(user, required(body, "view_id"), values)
            elif path == "/api/close":
                result = self.actions.close(user, required(body, "view_id"))
            elif path == "/api/home":
                result = self.actions.home_opened(user)
            elif path == "/api/time":
                result = self.set_time(instant(body, self.pages.person(user).tz, self.clock()))
            else:
                raise ApiError(404, "not found")
            return send_json(start_response, 200, result)
        except ApiError as exc:
            return send_json(start_response, exc.status, {"ok": False, "error": str(exc)})
        except Exception as exc:  # one line, no user content
            log.exception("sandbox request failed: %s %s", method, path)
            return send_json(start_response, 500, {"ok": False, "error": type(exc).__name__})


# ------------------------------------------------------------------------------ the key
def key_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".key")


def sandbox_keyring(db_path: Path) -> Keyring:
    """The sandbox seals members' text like a real deployment, with a key of its own kept next
    to its database (made on the first run, readable by this user alone)."""
    path = key_file(db_path)
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(new_key() + "\n")
    return Keyring([path.read_text().strip()])
