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
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.app import AlsBot, create_app
from bot.fakeslack.blockkit import iter_elements
from bot.fakeslack.driver import Response, SlackDriver, element_state
from bot.fakeslack.server import FakeSlack
from bot.fakeslack.state import Ephemeral, Message
from bot.handlers.feeds import CALENDAR_PATH
from bot.ids import BOT_EVENTS
from bot.sandbox import seed
from bot.sandbox.clock import RunningClock, plain_summary
from bot.sandbox.typed import with_typed
from bot.slack.pacing import Pacer
from bot.storage.crypto import Keyring, new_key
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.web import EVENTS_PATH

log = logging.getLogger("bot.sandbox")

JsonDict = dict[str, Any]
HOST = "127.0.0.1"
HOME = "home"
DEFAULT_DB = "als-sandbox.db"
_TEXT_TYPES = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
_SINGLE_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "radio_buttons",
        "users_select",
        "conversations_select",
        "channels_select",
        "datepicker",
        "timepicker",
    }
)
_STATIC = {"app.js": "application/javascript", "style.css": "text/css"}


class ApiError(Exception):
    """A request the page should not have made; answered 400/403/404 with a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str
    kind: str  # "channel", "dm" or "home"


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
        self._errors_lock = threading.Lock()
        #: (user, view id) -> (view hash, field errors) of the last ``response_action: errors``
        self._errors: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
        #: (user, conversation) -> how many of its items that person has seen (unread counts)
        self._seen: dict[tuple[str, str], int] = {}

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Sandbox:
        # The page's port first: a port already taken fails before anything else is touched.
        self._server = make_server(
            HOST,
            self.port,
            self.wsgi,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
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
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-web", daemon=True
        )
        self._thread.start()
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

    # ---------------------------------------------------------------- people and places
    @staticmethod
    def person(user_id: str) -> seed.Person:
        for p in seed.PEOPLE:
            if p.id == user_id:
                return p
        raise ApiError(404, "no such person in the sandbox")

    def conversations(self, user_id: str) -> list[Conversation]:
        """Where ``user_id`` can look: their channels, their DM with the bot, the Home tab."""
        found: list[Conversation] = []
        for ch in seed.CHANNELS:
            channel = self.slack.channel(ch.id)
            if channel is not None and user_id in channel.members:
                found.append(Conversation(ch.id, ch.name, "channel"))
        found.append(Conversation(self.slack.im_channel_id(user_id), seed.BOT_NAME, "dm"))
        found.append(Conversation(HOME, "Home", "home"))
        return found

    def _visible(self, user_id: str, conv: str) -> Conversation:
        for c in self.conversations(user_id):
            if c.id == conv:
                return c
        raise ApiError(403, "that conversation is not visible to this person")

    def _ctx(self, user_id: str) -> Any:
        from bot.sandbox.render import RenderContext

        users = {seed.BOT_USER_ID: seed.BOT_NAME}
        users.update({p.id: p.real_name for p in seed.PEOPLE})
        channels = {c.id: c.name for c in seed.CHANNELS}
        return RenderContext(
            viewer_id=user_id, tz=self.person(user_id).tz, users=users, channels=channels
        )

    # ---------------------------------------------------------------- page data
    def state(self, user_id: str, conv: str) -> JsonDict:
        """What the page shows ``user_id`` looking at ``conv`` (a conversation id or ``home``)."""
        me = self.person(user_id)
        current = self._visible(user_id, conv)
        ctx = self._ctx(user_id)
        if current.kind == HOME:
            main = self._home_html(user_id, ctx)
        else:
            main = self._conversation_html(user_id, current, ctx)
            self._seen[(user_id, current.id)] = self._total(current, user_id)  # read now
        return {
            "now": self.clock().isoformat(),
            "now_text": _time_text(self.clock(), me.tz),
            "now_local": self.clock().astimezone(ZoneInfo(me.tz)).strftime("%Y-%m-%dT%H:%M"),
            "me": {"id": me.id, "name": me.real_name, "tz": me.tz},
            "people": [{"id": p.id, "name": p.real_name, "tz": p.tz} for p in seed.PEOPLE],
            "conversations": [
                {"id": c.id, "name": c.name, "kind": c.kind, "count": self._count(c, user_id)}
                for c in self.conversations(user_id)
            ],
            "conv": current.id,
            "kind": current.kind,
            "main": {"key": _key(main), "html": main},
            "modal": self._modal(user_id, ctx),
        }

    def _total(self, conv: Conversation, user_id: str) -> int:
        return len(self.slack.messages(conv.id)) + len(self.slack.ephemerals(conv.id, user_id))

    def _count(self, conv: Conversation, user_id: str) -> int:
        """Unread: what arrived in ``conv`` since ``user_id`` last looked at it."""
        if conv.kind == HOME:
            return 0
        return max(0, self._total(conv, user_id) - self._seen.get((user_id, conv.id), 0))

    def _home_html(self, user_id: str, ctx: Any) -> str:
        from bot.sandbox.render import view_html

        view = self.slack.home_view(user_id)
        if view is None:
            return '<div class="sb-empty">The app has not published a Home tab for you yet.</div>'
        return view_html(view, ctx)

    def _conversation_html(self, user_id: str, conv: Conversation, ctx: Any) -> str:
        from bot.sandbox.render import message_html

        messages = self.slack.messages(conv.id)
        ephemerals = self.slack.ephemerals(conv.id, user_id)
        replies: dict[str, list[Message | Ephemeral]] = {}
        top: list[Message | Ephemeral] = []
        for m in messages:
            if m.thread_ts and m.thread_ts != m.ts:
                replies.setdefault(m.thread_ts, []).append(m)
            else:
                top.append(m)
        parents = {m.ts for m in top}
        for e in ephemerals:  # an answer to a click in a thread shows in that thread, as in Slack
            if e.thread_ts and e.thread_ts in parents:
                replies.setdefault(e.thread_ts, []).append(e)
            else:
                top.append(e)
        top.sort(key=lambda item: float(item.ts))
        for in_thread in replies.values():
            in_thread.sort(key=lambda item: float(item.ts))

        def one(item: Message | Ephemeral, css: str = "") -> str:
            ephemeral = isinstance(item, Ephemeral)
            author = seed.BOT_NAME if ephemeral else ctx.users.get(item.user, item.user)
            flags = []
            if ephemeral:
                flags.append('<span class="sb-only-you">Only visible to you</span>')
            elif isinstance(item, Message) and item.edited:
                flags.append('<span class="sb-edited">(edited)</span>')
            files = item.files if isinstance(item, Message) else None
            body = message_html({"text": item.text, "blocks": item.blocks, "files": files}, ctx)
            return (
                f'<div class="sb-item{css}{" sb-ephemeral" if ephemeral else ""}"'
                f' data-channel="{_a(item.channel)}" data-ts="{_a(item.ts)}"'
                f' data-ephemeral="{"true" if ephemeral else "false"}">'
                f'<div class="sb-meta"><span class="sb-author">{html.escape(author)}</span>'
                f"{''.join(flags)}</div>{body}</div>"
            )

        parts: list[str] = []
        for item in top:
            parts.append(one(item))
            thread = replies.get(item.ts) if isinstance(item, Message) else None
            if thread:
                n = sum(isinstance(r, Message) for r in thread)  # an ephemeral is no reply
                parts.append(
                    '<div class="sb-thread"><div class="sb-thread-label">'
                    f"{n} repl{'y' if n == 1 else 'ies'}</div>"
                    + "".join(one(r, " sb-reply") for r in thread)
                    + "</div>"
                )
        if not parts:
            hint = (
                "Type <code>/als help</code> below."
                if conv.kind == "channel"
                else "Nothing from the bot yet."
            )
            return f'<div class="sb-empty">{hint}</div>'
        return "".join(parts)

    def _modal(self, user_id: str, ctx: Any) -> JsonDict | None:
        from bot.sandbox.render import view_html

        views = self.slack.open_views(user_id)
        if not views:
            return None
        top = views[-1]
        with self._errors_lock:
            stored = self._errors.get((user_id, top["id"]))
        errors = stored[1] if stored and stored[0] == top.get("hash") else None
        # As Slack does, what was typed stays on screen: beside field errors, and when the app
        # redraws the modal with the same inputs (views.update keeps their state).
        top = with_typed(top, (top.get("state") or {}).get("values") or {})
        markup = view_html(top, ctx, errors=errors)
        return {
            "key": _key(f"{top['id']}:{top.get('hash')}:{json.dumps(errors)}"),
            "view_id": top["id"],
            "html": markup,
            "stack": [_plain(v.get("title")) for v in views],
        }

    # ---------------------------------------------------------------- actions
    def _driver(self) -> SlackDriver:
        if self.driver is None:
            raise ApiError(503, "the sandbox is not started")
        return self.driver

    def command(self, user_id: str, conv: str, text: str) -> JsonDict:
        """What the composer sends: ``/als ...`` as a signed slash command, anything else as a
        plain message from that person."""
        self.person(user_id)
        where = self._visible(user_id, conv)
        if where.kind == HOME:
            raise ApiError(400, "the Home tab has no composer")
        text = text.strip()
        if not text:
            raise ApiError(400, "nothing to send")
        if text.startswith("/"):
            name, _, rest = text.partition(" ")
            if name != "/als":
                raise ApiError(400, f"only /als is installed in this workspace, not {name}")
            response = self._driver().command(user_id, rest.strip(), channel_id=where.id)
        elif self._message_event(where) in BOT_EVENTS:
            response = self._driver().user_message(user_id, where.id, text)
        else:  # shown, as Slack would, but not sent to the app: it does not subscribe to it
            self._driver().slack.post_user_message(where.id, user_id, text)
            return {"ok": True, "status": 200, "delivered": False}
        return _answer(response)

    def _message_event(self, where: Conversation) -> str:
        """The event a person's message here is delivered as, to apps subscribed to it."""
        if where.kind == "dm":
            return "message.im"
        channel = self._driver().slack.channel(where.id)
        return (
            "message.groups" if channel is not None and channel.is_private else "message.channels"
        )

    def action(self, user_id: str, body: Mapping[str, Any]) -> JsonDict:
        """A click (button) or a choice (select, overflow, date/time picker...) in a message,
        the Home tab or an open modal."""
        self.person(user_id)
        action_id = _str(body, "action_id")
        view_id = body.get("view_id") or None
        conv = body.get("conv") or None
        ts = body.get("ts") or None
        if view_id is not None:
            if self.slack.view_owner(str(view_id)) != user_id:
                raise ApiError(403, "that view belongs to someone else")
            conv = ts = None
            typed = body.get("values")
            if isinstance(typed, Mapping):  # as in Slack, the click carries what was typed
                self._keep_typed(str(view_id), typed)
        elif conv is not None:
            self._visible(user_id, str(conv))
        else:
            raise ApiError(400, "an action needs a conversation or a view")
        kwargs: dict[str, Any] = {}
        if "selected" in body:
            kwargs["selected"] = _blank_to_none(body["selected"])
        if body.get("value") is not None:
            kwargs["value"] = str(body["value"])
        try:
            response = self._driver().click(
                user_id,
                action_id,
                channel_id=conv,
                message_ts=ts,
                view_id=view_id,
                **kwargs,
            )
        except (LookupError, ValueError) as exc:
            raise ApiError(404, f"that element is gone ({type(exc).__name__})") from None
        return _answer(response)

    @staticmethod
    def _typed(
        view: Mapping[str, Any], values: Mapping[str, Any]
    ) -> dict[str, dict[str, tuple[JsonDict, Any]]]:
        """What the page's inputs hold, by block and action id: (element, value), for the
        view's input elements only."""
        known: dict[tuple[str, str], JsonDict] = {}
        for block, el in iter_elements(view.get("blocks") or []):
            if block.get("type") == "input":
                known[(str(block.get("block_id")), str(el.get("action_id")))] = el
        typed: dict[str, dict[str, tuple[JsonDict, Any]]] = {}
        for bid, per_block in values.items():
            if not isinstance(per_block, Mapping):
                continue
            for aid, value in per_block.items():
                element = known.get((str(bid), str(aid)))
                if element is not None:
                    typed.setdefault(str(bid), {})[str(aid)] = (
                        element,
                        _convert(str(element.get("type")), value),
                    )
        return typed

    def _keep_typed(self, view_id: str, values: Mapping[str, Any]) -> None:
        view = self.slack.view(view_id) or {}
        for bid, per_block in self._typed(view, values).items():
            for aid, (el, value) in per_block.items():
                try:
                    state = element_state(el, value)
                except ValueError:
                    continue  # a choice the element does not offer: Slack would not send it
                self.slack.remember_view_state(view_id, bid, aid, state)

    def submit(self, user_id: str, view_id: str, values: Mapping[str, Any]) -> JsonDict:
        """Submit the modal ``view_id`` with what the page's inputs hold."""
        view = self._open_view(user_id, view_id)
        overrides = {
            bid: {aid: value for aid, (_, value) in per_block.items()}
            for bid, per_block in self._typed(view, values).items()
        }
        try:
            response = self._driver().submit_view(user_id, view_id, overrides)
        except (LookupError, ValueError) as exc:
            raise ApiError(400, f"that modal cannot be submitted ({type(exc).__name__})") from None
        answer = _answer(response)
        errors: dict[str, str] = {}
        if response.status == 200:
            try:
                body = response.json()
            except ValueError:
                body = {}
            if isinstance(body, dict) and body.get("response_action") == "errors":
                errors = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
        after = self.slack.view(view_id) or {}
        with self._errors_lock:
            if errors:
                self._errors[(user_id, view_id)] = (str(after.get("hash")), errors)
            else:
                self._errors.pop((user_id, view_id), None)
        answer["errors"] = errors
        answer["problems"] = list(response.view_errors)
        return answer

    def close(self, user_id: str, view_id: str) -> JsonDict:
        """Cancel (close) the modal ``view_id``; ``view_closed`` is sent if it asked for it."""
        self._open_view(user_id, view_id)
        response = self._driver().close_view(user_id, view_id)
        with self._errors_lock:
            self._errors.pop((user_id, view_id), None)
        return _answer(response) if response is not None else {"ok": True}

    def home_opened(self, user_id: str) -> JsonDict:
        """The person opened the app's Home tab: Slack sends ``app_home_opened``."""
        self.person(user_id)
        return _answer(self._driver().app_home_opened(user_id))

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

    def _open_view(self, user_id: str, view_id: str) -> JsonDict:
        self.person(user_id)
        for view in self.slack.open_views(user_id):
            if view["id"] == view_id:
                return view
        raise ApiError(404, "that modal is no longer open")

    def _file(self, path: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """A file the bot shared (``/files/<id>/<name>``): an image as an image (a report's
        chart), anything else shown as text (a calendar entry, a CSV export reads as it is)."""
        file_id, _, name = path[len("/files/") :].partition("/")
        content = self.slack.file_content(file_id)
        if content is None:
            raise ApiError(404, "no such file")
        if name.endswith(".png") and content.startswith(b"\x89PNG"):
            return _send(start_response, 200, content, "image/png")
        return _send(start_response, 200, content, "text/plain; charset=utf-8")

    # ---------------------------------------------------------------- HTTP
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH or path.startswith(CALENDAR_PATH):
            if self.app is None:
                return _send(start_response, 503, b"not started", "text/plain")
            return self.app.wsgi()(environ, start_response)
        try:
            if method in ("GET", "HEAD"):
                if path == "/":
                    return _send(start_response, 200, page().encode(), "text/html; charset=utf-8")
                if path.startswith("/static/") and path[8:] in _STATIC:
                    name = path[8:]
                    data = resources.files("bot.sandbox").joinpath("static", name).read_bytes()
                    return _send(start_response, 200, data, f"{_STATIC[name]}; charset=utf-8")
                if path.startswith("/files/"):
                    return self._file(path, start_response)
                if path == "/api/state":
                    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
                    user = query.get("user") or seed.PEOPLE[0].id
                    conv = query.get("conv") or seed.SET_CHANNEL.id
                    return _json(start_response, 200, self.state(user, conv))
                raise ApiError(404, "not found")
            if method != "POST" or not path.startswith("/api/"):
                raise ApiError(405, "method not allowed")
            body = _read_json(environ)
            user = _str(body, "user")
            result: JsonDict
            if path == "/api/command":
                result = self.command(user, _str(body, "conv"), _str(body, "text"))
            elif path == "/api/action":
                result = self.action(user, body)
            elif path == "/api/submit":
                values = body.get("values") or {}
                if not isinstance(values, Mapping):
                    raise ApiError(400, "values must be an object")
                result = self.submit(user, _str(body, "view_id"), values)
            elif path == "/api/close":
                result = self.close(user, _str(body, "view_id"))
            elif path == "/api/home":
                result = self.home_opened(user)
            elif path == "/api/time":
                result = self.set_time(_instant(body, self.person(user).tz, self.clock()))
            else:
                raise ApiError(404, "not found")
            return _json(start_response, 200, result)
        except ApiError as exc:
            return _json(start_response, exc.status, {"ok": False, "error": str(exc)})
        except Exception as exc:  # one line, no user content
            log.exception("sandbox request failed: %s %s", method, path)
            return _json(start_response, 500, {"ok": False, "error": type(exc).__name__})


# ------------------------------------------------------------------------------ helpers
class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


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


def _send(
    start_response: Callable[..., Any], status: int, data: bytes, content_type: str
) -> list[bytes]:
    reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
    start_response(
        f"{status} {reasons.get(status, 'Error')}",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
    return [data]


def _json(start_response: Callable[..., Any], status: int, body: Mapping[str, Any]) -> list[bytes]:
    return _send(start_response, status, json.dumps(body).encode(), "application/json")


def _read_json(environ: Mapping[str, Any]) -> JsonDict:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ApiError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name} is required")
    return value


def _instant(body: Mapping[str, Any], tz: str, now: datetime) -> datetime:
    """``{"at": "2026-12-01T09:00", "tz": "Europe/London"}`` (a wall-clock time in that zone,
    default the person's) or ``{"advance_minutes": 60}``."""
    if body.get("advance_minutes") is not None:
        try:
            return now + timedelta(minutes=float(body["advance_minutes"]))
        except (TypeError, ValueError):
            raise ApiError(400, "advance_minutes must be a number") from None
    raw = _str(body, "at")
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "at must be a date and time like 2026-12-01T09:00") from None
    if when.tzinfo is None:
        try:
            when = when.replace(tzinfo=ZoneInfo(str(body.get("tz") or tz)))
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError(400, "unknown time zone") from None
    return when


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _convert(kind: str, value: Any) -> Any:
    """A value read from the page's input -> what :func:`element_state` expects."""
    if kind in _TEXT_TYPES or kind in _SINGLE_TYPES:
        if isinstance(value, list):
            value = value[0] if value else None
        return None if value in ("", None) else str(value)
    if isinstance(value, list):
        return [str(v) for v in value if v not in ("", None)]
    if value in ("", None):
        return []
    return [str(value)]


def _answer(response: Response) -> JsonDict:
    return {"ok": 200 <= response.status < 300, "status": response.status}


def _key(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _a(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _plain(text: Any) -> str:
    if isinstance(text, Mapping):
        return str(text.get("text") or "")
    return str(text or "")


def _time_text(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %Y, %H:%M} ({tz}) · {at.astimezone(UTC):%H:%M} UTC"


def page() -> str:
    """The page shell; ``app.js`` fills it from ``/api/state``."""
    return """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>als-bot sandbox</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="sb-top">
  <span class="sb-brand">als-bot sandbox</span>
  <label class="sb-you">You are <select id="sb-person" aria-label="You are"></select></label>
  <form id="sb-time" class="sb-time">
    <span class="sb-clock" id="sb-now" title="The sandbox time">…</span>
    <input type="datetime-local" id="sb-at" aria-label="Sandbox time" required>
    <button type="submit" id="sb-go">Go</button>
    <button type="button" class="sb-step" data-minutes="60">+1 h</button>
    <button type="button" class="sb-step" data-minutes="1440">+1 day</button>
  </form>
</header>
<div class="sb-layout">
  <nav class="sb-sidebar" id="sb-sidebar" aria-label="Conversations"></nav>
  <main class="sb-main">
    <h1 class="sb-title" id="sb-title"></h1>
    <div class="sb-feed" id="sb-feed" aria-live="polite"></div>
    <form id="sb-composer" class="sb-composer">
      <input type="text" id="sb-text" autocomplete="off"
             placeholder="/als help, /als setup, /als topic … or a message">
      <button type="submit">Send</button>
    </form>
    <div class="sb-status" id="sb-status" role="status"></div>
  </main>
</div>
<div class="sb-overlay" id="sb-overlay" hidden></div>
</body>
</html>
"""
