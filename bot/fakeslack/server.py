"""A fake of Slack's Web API (and response URLs) served over loopback HTTP.

Typical use::

    with FakeSlack() as slack:
        slack.add_user("U0ALICE001", "alice")
        slack.add_channel("C0SET00001", "set-1", members=["U0ALICE001"])
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="C0SET00001", text="hi")
        assert slack.messages("C0SET00001")[0].text == "hi"

Every method answers HTTP 200 with ``{"ok": true, ...}`` or
``{"ok": false, "error": "<slack error name>"}`` like Slack does.  All state
is guarded by one re-entrant lock, so the fake can be used from the test
thread while the app under test calls it from its own threads.

Failures can be injected to test how an app copes with Slack misbehaving
(none of them is active unless asked for):

* :meth:`FakeSlack.inject_error` -- ``{"ok": false, "error": ...}`` answers;
* :meth:`FakeSlack.inject_http` -- HTTP 429 (with ``Retry-After``) / 5xx answers;
* :meth:`FakeSlack.hold` -- keep a request in flight, then answer it
  (:meth:`Hold.release`) or close the connection without answering
  (:meth:`Hold.drop`);
* :meth:`FakeSlack.set_rate_limits` -- Slack-like ``chat.postMessage`` limits;
* :meth:`FakeSlack.set_auth_error` -- ``invalid_auth``/``token_revoked``/... for every call;
* :meth:`FakeSlack.after_response` -- run code (e.g. kill the client) right
  after an answer was written to the socket.

A request goes through these stages in order: hold, ``inject_http``, the
request checks (``unknown_method``, ``invalid_json``, ``not_authed``,
``invalid_auth``/``token_expired``/``token_revoked``), ``set_auth_error``,
``inject_error``, the rate limiter, and finally the method itself.
(``oauth.v2.access`` needs no token: it skips the token checks and
``set_auth_error``.)

Installs through OAuth v2 ("distributed app": many workspaces, one bot token
per install, optionally with token rotation), as slack_bolt's ``OAuthFlow``
and slack_sdk's ``TokenRotator`` use them:

* the app's credentials are ``client_id``/``client_secret`` (constructor),
  accepted as HTTP Basic auth or as parameters, as Slack does;
* :meth:`FakeSlack.approve_install` -- a user approved the install on Slack's
  authorize page: returns the one-use ``code`` (valid for 10 minutes of
  ``clock``) the app exchanges with ``oauth.v2.access``
  (``grant_type=authorization_code``, the default), which answers a new bot
  token for this workspace (earlier ones stay valid);
* ``token_rotation=True``: the bot tokens are ``xoxe.xoxb-...`` and expire
  ``token_ttl`` seconds of ``wall`` (epoch seconds, injectable) after issue
  (then ``token_expired``); each comes with a one-use refresh token
  ``xoxe-1-...`` that ``oauth.v2.access`` (``grant_type=refresh_token``)
  exchanges for a new pair, the previous access token working until its own
  expiry;
* ``installed=False``: the workspace starts without the app -- the default
  ``bot_token`` answers ``invalid_auth``; only tokens issued through OAuth work;
* :meth:`FakeSlack.uninstall` / :meth:`FakeSlack.revoke_token` -- revoked
  tokens answer ``token_revoked``;
* :meth:`FakeSlack.issued_tokens` / :meth:`FakeSlack.refresh_count` -- what was
  issued; ``oauth.v2.access`` calls are recorded in :attr:`FakeSlack.calls`
  with ``client_secret``, ``code`` and ``refresh_token`` shown as ``"***"``;
* :meth:`FakeSlack.join` -- several workspaces behind one API URL ("the
  cloud"): a call whose token, code or refresh token belongs to a joined fake
  is handled entirely by that fake (its state, calls, faults, rate limits).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import hashlib
import itertools
import json
import math
import secrets
import string
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.fakeslack.blockkit import find_action, iter_elements, validate_blocks, validate_view
from bot.fakeslack.state import (
    Call,
    Ephemeral,
    FakeChannel,
    FakeUser,
    Message,
    ResponseUrlPost,
)

__all__ = ["FakeSlack", "Hold", "find_action"]

JsonDict = dict[str, Any]
#: Which calls an injected answer or a hold applies to, from the call's arguments.
Matcher = Callable[[JsonDict], bool]
_Result = tuple[int, JsonDict]

#: Argument names whose values Slack accepts as JSON-encoded strings.
_JSON_FIELDS = ("blocks", "view", "attachments", "metadata", "user_auth_blocks")
_ID_ALPHABET = string.ascii_letters + string.digits + "+/="
_MAX_TEXT = 40000
_MAX_VIEW_STACK = 3
#: Tolerance for float comparisons in the rate limiter (clock readings are floats).
_EPSILON = 1e-9
_RELEASE = "release"
_DROP = "drop"
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: Web API methods called without a token (``oauth.v2.access`` authenticates the app instead).
_TOKENLESS_METHODS = frozenset({"oauth.v2.access"})
#: ``oauth.v2.access`` arguments that are secrets: recorded as ``"***"``, never in clear.
_SECRET_ARGS = ("client_secret", "code", "refresh_token")
_REDACTED = "***"
#: How long an OAuth ``code`` can be exchanged, in seconds of ``clock`` (Slack: 10 minutes).
_CODE_TTL = 600.0
#: The installing user when :meth:`FakeSlack.approve_install` is given none and the
#: workspace has no human member.
_DEFAULT_INSTALLER = "U0INSTALLER"


def _flag(value: Any) -> bool:
    """Interpret a form/JSON boolean argument."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return str(value).strip().lower() in ("1", "true", "yes")


def _take_matching(queue: list[tuple[Any, Matcher | None]] | None, args: JsonDict) -> Any:
    """The first queued item whose matcher accepts ``args`` (removed from the queue), else None."""
    for index, (item, when) in enumerate(queue or []):
        if when is None or when(args):
            assert queue is not None
            del queue[index]
            return item
    return None


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization: Basic ...`` header, else None."""
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else None


def _oauth_grant(args: JsonDict, authorization: str | None) -> tuple[JsonDict, JsonDict]:
    """Split an ``oauth.v2.access`` request into (secrets used to answer it, redacted args).

    The client credentials come from HTTP Basic auth when given, else from the
    ``client_id``/``client_secret`` parameters (Slack accepts both).  The redacted
    args (what gets recorded and what matchers see) show each secret as ``"***"``.
    """
    grant: JsonDict = {k: args[k] for k in ("client_id", *_SECRET_ARGS) if k in args}
    basic = _basic_credentials(authorization)
    if basic is not None:
        grant["client_id"], grant["client_secret"] = basic
    redacted = {k: (_REDACTED if k in _SECRET_ARGS else v) for k, v in args.items()}
    return grant, redacted


def _error(error: str, **extra: Any) -> JsonDict:
    return {"ok": False, "error": error, **extra}


def _invalid_blocks(errors: list[str]) -> JsonDict:
    return _error(
        "invalid_blocks",
        errors=list(errors),
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


def _invalid_arguments(errors: list[str]) -> JsonDict:
    return _error(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
    )


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class _BotToken:
    """A bot token of the workspace: the default ``bot_token`` or one issued through OAuth."""

    #: Epoch seconds (of ``wall``) from which it answers ``token_expired``; None: never.
    expires_at: float | None
    revoked: bool = False


@dataclass
class _RefreshToken:
    """A one-use refresh token (token rotation) and the install it belongs to."""

    scopes: str
    user_id: str
    used: bool = False
    revoked: bool = False


@dataclass
class _Code:
    """An OAuth ``code`` from :meth:`FakeSlack.approve_install`."""

    user_id: str
    redirect_uri: str | None
    scopes: str
    issued_at: float  # clock() reading
    used: bool = False


@dataclass
class _ResponseUrl:
    url: str
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    is_ephemeral: bool
    thread_ts: str | None
    issued_at: float
    uses: int = 0


@dataclass
class _Answer:
    """What the fake sends back for one request (``body`` is what gets recorded)."""

    status: int
    body: JsonDict
    headers: dict[str, str] = field(default_factory=dict)
    #: Raw bytes to send instead of ``json.dumps(body)`` (non-JSON injected bodies).
    data: bytes | None = None
    content_type: str = _JSON_CONTENT_TYPE

    def payload(self) -> bytes:
        return self.data if self.data is not None else json.dumps(self.body).encode()


def _http_answer(
    status: int, retry_after: int | None, body: JsonDict | str | bytes | None
) -> _Answer:
    """Build the answer for :meth:`FakeSlack.inject_http`."""
    headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
    if body is None:
        if status == 429:
            body = _error("ratelimited")
        elif status == 503:
            body = _error("service_unavailable")
        elif status >= 500:
            body = _error("internal_error")
        else:
            body = _error(f"http_{status}")
    if isinstance(body, dict):
        return _Answer(status, copy.deepcopy(body), headers)
    data = body.encode() if isinstance(body, str) else bytes(body)
    return _Answer(
        status,
        {"ok": False, "raw_body": data.decode("utf-8", "replace")},
        headers,
        data=data,
        content_type="text/plain; charset=utf-8",
    )


class _RateLimiter:
    """Slack-like rate limits; see :meth:`FakeSlack.set_rate_limits` for the model.

    Not thread-safe by itself: the fake calls it under its state lock.
    """

    def __init__(
        self,
        per_channel_per_second: float | None,
        per_workspace_per_minute: int | None,
        burst: int,
        methods: frozenset[str],
    ) -> None:
        self.per_channel_per_second = per_channel_per_second
        self.per_workspace_per_minute = per_workspace_per_minute
        self.burst = burst
        self.methods = methods
        #: (method, conversation id) -> [tokens, clock reading of the last refill]
        self._buckets: dict[tuple[str, str], list[float]] = {}
        #: method -> clock readings of the accepted calls in the last 60 s
        self._windows: dict[str, deque[float]] = {}

    def _tokens(self, method: str, channel: str, now: float) -> list[float]:
        rate = self.per_channel_per_second
        assert rate is not None
        bucket = self._buckets.setdefault((method, channel), [float(self.burst), now])
        elapsed = max(0.0, now - bucket[1])
        bucket[0] = min(float(self.burst), bucket[0] + elapsed * rate)
        bucket[1] = now
        return bucket

    def _window(self, method: str, now: float) -> deque[float]:
        window = self._windows.setdefault(method, deque())
        while window and window[0] + 60.0 <= now + _EPSILON:
            window.popleft()
        return window

    def wait(self, method: str, channel: str | None, now: float) -> float:
        """Seconds until a call to ``method`` in ``channel`` would be allowed (0: allowed now)."""
        wait = 0.0
        if self.per_channel_per_second is not None and channel is not None:
            tokens = self._tokens(method, channel, now)[0]
            if tokens < 1.0 - _EPSILON:
                wait = (1.0 - tokens) / self.per_channel_per_second
        if self.per_workspace_per_minute is not None:
            window = self._window(method, now)
            if len(window) >= self.per_workspace_per_minute:
                wait = max(wait, window[0] + 60.0 - now)
        return wait

    def consume(self, method: str, channel: str | None, now: float) -> None:
        """Account for one accepted call (call :meth:`wait` first)."""
        if self.per_channel_per_second is not None and channel is not None:
            bucket = self._tokens(method, channel, now)
            bucket[0] = max(0.0, bucket[0] - 1.0)
        if self.per_workspace_per_minute is not None:
            self._window(method, now).append(now)


class Hold:
    """Requests kept in flight inside a :class:`FakeSlack`; returned by :meth:`FakeSlack.hold`.

    The hold catches the next ``count`` requests to ``method``.  Each caught
    request has been fully received ("arrived") and then blocks its server
    thread -- without answering and without touching any state -- until
    :meth:`release` (it is then processed, at release time, and answered as
    usual) or :meth:`drop` (the connection is closed without any HTTP
    response).  When the fake stops, requests still held are dropped.

    The decision is made once for the whole hold: requests caught after
    :meth:`release`/:meth:`drop` (while ``count`` is not exhausted) get the
    same treatment without waiting.  Other requests are never blocked by a hold.
    """

    def __init__(
        self, fake: FakeSlack, method: str, count: int, when: Matcher | None = None
    ) -> None:
        self.method = method
        self.count = count
        self.when = when
        self._fake = fake
        self._arrived: list[JsonDict] = []
        self._finished = 0
        self._decision: str | None = None

    def __repr__(self) -> str:
        return (
            f"<Hold {self.method} count={self.count} arrived={len(self._arrived)}"
            f" decision={self._decision}>"
        )

    @property
    def arrived(self) -> list[JsonDict]:
        """Arguments (token removed) of the requests caught so far, oldest first."""
        with self._fake._lock:
            return copy.deepcopy(self._arrived)

    @property
    def pending(self) -> int:
        """Caught requests not yet processed or dropped (still blocked in the server)."""
        with self._fake._lock:
            return len(self._arrived) - self._finished

    @property
    def decision(self) -> str | None:
        """``"release"``, ``"drop"`` or None while undecided."""
        with self._fake._lock:
            return self._decision

    def wait_arrived(self, count: int = 1, *, timeout: float = 5.0) -> list[JsonDict]:
        """Block until ``count`` requests have been caught; returns their arguments.

        Raises :class:`AssertionError` when ``timeout`` (real seconds) elapses first.
        """
        fake = self._fake
        deadline = time.monotonic() + timeout
        with fake._cond:
            while len(self._arrived) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} held call(s) to"
                        f" {self.method}; {len(self._arrived)} arrived"
                    )
                fake._cond.wait(remaining)
            return copy.deepcopy(self._arrived)

    def release(self, *, wait: bool = True, timeout: float = 5.0) -> None:
        """Let the held requests (and any caught later) be processed and answered.

        Processing happens now, on the requests' server threads, exactly as if
        they had just arrived (rate limits, injected errors and state changes
        apply at this moment).  If the client has given up in the meantime,
        the state change still happens; only the answer is lost.  With
        ``wait`` this returns once every request caught so far has been
        processed and recorded (the answer may still be on its way).
        """
        self._decide(_RELEASE, wait, timeout)

    def drop(self, *, wait: bool = True, timeout: float = 5.0) -> None:
        """Close the held requests' connections (and any caught later) without answering.

        The client sees a connection error; nothing is processed.  Dropped
        requests are recorded with ``Call.status == 0`` and an empty response.
        With ``wait`` this returns once every request caught so far was dropped.
        """
        self._decide(_DROP, wait, timeout)

    def _decide(self, decision: str, wait: bool, timeout: float) -> None:
        fake = self._fake
        deadline = time.monotonic() + timeout
        with fake._cond:
            if self._decision not in (None, decision):
                raise RuntimeError(f"{self!r} was already decided")
            self._decision = decision
            target = len(self._arrived)
            fake._cond.notify_all()
            while wait and self._finished < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {target - self._finished}"
                        f" held call(s) to {self.method} to {decision}"
                    )
                fake._cond.wait(remaining)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeSlack) -> None:
        super().__init__(address, _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FakeSlack/1.0"

    def do_GET(self) -> None:
        self.server.fake._handle_http(self)

    def do_POST(self) -> None:
        self.server.fake._handle_http(self)

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
        pass


class FakeSlack:
    """In-process fake of the Slack Web API, listening on ``host:port`` (loopback).

    Args:
        team_id, bot_user_id, bot_token, app_id: identity of the installed app.
        bot_id: the bot's ``B...`` id; bot_name: the bot user's name.
        team_domain, team_name: workspace naming used in ``auth.test`` and payloads.
        host, port: where to listen; ``port=0`` picks a free ephemeral port.
        clock: monotonic clock (seconds) used for trigger/response-URL expiry;
            inject a fake to test expiry without sleeping.
        trigger_ttl: seconds a ``trigger_id`` stays valid (Slack: 3).
        response_url_ttl, response_url_max_uses: response URL limits (Slack: 30 min, 5 uses).
        client_id, client_secret: the app's OAuth credentials (``oauth.v2.access``).
        token_rotation: bot tokens issued through OAuth expire after ``token_ttl``
            seconds and come with a refresh token (Slack: 12 hours).  The default
            ``bot_token`` never expires.
        wall: epoch-seconds clock used only for token expiry (inject a manual one
            to test expiry without sleeping).
        installed: False starts the workspace without the app: ``bot_token`` then
            answers ``invalid_auth`` and only tokens issued through OAuth work.
    """

    def __init__(
        self,
        team_id: str = "T0TEAM0001",
        bot_user_id: str = "U0BOT00001",
        bot_token: str = "xoxb-test-token",
        app_id: str = "A0APP00001",
        *,
        bot_id: str = "B0BOT00001",
        bot_name: str = "als-bot",
        team_domain: str = "als-test",
        team_name: str = "ALS Test",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        trigger_ttl: float = 3.0,
        response_url_ttl: float = 30 * 60,
        response_url_max_uses: int = 5,
        client_id: str = "1111.2222",
        client_secret: str = "fake-client-secret",
        token_rotation: bool = False,
        token_ttl: float = 43200.0,
        wall: Callable[[], float] = time.time,
        installed: bool = True,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self.app_id = app_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.team_domain = team_domain
        self.team_name = team_name
        self.clock = clock
        self.trigger_ttl = trigger_ttl
        self.response_url_ttl = response_url_ttl
        self.response_url_max_uses = response_url_max_uses
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_rotation = token_rotation
        self.token_ttl = token_ttl
        self.wall = wall
        self._host = host
        self._requested_port = port

        #: Whether the app under test has finished its work after acking (each returns True
        #: when idle): tests that wait for the app to settle also wait on these.
        self.idle_checks: list[Callable[[], bool]] = []
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = itertools.count(1)
        self._last_ts_us = 0

        self._users: dict[str, FakeUser] = {}
        self._channels: dict[str, FakeChannel] = {}
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, JsonDict] = {}
        self._view_owner: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._view_state: dict[str, dict[str, dict[str, JsonDict]]] = {}
        #: (channel, ts, user) -> what that user ticked or picked in a message's elements: the
        #: client keeps it until the message is redrawn, and sends it with every click.
        self._message_state: dict[tuple[str, str, str], dict[str, dict[str, JsonDict]]] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._response_posts: list[ResponseUrlPost] = []
        self._calls: list[Call] = []
        self._listeners: list[Callable[[Call], None]] = []
        self._after_response: list[Callable[[Call], None]] = []
        self._injected: dict[str, list[tuple[JsonDict, Matcher | None]]] = {}
        self._injected_http: dict[str, list[tuple[_Answer, Matcher | None]]] = {}
        self._holds: dict[str, list[Hold]] = {}
        self._auth_error: str | None = None
        self._latency = 0.0  # seconds each Web API call waits before it is handled
        self._deactivated_dm_error: str | None = None
        self._limiter: _RateLimiter | None = None
        self._rate_limited: Counter[str] = Counter()
        self._accepted: Counter[str] = Counter()
        #: Bot tokens of this workspace (valid, expired or revoked); unknown ones: invalid_auth.
        self._tokens: dict[str, _BotToken] = {}
        if installed:
            self._tokens[bot_token] = _BotToken(expires_at=None)
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        self._codes: dict[str, _Code] = {}
        self._issued: list[str] = []
        self._refreshes = 0
        #: The fakes answering on one API URL together (this one included); see :meth:`join`.
        self._cloud: tuple[FakeSlack, ...] = (self,)

        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }
        #: Uploaded files: id -> {"id", "name", "title", "length", "content" (bytes or None),
        #: "alt_txt" (an image's description for screen readers, or None)}.
        self._files: dict[str, JsonDict] = {}
        self.add_user(bot_user_id, bot_name, is_bot=True)

    # ================================================================ lifecycle
    def start(self) -> FakeSlack:
        """Bind the HTTP server and serve it from a daemon thread. Returns ``self``."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server((self._host, self._requested_port), self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"FakeSlack:{server.server_address[1]}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent).

        Requests still blocked by a :meth:`hold` are dropped (their
        connections are closed without an answer); this never waits for them.
        """
        with self._cond:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._cond.notify_all()  # wake held requests: they are dropped
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port (only once started)."""
        server = self._server
        if server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)`` / ``SLACK_API_URL`` (ends in ``/``)."""
        return f"{self.base_url}/api/"

    # ================================================================ directory
    def add_user(
        self,
        id: str,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str = "",
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        email: str | None = None,
    ) -> FakeUser:
        """Add (or replace) a workspace member and return a copy of it."""
        user = FakeUser(
            id=id,
            name=name,
            real_name=real_name,
            display_name=display_name,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            email=email,
            team_id=self.team_id,
        )
        with self._lock:
            self._users[id] = user
            return replace(user)

    def update_user(self, id: str, **changes: Any) -> FakeUser:
        """Change fields of an existing user (e.g. ``deleted=True``, ``tz=...``)."""
        with self._lock:
            user = replace(self._users[id], **changes)
            self._users[id] = user
            return replace(user)

    def user(self, id: str) -> FakeUser | None:
        """A copy of the user with ``id``, or None."""
        with self._lock:
            user = self._users.get(id)
            return replace(user) if user else None

    def add_channel(
        self,
        id: str,
        name: str,
        *,
        is_private: bool = True,
        members: Iterable[str] = (),
        bot_is_member: bool = True,
        is_archived: bool = False,
    ) -> FakeChannel:
        """Add (or replace) a channel. The bot is a member unless ``bot_is_member=False``."""
        member_set = set(members)
        if bot_is_member:
            member_set.add(self.bot_user_id)
        channel = FakeChannel(
            id=id, name=name, is_private=is_private, members=member_set, is_archived=is_archived
        )
        with self._lock:
            self._channels[id] = channel
            self._messages.setdefault(id, [])
            return self._copy_channel(channel)

    def channel(self, id: str) -> FakeChannel | None:
        """A copy of the conversation with ``id`` (channel or IM), or None."""
        with self._lock:
            channel = self._channels.get(id)
            return self._copy_channel(channel) if channel else None

    def add_to_channel(self, channel_id: str, *user_ids: str) -> None:
        """Add members to a channel (use ``bot_user_id`` to invite the bot)."""
        with self._lock:
            self._channels[channel_id].members.update(user_ids)

    def remove_from_channel(self, channel_id: str, *user_ids: str) -> None:
        """Remove members from a channel (use ``bot_user_id`` to kick the bot)."""
        with self._lock:
            self._channels[channel_id].members.difference_update(user_ids)

    def archive_channel(self, channel_id: str, archived: bool = True) -> None:
        """Mark a channel (un)archived; posting to it then fails with ``is_archived``."""
        with self._lock:
            self._channels[channel_id].is_archived = archived

    def im_channel_id(self, user_id: str) -> str:
        """The id of the bot's IM with ``user_id`` ("D" + the user id without its prefix)."""
        return "D" + user_id[1:]

    def open_im(self, user_id: str) -> FakeChannel:
        """Create (if needed) and return the bot's IM with ``user_id``."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(f"unknown user {user_id}")
            return self._copy_channel(self._ensure_im(user_id))

    # ======================================================= platform-side state
    def new_trigger_id(self, user_id: str) -> str:
        """Issue a ``trigger_id`` for an interaction by ``user_id``.

        It can be exchanged once (``views.open``/``views.push``) within
        ``trigger_ttl`` seconds of ``clock()``.
        """
        with self._lock:
            n = next(self._counter)
            trigger_id = f"{1000000000000 + n}.{self.team_id[1:]}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = _Trigger(user_id=user_id, issued_at=self.clock())
            return trigger_id

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        thread_ts: str | None = None,
    ) -> str:
        """Issue a response URL bound to an interaction context.

        ``channel_id``/``user_id`` say where responses appear; ``message_ts``
        (+ ``is_ephemeral``) names the original message that
        ``replace_original``/``delete_original`` act on.
        """
        with self._lock:
            if self._server is None:
                raise RuntimeError("FakeSlack is not started")
            n = next(self._counter)
            token = f"{n}/{secrets.token_urlsafe(18)}"
            url = f"{self.base_url}/response/{self.team_id}/{token}"
            self._response_urls[token] = _ResponseUrl(
                url=url,
                channel_id=channel_id,
                user_id=user_id,
                message_ts=message_ts,
                is_ephemeral=is_ephemeral,
                thread_ts=thread_ts,
                issued_at=self.clock(),
            )
            return url

    def inject_error(
        self,
        method: str,
        error: str,
        *,
        count: int = 1,
        when: Matcher | None = None,
        **extra: Any,
    ) -> None:
        """Make the next ``count`` calls to ``method`` fail with ``error`` (after auth).

        ``when``: only calls whose arguments it accepts (e.g. ``lambda a: a["channel"] == U``);
        others pass. Extra keyword arguments are added to the error response body.
        """
        with self._lock:
            queue = self._injected.setdefault(method, [])
            queue.extend((_error(error, **extra), when) for _ in range(count))

    def inject_http(
        self,
        method: str,
        status: int,
        *,
        count: int = 1,
        retry_after: int | None = None,
        body: JsonDict | str | bytes | None = None,
        when: Matcher | None = None,
    ) -> None:
        """Make the next ``count`` calls to ``method`` answer HTTP ``status``.

        This happens before authentication and has no effect on state; the
        calls are recorded with ``Call.status == status``.  ``method`` may
        also be ``"response_url"`` (POSTs to response URLs).

        Args:
            status: the HTTP status, e.g. 429, 500, 502, 503.
            when: only calls whose arguments it accepts; others pass.
            retry_after: integer seconds for the ``Retry-After`` header (as
                Slack sends with 429); no header when None.
            body: a dict is sent as JSON, ``str``/``bytes`` as ``text/plain``
                (recorded as ``{"ok": false, "raw_body": text}``).  Default:
                ``{"ok": false, "error": "ratelimited"}`` for 429,
                ``"service_unavailable"`` for 503, ``"internal_error"`` for
                other 5xx and ``"http_<status>"`` otherwise.

        With ``slack_sdk.WebClient`` (no retry handlers) these raise
        ``SlackApiError`` with ``e.response.status_code == status`` and, for
        429, ``e.response.headers["Retry-After"]``.
        """
        if not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        answer = _http_answer(status, retry_after, body)
        with self._lock:
            queue = self._injected_http.setdefault(method, [])
            queue.extend((copy.deepcopy(answer), when) for _ in range(count))

    def hold(self, method: str, *, count: int = 1, when: Matcher | None = None) -> Hold:
        """Keep the next ``count`` requests to ``method`` in flight until told otherwise.

        Returns a :class:`Hold`: ``hold.wait_arrived()`` blocks until a
        request is caught, ``hold.release()`` processes and answers it (at
        that moment: a held ``chat.postMessage`` creates its message only on
        release), ``hold.drop()`` closes its connection without an answer.
        Use it to make a client time out while Slack still acts on the call
        (client timeout shorter than the hold, then release), or to kill the
        client while its call is in flight.  Holds on the same method catch
        requests in the order the holds were created.  ``method`` may also be
        ``"response_url"``.  ``when``: only requests whose arguments it accepts
        are caught; others pass.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        hold = Hold(self, method, count, when)
        with self._lock:
            self._holds.setdefault(method, []).append(hold)
        return hold

    def set_latency(self, seconds: float) -> None:
        """Make every Web API call to this workspace wait ``seconds`` (real time) before it is
        handled, as the network and Slack's servers do (tens to hundreds of milliseconds
        from a data centre): for benchmarks of a client that has several calls in flight.
        Holds, faults and rate limits apply after the wait. 0 (the default) answers at once."""
        if seconds < 0:
            raise ValueError("latency must be at least 0")
        self._latency = seconds

    def set_auth_error(self, error: str | None) -> None:
        """While set, every Web API call with a valid token answers ``{"ok": false, "error": error}``.

        For ``"invalid_auth"``, ``"token_revoked"``, ``"account_inactive"``
        (the app was uninstalled, the token rotated, the workspace deleted).
        Slack answers these with HTTP 200.  Response URLs and ``oauth.v2.access``
        (which takes no token) keep working.  ``None`` restores normal
        authentication.  To revoke particular tokens use :meth:`revoke_token` or
        :meth:`uninstall` instead.
        """
        with self._lock:
            self._auth_error = error

    # ========================================================== OAuth installs
    def approve_install(
        self,
        *,
        user_id: str | None = None,
        redirect_uri: str | None = None,
        scopes: str = "",
    ) -> str:
        """A user approved installing the app in this workspace on Slack's authorize page.

        Returns the ``code`` Slack sends back on the redirect to the app
        (``?code=...&state=...``).  The app exchanges it with ``oauth.v2.access``
        once, within 10 minutes of ``clock()`` (else ``invalid_code``), for a new
        bot token of this workspace.  The code names the workspace, so a
        :meth:`join`-ed fake routes the exchange here.

        Args:
            user_id: the installing user (``authed_user.id``); default: the first
                human member, else ``"U0INSTALLER"``.  Added as a member if unknown.
            redirect_uri: the ``redirect_uri`` the authorize URL named; the exchange
                must then give the same one (else ``bad_redirect_uri``).
            scopes: the granted bot scopes, comma-separated (answered as ``scope``).
        """
        with self._lock:
            if user_id is None:
                user_id = next(
                    (u.id for u in self._users.values() if not u.is_bot and not u.deleted),
                    _DEFAULT_INSTALLER,
                )
            if user_id not in self._users:
                self.add_user(user_id, "installer")
            n = next(self._counter)
            code = f"{1000000000000 + n}.{self.team_id}.{secrets.token_hex(24)}"
            self._codes[code] = _Code(
                user_id=user_id, redirect_uri=redirect_uri, scopes=scopes, issued_at=self.clock()
            )
            return code

    def uninstall(self) -> None:
        """The workspace removed the app: revoke every bot and refresh token of this workspace.

        Later Web API calls with those tokens answer ``token_revoked`` and
        refreshing answers ``invalid_refresh_token``.  (Slack also sends the
        ``app_uninstalled`` event; tests send it themselves through the driver.)
        A new :meth:`approve_install` and exchange installs the app again.
        """
        with self._lock:
            for token in self._tokens.values():
                token.revoked = True
            for refresh in self._refresh_tokens.values():
                refresh.revoked = True

    def revoke_token(self, token: str) -> None:
        """Revoke one bot token (then ``token_revoked``) or refresh token of this workspace.

        Raises :class:`KeyError` for a token this workspace never had.
        """
        with self._lock:
            if token in self._tokens:
                self._tokens[token].revoked = True
            elif token in self._refresh_tokens:
                self._refresh_tokens[token].revoked = True
            else:
                raise KeyError(f"not a token of workspace {self.team_id}: {token!r}")

    def issued_tokens(self) -> list[str]:
        """The bot tokens ``oauth.v2.access`` issued for this workspace (installs and
        refreshes), oldest first; the default ``bot_token`` is not among them."""
        with self._lock:
            return list(self._issued)

    def refresh_count(self) -> int:
        """How many token refreshes (``grant_type=refresh_token``) succeeded."""
        with self._lock:
            return self._refreshes

    def join(self, other: FakeSlack) -> None:
        """Serve ``other``'s workspace behind this fake's API URL too ("the cloud").

        Afterwards a Web API call arriving at any joined fake whose token
        belongs to another one -- or an ``oauth.v2.access`` whose code or
        refresh token it issued -- is handled entirely by that one: its state,
        :attr:`calls`, holds, injected faults and rate limits.  Calls with a
        token of no joined workspace are answered by the fake they arrived at
        (``invalid_auth``).  Joining is symmetric and transitive (A.join(B),
        B.join(C): all three share the cloud).  Each fake keeps its own HTTP
        server for response URLs and uploads; ``other`` need not be started.

        Raises :class:`ValueError` unless both are the same app (``client_id``,
        ``client_secret``) in different workspaces (``team_id``) with no bot token
        in common (give each a different ``bot_token``, or ``installed=False``).
        """
        if other is self:
            raise ValueError("a FakeSlack cannot join itself")
        if (other.client_id, other.client_secret) != (self.client_id, self.client_secret):
            raise ValueError("joined fakes must be the same app (client_id and client_secret)")
        cloud = tuple(dict.fromkeys((*self._cloud, *other._cloud)))
        teams: set[str] = set()
        tokens: set[str] = set()
        for fake in cloud:
            if fake.team_id in teams:
                raise ValueError(f"two joined fakes are workspace {fake.team_id}")
            teams.add(fake.team_id)
            with fake._lock:
                mine = set(fake._tokens)
            if tokens & mine:
                raise ValueError(
                    f"workspace {fake.team_id} shares a bot token with a joined workspace:"
                    f" {sorted(tokens & mine)}"
                )
            tokens |= mine
        for fake in cloud:
            fake._cloud = cloud

    def set_deactivated_dm_error(self, error: str | None) -> None:
        """Make ``chat.postMessage``/``chat.postEphemeral`` to a deactivated user's DM fail.

        By default the fake behaves like Slack: posting to a deactivated user
        (``FakeUser.deleted``) by user id or IM id *succeeds* -- the IM still
        exists and Slack does not check the user (``chat.postMessage``
        documents no ``user_disabled`` error; Slack confirmed this in
        https://github.com/slackapi/python-slack-sdk/issues/1156).  Only
        ``conversations.open`` refuses, with ``user_disabled``.  Set an error
        name (e.g. ``"user_disabled"``) to test an app against a stricter
        answer; ``None`` restores Slack's behaviour.
        """
        with self._lock:
            self._deactivated_dm_error = error

    def set_rate_limits(
        self,
        *,
        per_channel_per_second: float | None = 1.0,
        per_workspace_per_minute: int | None = 600,
        burst: int = 1,
        methods: Iterable[str] = ("chat.postMessage",),
    ) -> None:
        """Enable Slack-like rate limits (disabled by default); replaces earlier limits.

        Slack allows about one message per second per channel with short
        bursts, and a per-workspace budget per method per minute; above
        that it answers HTTP 429 with ``Retry-After``.  The fake models this
        exactly and deterministically over its injectable ``clock``:

        * **Per conversation** -- a token bucket per (method, conversation)
          with capacity ``burst`` that starts full and refills continuously
          at ``per_channel_per_second`` tokens per second.  The conversation
          is the resolved target: a user id counts as that user's IM, so DMs
          to different users are different conversations.
        * **Per workspace** -- a sliding 60-second window per method: a call
          is allowed while fewer than ``per_workspace_per_minute`` calls were
          accepted in the last 60 s, i.e. in ``(now - 60, now]``.

        Only accepted calls (answered ``"ok": true``) consume budget; calls
        that fail validation and 429 answers do not.  A call that would
        exceed either limit is answered HTTP 429, body ``{"ok": false,
        "error": "ratelimited"}``, with ``Retry-After`` = the seconds until it
        would be allowed (the larger of the two waits) rounded up to an
        integer and at least 1; nothing is created.  Hence lower bounds for
        a client that retries exactly when allowed: the ``k``-th accepted post
        (``k`` from 0) to one conversation is at least ``max(0, k - burst +
        1) / per_channel_per_second`` s after the first, and the ``k``-th post
        to the workspace at least ``60 * (k // per_workspace_per_minute)`` s
        after the first -- ``N`` posts to different users under a budget
        ``B`` take at least ``60 * ((N - 1) // B)`` s.

        ``None`` disables a limit; passing None for both disables limiting
        (like :meth:`clear_rate_limits`).  ``methods`` lists the limited
        methods; each has its own buckets and window.  Counters:
        :meth:`rate_limited_count` and :meth:`accepted_count`.
        """
        if per_channel_per_second is not None and per_channel_per_second <= 0:
            raise ValueError("per_channel_per_second must be positive")
        if per_workspace_per_minute is not None and per_workspace_per_minute < 1:
            raise ValueError("per_workspace_per_minute must be at least 1")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        names = frozenset([methods] if isinstance(methods, str) else methods)
        limiter = None
        if per_channel_per_second is not None or per_workspace_per_minute is not None:
            limiter = _RateLimiter(per_channel_per_second, per_workspace_per_minute, burst, names)
        with self._lock:
            self._limiter = limiter

    def clear_rate_limits(self) -> None:
        """Disable rate limiting (counters are kept)."""
        with self._lock:
            self._limiter = None

    def rate_limited_count(self, method: str | None = None) -> int:
        """How many HTTP 429 answers the rate limiter served (to ``method``, or in total).

        Answers from :meth:`inject_http` are not counted.
        """
        with self._lock:
            if method is None:
                return sum(self._rate_limited.values())
            return self._rate_limited[method]

    def accepted_count(self, method: str = "chat.postMessage") -> int:
        """How many calls to ``method`` were answered ``"ok": true`` since the fake was created.

        Unlike :attr:`calls` this is not cleared by :meth:`reset_calls`.
        """
        with self._lock:
            return self._accepted[method]

    def post_user_message(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        *,
        blocks: list[JsonDict] | None = None,
        thread_ts: str | None = None,
    ) -> Message:
        """Record a message written by a human (for ``chat.update`` permission tests etc.)."""
        with self._lock:
            channel = self._channels.get(channel_id)
            if (
                channel is None
                and user_id in self._users
                and channel_id == self.im_channel_id(user_id)
            ):
                channel = self._ensure_im(user_id)
            if channel is None:
                raise KeyError(f"unknown channel {channel_id}")
            msg = Message(
                channel=channel.id,
                ts=self._next_ts(),
                text=text,
                blocks=self._fill_ids(blocks) if blocks is not None else None,
                user=user_id,
                team=self.team_id,
                thread_ts=thread_ts,
            )
            self._messages.setdefault(channel.id, []).append(msg)
            return replace(msg)

    def remember_view_state(
        self, view_id: str, block_id: str, action_id: str, state: JsonDict
    ) -> None:
        """Store what a user selected/typed in a view element (kept across ``views.update``)."""
        with self._lock:
            if view_id not in self._views:
                raise KeyError(f"unknown view {view_id}")
            self._view_state.setdefault(view_id, {}).setdefault(block_id, {})[action_id] = dict(
                state
            )

    def remember_message_state(
        self, channel_id: str, ts: str, user_id: str, block_id: str, action_id: str, state: JsonDict
    ) -> None:
        """Store what a user picked in a message's element (sent with their later clicks)."""
        with self._lock:
            key = (channel_id, ts, user_id)
            self._message_state.setdefault(key, {}).setdefault(block_id, {})[action_id] = dict(
                state
            )

    def message_state(
        self, channel_id: str, ts: str, user_id: str
    ) -> dict[str, dict[str, JsonDict]]:
        with self._lock:
            return copy.deepcopy(self._message_state.get((channel_id, ts, user_id), {}))

    def view_state(self, view_id: str) -> dict[str, dict[str, JsonDict]]:
        """The remembered element state of a view: ``{block_id: {action_id: state}}``."""
        with self._lock:
            return copy.deepcopy(self._view_state.get(view_id, {}))

    def close_views(
        self, user_id: str, view_id: str | None = None, *, clear: bool = False
    ) -> list[JsonDict]:
        """Close the user's modal ``view_id`` (default: top) or, with ``clear``, the whole stack.

        Returns the closed views.
        """
        with self._lock:
            stack = self._stacks.get(user_id, [])
            if clear:
                closed_ids = list(stack)
            elif view_id is not None:
                closed_ids = [view_id] if view_id in stack else []
            else:
                closed_ids = stack[-1:]
            closed = [self._public_view(v) for v in closed_ids]
            self._stacks[user_id] = [v for v in stack if v not in closed_ids]
            return closed

    def apply_view_submission_response(
        self, user_id: str, view_id: str, body: Mapping[str, Any] | None
    ) -> list[str]:
        """Apply the app's answer to a ``view_submission`` as Slack would.

        ``None``/``{}`` closes the view; ``response_action`` ``"clear"`` closes
        the stack, ``"update"`` replaces the view, ``"push"`` pushes a new
        one and ``"errors"`` keeps it open.  Returns validation errors (if the
        returned view/response is invalid the modal stays as it was).
        """
        with self._lock:
            action = (body or {}).get("response_action")
            if not body or action is None:
                self.close_views(user_id, view_id)
                return []
            if action == "clear":
                self.close_views(user_id, clear=True)
                return []
            if action == "errors":
                errors = body.get("errors")
                if not isinstance(errors, Mapping) or not errors:
                    return ["errors response must contain a non-empty errors object"]
                blocks = self._views[view_id].get("blocks") or []
                input_ids = {b.get("block_id") for b in blocks if b.get("type") == "input"}
                return [
                    f"errors key {key!r} is not the block_id of an input block"
                    for key in errors
                    if key not in input_ids
                ]
            if action in ("update", "push"):
                view = body.get("view")
                errors = validate_view(view)
                if not errors and isinstance(view, Mapping) and view.get("type") != "modal":
                    errors = ["response view must be a modal [json-pointer:/view/type]"]
                if errors:
                    return errors
                assert isinstance(view, Mapping)
                if action == "update":
                    self._replace_view(view_id, view)
                    return []
                stack = self._stacks.setdefault(user_id, [])
                if len(stack) >= _MAX_VIEW_STACK:
                    return ["push_limit_reached"]
                root = self._views[stack[0]]["root_view_id"] if stack else None
                stored = self._store_view(
                    view, user_id, previous_view_id=view_id, root_view_id=root
                )
                stack.append(stored["id"])
                return []
            return [f"unknown response_action {action!r}"]

    # ================================================================ recording
    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded request, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to ``method`` (e.g. ``"chat.postMessage"`` or ``"response_url"``)."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls (state such as messages and views is kept)."""
        with self._lock:
            self._calls.clear()

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until at least ``count`` calls to ``method`` match ``predicate``.

        Returns the matching calls.  Raises :class:`AssertionError` listing all
        calls seen so far when ``timeout`` (real seconds) elapses first.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matched = [
                    c
                    for c in self._calls
                    if c.method == method and (predicate is None or predicate(c))
                ]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        self._timeout_message(method, predicate, count, matched, timeout)
                    )
                self._cond.wait(remaining)

    def _timeout_message(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None,
        count: int,
        matched: list[Call],
        timeout: float,
    ) -> str:
        lines = [
            f"timed out after {timeout}s waiting for {count} call(s) to {method}"
            + (" matching predicate" if predicate else "")
            + f"; {len(matched)} matched. Calls seen so far ({len(self._calls)}):"
        ]
        for c in self._calls:
            outcome = "ok" if c.ok else f"error={c.error}"
            args = json.dumps(c.args, default=str)
            if len(args) > 300:
                args = args[:297] + "..."
            lines.append(f"  - {c.method} {args} -> {outcome}")
        if not self._calls:
            lines.append("  (none)")
        return "\n".join(lines)

    def add_listener(self, listener: Callable[[Call], None]) -> None:
        """Call ``listener(call)`` after each recorded request, before its response is sent.

        Listeners run on the server's request thread, outside the state lock.
        """
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Call], None]) -> None:
        """Undo :meth:`add_listener`."""
        with self._lock:
            self._listeners.remove(listener)

    def after_response(self, callback: Callable[[Call], None]) -> None:
        """Call ``callback(call)`` after each answer was completely written to the socket.

        Unlike :meth:`add_listener` (which runs before the answer is sent),
        the client may already have received the answer when this runs --
        e.g. to kill the client right after Slack answered.  Runs on the
        server's request thread, outside the state lock.  Not called for
        requests without an answer (dropped, or the client went away); an
        exception in ``callback`` is printed and otherwise ignored.
        """
        with self._lock:
            self._after_response.append(callback)

    def remove_after_response(self, callback: Callable[[Call], None]) -> None:
        """Undo :meth:`after_response`."""
        with self._lock:
            self._after_response.remove(callback)

    # ============================================================ state queries
    def messages(self, channel_id: str) -> list[Message]:
        """Current (non-deleted) messages of a conversation in ts order.

        ``channel_id`` may also be a user id, meaning the bot's IM with that user.
        Thread replies are included (check ``thread_ts``).
        """
        with self._lock:
            cid = self._conversation_id(channel_id)
            return [replace(m) for m in self._messages.get(cid, []) if not m.deleted]

    def message(self, channel_id: str, ts: str) -> Message | None:
        """The current (non-deleted) message ``ts`` in a conversation, or None."""
        with self._lock:
            msg = self._find_message(self._conversation_id(channel_id), ts)
            return replace(msg) if msg and not msg.deleted else None

    def dm_messages(self, user_id: str) -> list[Message]:
        """Messages in the bot's IM with ``user_id``."""
        return self.messages(self.im_channel_id(user_id))

    def ephemerals(
        self, channel_id: str | None = None, user_id: str | None = None
    ) -> list[Ephemeral]:
        """Ephemeral messages (``chat.postEphemeral`` and response URLs), optionally filtered."""
        with self._lock:
            cid = self._conversation_id(channel_id) if channel_id else None
            return [
                replace(e)
                for e in self._ephemerals
                if not e.deleted
                and (cid is None or e.channel == cid)
                and (user_id is None or e.user == user_id)
            ]

    def ephemeral(self, channel_id: str, ts: str) -> Ephemeral | None:
        """The (non-deleted) ephemeral message with ``message_ts`` ``ts``, or None."""
        with self._lock:
            cid = self._conversation_id(channel_id)
            for e in self._ephemerals:
                if e.channel == cid and e.ts == ts and not e.deleted:
                    return replace(e)
            return None

    def response_url_posts(self) -> list[ResponseUrlPost]:
        """Every POST the app made to a response URL (accepted or not)."""
        with self._lock:
            return [replace(p, body=copy.deepcopy(p.body)) for p in self._response_posts]

    def home_view(self, user_id: str) -> JsonDict | None:
        """The Home tab view published for ``user_id``, or None."""
        with self._lock:
            view_id = self._homes.get(user_id)
            return self._public_view(view_id) if view_id else None

    def open_views(self, user_id: str) -> list[JsonDict]:
        """The user's modal stack (last = top / visible)."""
        with self._lock:
            return [self._public_view(v) for v in self._stacks.get(user_id, [])]

    def view(self, view_id: str) -> JsonDict | None:
        """Any stored view (modal, closed modal or home) by id, or None."""
        with self._lock:
            return self._public_view(view_id) if view_id in self._views else None

    def view_owner(self, view_id: str) -> str | None:
        """The user a view was opened/published for, or None."""
        with self._lock:
            return self._view_owner.get(view_id)

    # ============================================================ HTTP plumbing
    def _handle_http(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        response_prefix = f"/response/{self.team_id}/"
        token: str | None = None
        grant: JsonDict | None = None
        if parts.path.startswith("/api/"):
            method = parts.path[len("/api/") :]
            parsed = self._parse_args(parts.query, raw, content_type)
            args = dict(parsed) if parsed is not None else {}
            token = args.pop("token", None)
            authorization = handler.headers.get("Authorization")
            if authorization and authorization.lower().startswith("bearer "):
                token = authorization[len("bearer ") :].strip()
            if method in _TOKENLESS_METHODS:
                grant, args = _oauth_grant(args, authorization)
            target = self._route(method, token, grant)
            if target is not self:
                # Another workspace of the cloud: handled entirely by its fake.
                target._dispatch(handler, target._server, method, parsed, args, token, grant)
                return
        elif parts.path.startswith("/upload/") and handler.command == "POST":
            answer = self._receive_upload(parts.path[len("/upload/") :], raw)
            call = self._record(
                "file_upload", {"bytes": len(raw)}, answer.status, answer.body, parts.path
            )
            self._notify_listeners(call)
            self._send(handler, answer)
            return
        elif parts.path.startswith(response_prefix) and handler.command == "POST":
            method = "response_url"
            parsed = self._parse_response_body(raw, content_type)
            args = parsed if parsed is not None else {}
        else:
            self._send(handler, _Answer(404, _error("not_found")))
            return
        self._dispatch(handler, handler.server, method, parsed, args, token, grant)

    def _dispatch(
        self,
        handler: BaseHTTPRequestHandler,
        server: Any,
        method: str,
        parsed: JsonDict | None,
        args: JsonDict,
        token: str | None,
        grant: JsonDict | None,
    ) -> None:
        """Hold, answer, record and send one request (of this fake's workspace).

        ``server``: the HTTP server whose stopping drops a held request (this
        fake's own, also for a request routed here from a joined fake's URL).
        """
        path = urlsplit(handler.path).path
        if self._latency and method != "response_url":
            time.sleep(self._latency)  # the network's and Slack's time, before Slack acts
        hold = self._catch(method, args)
        if hold is not None and not self._await_hold(hold, server):
            call = self._record(method, args, 0, {}, path)
            self._hold_finished(hold)
            self._notify_listeners(call)
            handler.close_connection = True  # close without writing anything
            return
        if method == "response_url":
            response_prefix = f"/response/{self.team_id}/"
            answer, call = self._handle_response_url(path[len(response_prefix) :], parsed, path)
        else:
            answer, call = self._handle_api(method, parsed, args, token, path, grant)
        if hold is not None:
            self._hold_finished(hold)
        self._notify_listeners(call)
        if self._send(handler, answer):
            with self._lock:
                callbacks = list(self._after_response)
            for callback in callbacks:
                try:
                    callback(call)
                except Exception:
                    traceback.print_exc()

    def _route(self, method: str, token: str | None, grant: JsonDict | None) -> FakeSlack:
        """The fake of the cloud (see :meth:`join`) that answers this Web API call.

        This fake when it knows the token/code/refresh token or no joined fake
        does; otherwise the joined fake that issued it.
        """
        cloud = self._cloud
        if len(cloud) == 1:
            return self
        if grant is not None:
            code, refresh = grant.get("code"), grant.get("refresh_token")

            def owns(fake: FakeSlack) -> bool:
                with fake._lock:
                    return code in fake._codes or refresh in fake._refresh_tokens

        elif token:

            def owns(fake: FakeSlack) -> bool:
                with fake._lock:
                    return token in fake._tokens

        else:
            return self
        if owns(self):
            return self
        return next((fake for fake in cloud if fake is not self and owns(fake)), self)

    def _notify_listeners(self, call: Call) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(call)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, answer: _Answer) -> bool:
        """Write ``answer``; returns False when the client has gone away."""
        data = answer.payload()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:  # the client closed the connection (e.g. it timed out)
            handler.close_connection = True
            return False
        return True

    def _catch(self, method: str, args: JsonDict) -> Hold | None:
        """Register the request with the first hold waiting for ``method``, if any."""
        with self._cond:
            holds = self._holds.get(method)
            if not holds:
                return None
            hold = next((h for h in holds if h.when is None or h.when(args)), None)
            if hold is None:
                return None
            hold._arrived.append(copy.deepcopy(args))
            if len(hold._arrived) >= hold.count:
                holds.remove(hold)
                if not holds:
                    del self._holds[method]
            self._cond.notify_all()
            return hold

    def _await_hold(self, hold: Hold, server: Any) -> bool:
        """Block until the hold is decided; True to process, False to drop."""
        with self._cond:
            while hold._decision is None and self._server is server:
                self._cond.wait()
            return hold._decision == _RELEASE

    def _hold_finished(self, hold: Hold) -> None:
        with self._cond:
            hold._finished += 1
            self._cond.notify_all()

    def _take_injected_http(self, method: str, args: JsonDict) -> _Answer | None:
        with self._lock:
            return _take_matching(self._injected_http.get(method), args)

    def _record(self, method: str, args: JsonDict, status: int, body: JsonDict, path: str) -> Call:
        call = Call(
            method=method,
            args=copy.deepcopy(args),
            response=copy.deepcopy(body),
            timestamp=time.time(),
            status=status,
            path=path,
        )
        with self._cond:
            self._calls.append(call)
            if status == 200 and body.get("ok"):
                self._accepted[method] += 1
            self._cond.notify_all()
        return call

    @staticmethod
    def _parse_args(query: str, raw: bytes, content_type: str) -> JsonDict | None:
        args: JsonDict = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if not raw:
            return args
        if content_type == "application/json":
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return None
            if not isinstance(body, dict):
                return None
            args.update(body)
        else:
            form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            args.update({k: v[-1] for k, v in form.items()})
        for key in _JSON_FIELDS:
            value = args.get(key)
            if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
                # An undecodable value stays a string; the method reports invalid_*_format.
                with contextlib.suppress(json.JSONDecodeError):
                    args[key] = json.loads(value)
        return args

    @staticmethod
    def _parse_response_body(raw: bytes, content_type: str) -> JsonDict | None:
        """Parse a response-URL POST (JSON, or a form with a ``payload`` field)."""
        try:
            if content_type == "application/x-www-form-urlencoded":
                form = parse_qs(raw.decode(), keep_blank_values=True)
                body = json.loads(form.get("payload", ["{}"])[-1])
            else:
                body = json.loads(raw.decode() or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _handle_api(
        self,
        method: str,
        parsed: JsonDict | None,
        args: JsonDict,
        token: str | None,
        path: str,
        grant: JsonDict | None = None,
    ) -> tuple[_Answer, Call]:
        """Answer one Web API call; ``args`` are recorded as they are (``oauth.v2.access``:
        redacted), ``grant`` holds its secrets (see :func:`_oauth_grant`)."""
        injected = self._take_injected_http(method, args)
        if injected is not None:
            return injected, self._record(method, args, injected.status, injected.body, path)
        tokenless = method in _TOKENLESS_METHODS
        if method not in self._methods:
            body = _error("unknown_method", req_method=method)
        elif parsed is None:
            body = _error("invalid_json")
        elif not token and not tokenless:
            body = _error("not_authed")
        else:
            with self._lock:
                refused = None if tokenless else self._token_error(str(token))
                if refused is None and not tokenless:
                    refused = self._auth_error
                if refused is not None:
                    body = _error(refused)
                elif (error := _take_matching(self._injected.get(method), args)) is not None:
                    body = copy.deepcopy(error)
                else:
                    limited = self._rate_limit(method, args)
                    if limited is not None:
                        return limited, self._record(method, args, 429, limited.body, path)
                    body = self._call_method(method, {**args, **grant} if grant else args)
        return _Answer(200, body), self._record(method, args, 200, body, path)

    def _token_error(self, token: str) -> str | None:
        """Why ``token`` may not call this workspace's Web API, or None (under the lock)."""
        entry = self._tokens.get(token)
        if entry is None:
            return "invalid_auth"
        if entry.revoked:
            return "token_revoked"
        if entry.expires_at is not None and self.wall() >= entry.expires_at:
            return "token_expired"
        return None

    def _call_method(self, method: str, args: JsonDict) -> JsonDict:
        """Run a method implementation (under the lock), consuming rate-limit budget if ok."""
        limiter = self._limiter
        now = self.clock() if limiter is not None and method in limiter.methods else None
        try:
            body = self._methods[method](args)
        except Exception as exc:  # a bug in the fake: answer like Slack, keep serving
            traceback.print_exc()
            return _error("fatal_error", detail=repr(exc))
        if limiter is not None and now is not None and body.get("ok"):
            limiter.consume(method, self._rate_key(args), now)
        return body

    def _rate_limit(self, method: str, args: JsonDict) -> _Answer | None:
        """The 429 answer if the rate limiter refuses this call now, else None (under the lock)."""
        limiter = self._limiter
        if limiter is None or method not in limiter.methods:
            return None
        wait = limiter.wait(method, self._rate_key(args), self.clock())
        if wait <= _EPSILON:
            return None
        self._rate_limited[method] += 1
        retry_after = max(1, math.ceil(wait - _EPSILON))
        return _Answer(429, _error("ratelimited"), {"Retry-After": str(retry_after)})

    def _rate_key(self, args: JsonDict) -> str | None:
        """The conversation id a call targets, without creating anything (None if unknown)."""
        channel = args.get("channel")
        if not isinstance(channel, str) or not channel:
            return None
        if channel[:1] in ("U", "W") and channel in self._users:
            return self.im_channel_id(channel)
        if channel in self._channels or channel.startswith("D"):
            return channel
        name = channel.lstrip("#")
        return next((c.id for c in self._channels.values() if not c.is_im and c.name == name), None)

    # ================================================================= helpers
    @staticmethod
    def _copy_channel(channel: FakeChannel) -> FakeChannel:
        return replace(channel, members=set(channel.members))

    def _next_ts(self) -> str:
        us = int(time.time() * 1_000_000)
        if us <= self._last_ts_us:
            us = self._last_ts_us + 1
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _random_id(self, taken: set[str]) -> str:
        while True:
            candidate = "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    def _fill_ids(self, blocks: list[JsonDict]) -> list[JsonDict]:
        """Deep-copy ``blocks`` and add the block_id/action_id Slack generates when omitted."""
        out = copy.deepcopy(blocks)
        taken = {b["block_id"] for b in out if isinstance(b, dict) and "block_id" in b}
        actions: set[str] = set()
        for block in out:
            if isinstance(block, dict) and "block_id" not in block:
                block["block_id"] = self._random_id(taken)
        for block in out:
            if not isinstance(block, dict):
                continue
            elements: list[Any] = []
            if isinstance(block.get("accessory"), dict):
                elements.append(block["accessory"])
            if isinstance(block.get("element"), dict):
                elements.append(block["element"])
            if block.get("type") == "actions":
                elements.extend(block.get("elements") or [])
            for el in elements:
                if isinstance(el, dict) and "action_id" not in el and el.get("type") != "image":
                    el["action_id"] = self._random_id(actions)
        return out

    def _ensure_im(self, user_id: str) -> FakeChannel:
        im_id = self.im_channel_id(user_id)
        channel = self._channels.get(im_id)
        if channel is None:
            channel = FakeChannel(
                id=im_id,
                name=user_id,
                is_private=True,
                is_im=True,
                members={user_id, self.bot_user_id},
                user=user_id,
            )
            self._channels[im_id] = channel
            self._messages.setdefault(im_id, [])
        return channel

    def _conversation_id(self, channel_id: str) -> str:
        """Map a user id to the bot's IM id; other ids are returned unchanged."""
        if channel_id[:1] in ("U", "W") and channel_id in self._users:
            return self.im_channel_id(channel_id)
        return channel_id

    def _lookup_conversation(self, channel: Any, *, allow_user: bool) -> FakeChannel | str:
        """Resolve a ``channel`` argument; returns the channel or an error name."""
        if not isinstance(channel, str) or not channel:
            return "channel_not_found"
        if allow_user and channel[:1] in ("U", "W") and channel in self._users:
            return self._ensure_im(channel)
        found = self._channels.get(channel)
        if found is None and channel.startswith("D"):
            for prefix in ("U", "W"):
                if prefix + channel[1:] in self._users:
                    found = self._ensure_im(prefix + channel[1:])
                    break
        if found is None:
            name = channel.lstrip("#")
            found = next(
                (c for c in self._channels.values() if not c.is_im and c.name == name), None
            )
        if found is None:
            return "channel_not_found"
        if found.is_private and not found.is_im and self.bot_user_id not in found.members:
            return "channel_not_found"  # private channels are invisible to non-members
        return found

    def _postable(self, args: JsonDict) -> FakeChannel | JsonDict:
        """Resolve the target of chat.post* and check that the bot may post there."""
        found = self._lookup_conversation(args.get("channel"), allow_user=True)
        if isinstance(found, str):
            return _error(found)
        if found.is_archived:
            return _error("is_archived")
        if found.is_im:
            other = self._users.get(found.user or "")
            if other is not None and other.is_bot and other.id != self.bot_user_id:
                return _error("cannot_dm_bot")
            # Slack accepts posts to a deactivated user's IM; see set_deactivated_dm_error.
            if other is not None and other.deleted and self._deactivated_dm_error:
                return _error(self._deactivated_dm_error)
        elif self.bot_user_id not in found.members:
            return _error("not_in_channel")
        return found

    def _content(self, args: JsonDict, *, require: bool = True) -> JsonDict | None:
        """Validate text/blocks/attachments arguments; returns an error response or None."""
        text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
        if blocks is not None and not isinstance(blocks, list):
            return _error("invalid_blocks_format")
        if attachments is not None and not isinstance(attachments, list):
            return _error("invalid_attachments")
        if require and not text and not blocks and not attachments:
            return _error("no_text")
        if isinstance(text, str) and len(text) > _MAX_TEXT:
            return _error("msg_too_long")
        if blocks:
            errors = validate_blocks(blocks, surface="message")
            if errors:
                return _invalid_blocks(errors)
        return None

    def _find_message(self, channel_id: str, ts: Any) -> Message | None:
        for msg in self._messages.get(channel_id, []):
            if msg.ts == ts:
                return msg
        return None

    # ================================================================ methods
    def _oauth_v2_access(self, args: JsonDict) -> JsonDict:
        """``oauth.v2.access``: exchange a code (``grant_type`` ``authorization_code``, the
        default) or a refresh token (``refresh_token``) for a bot token of this workspace."""
        if args.get("client_id") != self.client_id:
            return _error("invalid_client_id")
        if args.get("client_secret") != self.client_secret:
            return _error("bad_client_secret")
        grant_type = args.get("grant_type") or "authorization_code"
        if grant_type == "authorization_code":
            return self._exchange_code(args)
        if grant_type == "refresh_token":
            return self._refresh(args)
        return _error("invalid_grant_type")

    def _exchange_code(self, args: JsonDict) -> JsonDict:
        code = args.get("code")
        entry = self._codes.get(code) if isinstance(code, str) else None
        if entry is None or entry.used or self.clock() - entry.issued_at > _CODE_TTL:
            return _error("invalid_code")
        if entry.redirect_uri is not None and args.get("redirect_uri") != entry.redirect_uri:
            return _error("bad_redirect_uri")
        entry.used = True
        return self._issue(entry.scopes, entry.user_id, authed_user=True)

    def _refresh(self, args: JsonDict) -> JsonDict:
        token = args.get("refresh_token")
        entry = self._refresh_tokens.get(token) if isinstance(token, str) else None
        if entry is None or entry.used or entry.revoked:
            return _error("invalid_refresh_token")
        entry.used = True  # one use: a second refresh with it is refused
        self._refreshes += 1
        return self._issue(entry.scopes, entry.user_id, authed_user=False)

    def _issue(self, scopes: str, user_id: str, *, authed_user: bool) -> JsonDict:
        """Issue a bot token (and, with rotation, a refresh token): the success answer."""
        n = next(self._counter)
        access = f"xoxb-{self.team_id}-{n}-{secrets.token_hex(12)}"
        if self.token_rotation:
            access = f"xoxe.{access}"
        body: JsonDict = {
            "ok": True,
            "access_token": access,
            "token_type": "bot",
            "scope": scopes,
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if authed_user:
            body["authed_user"] = {"id": user_id}
        if self.token_rotation:
            refresh = f"xoxe-1-{self.team_id}-{n}-{secrets.token_hex(16)}"
            self._refresh_tokens[refresh] = _RefreshToken(scopes=scopes, user_id=user_id)
            self._tokens[access] = _BotToken(expires_at=self.wall() + self.token_ttl)
            body["refresh_token"] = refresh
            body["expires_in"] = round(self.token_ttl)
        else:
            self._tokens[access] = _BotToken(expires_at=None)
        self._issued.append(access)
        return body

    def _auth_test(self, args: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: JsonDict) -> JsonDict:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            return _error("user_not_found")
        return {"ok": True, "user": user.to_api()}

    def _conversations_info(self, args: JsonDict) -> JsonDict:
        found = self._lookup_conversation(args.get("channel"), allow_user=False)
        if isinstance(found, str):
            return _error(found)
        info = found.to_api(self.bot_user_id)
        if found.is_im:
            other = self._users.get(found.user or "")
            info["is_user_deleted"] = bool(other is not None and other.deleted)
        if _flag(args.get("include_num_members", False)) and not found.is_im:
            info["num_members"] = len(found.members)
        return {"ok": True, "channel": info}

    def _conversations_members(self, args: JsonDict) -> JsonDict:
        found = self._lookup_conversation(args.get("channel"), allow_user=False)
        if isinstance(found, str):
            return _error(found)
        try:
            limit = int(args.get("limit") or 100)
        except (TypeError, ValueError):
            return _error("invalid_limit")
        if limit < 1 or limit > 1000:
            return _error("invalid_limit")
        members = sorted(found.members)
        start = 0
        cursor = args.get("cursor")
        if cursor:
            try:
                decoded = base64.b64decode(str(cursor), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return _error("invalid_cursor")
            if not decoded.startswith("user:") or decoded[5:] not in members:
                return _error("invalid_cursor")
            start = members.index(decoded[5:])
        page = members[start : start + limit]
        rest = members[start + limit :]
        next_cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, args: JsonDict) -> JsonDict:
        if args.get("channel"):
            found = self._lookup_conversation(args["channel"], allow_user=False)
            if isinstance(found, str):
                return _error(found)
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": found.id}}
        users = args.get("users")
        if isinstance(users, str):
            user_ids = [u.strip() for u in users.split(",") if u.strip()]
        elif isinstance(users, list):
            user_ids = [str(u) for u in users]
        else:
            return _error("users_list_not_supplied")
        user_ids = [u for u in dict.fromkeys(user_ids) if u != self.bot_user_id]
        if not user_ids:
            return _error("users_list_not_supplied")
        if len(user_ids) > 8:
            return _error("too_many_users")
        for uid in user_ids:
            if uid not in self._users:
                return _error("user_not_found")
        # Slack documents user_disabled for conversations.open with a deactivated user.
        if any(self._users[uid].deleted for uid in user_ids):
            return _error("user_disabled")
        if len(user_ids) == 1:
            existed = self.im_channel_id(user_ids[0]) in self._channels
            channel = self._ensure_im(user_ids[0])
        else:
            digest = hashlib.sha1(",".join(sorted(user_ids)).encode()).hexdigest()[:9].upper()
            mpim_id = f"G{digest}"
            existed = mpim_id in self._channels
            channel = self._channels.get(mpim_id) or FakeChannel(
                id=mpim_id,
                name="mpdm-" + "--".join(self._users[u].name for u in sorted(user_ids)) + "-1",
                is_private=True,
                is_mpim=True,
                members={*user_ids, self.bot_user_id},
            )
            self._channels[mpim_id] = channel
            self._messages.setdefault(mpim_id, [])
        body: JsonDict = {"ok": True}
        if existed:
            body.update(no_op=True, already_open=True)
        body["channel"] = (
            channel.to_api(self.bot_user_id)
            if _flag(args.get("return_im", False))
            else {"id": channel.id}
        )
        return body

    def _chat_post_message(self, args: JsonDict) -> JsonDict:
        target = self._postable(args)
        if isinstance(target, dict):
            return target
        problem = self._content(args)
        if problem:
            return problem
        blocks = args.get("blocks")
        metadata = args.get("metadata")
        msg = Message(
            channel=target.id,
            ts=self._next_ts(),
            text=str(args.get("text") or ""),
            blocks=self._fill_ids(blocks) if blocks is not None else None,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            app_id=self.app_id,
            team=self.team_id,
            thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
            metadata=metadata if isinstance(metadata, dict) else None,
            attachments=args.get("attachments"),
        )
        self._messages.setdefault(target.id, []).append(msg)
        return {"ok": True, "channel": target.id, "ts": msg.ts, "message": msg.to_api()}

    def _chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        target = self._postable(args)
        if isinstance(target, dict):
            return target
        user_id = args.get("user")
        if not isinstance(user_id, str) or user_id not in self._users:
            return _error("user_not_found")
        if user_id not in target.members:
            return _error("user_not_in_channel")
        problem = self._content(args)
        if problem:
            return problem
        blocks = args.get("blocks")
        ephemeral = Ephemeral(
            channel=target.id,
            user=user_id,
            ts=self._next_ts(),
            text=str(args.get("text") or ""),
            blocks=self._fill_ids(blocks) if blocks is not None else None,
            source="chat.postEphemeral",
            thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
        )
        self._ephemerals.append(ephemeral)
        return {"ok": True, "message_ts": ephemeral.ts}

    def _editable(self, args: JsonDict, denied: str) -> Message | JsonDict:
        found = self._lookup_conversation(args.get("channel"), allow_user=False)
        if isinstance(found, str):
            return _error(found)
        msg = self._find_message(found.id, args.get("ts"))
        if msg is None or msg.deleted:
            return _error("message_not_found")
        if msg.user != self.bot_user_id:
            return _error(denied)
        return msg

    def _chat_update(self, args: JsonDict) -> JsonDict:
        msg = self._editable(args, "cant_update_message")
        if isinstance(msg, dict):
            return msg
        problem = self._content(args)
        if problem:
            return problem
        if "text" in args:
            msg.text = str(args.get("text") or "")
        if "blocks" in args:
            blocks = args.get("blocks")
            msg.blocks = self._fill_ids(blocks) if blocks else None
        if "attachments" in args:
            msg.attachments = args.get("attachments")
        if isinstance(args.get("metadata"), dict):
            msg.metadata = args["metadata"]
        msg.edited = True
        msg.edited_ts = self._next_ts()
        return {
            "ok": True,
            "channel": msg.channel,
            "ts": msg.ts,
            "text": msg.text,
            "message": msg.to_api(),
        }

    def _chat_delete(self, args: JsonDict) -> JsonDict:
        msg = self._editable(args, "cant_delete_message")
        if isinstance(msg, dict):
            return msg
        msg.deleted = True
        return {"ok": True, "channel": msg.channel, "ts": msg.ts}

    def _chat_get_permalink(self, args: JsonDict) -> JsonDict:
        """``chat.getPermalink``: a message's link; a thread reply's carries ``thread_ts`` and
        ``cid`` (Slack's documented formats)."""
        found = self._lookup_conversation(args.get("channel"), allow_user=False)
        if isinstance(found, str):
            return _error(found)
        msg = self._find_message(found.id, args.get("message_ts"))
        if msg is None or msg.deleted:
            return _error("message_not_found")
        link = (
            f"https://{self.team_domain}.slack.com/archives/{found.id}/p{msg.ts.replace('.', '')}"
        )
        if msg.thread_ts and msg.thread_ts != msg.ts:
            link += f"?thread_ts={msg.thread_ts}&cid={found.id}"
        return {"ok": True, "channel": found.id, "permalink": link}

    # ------------------------------------------------------------------ views
    def _check_trigger(self, trigger_id: Any) -> _Trigger | str:
        trigger = self._triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            return "invalid_trigger_id"
        if trigger.used:
            return "exchanged_trigger_id"
        if self.clock() - trigger.issued_at > self.trigger_ttl:
            return "expired_trigger_id"
        return trigger

    def _checked_view(
        self, view: Any, expected_type: str, *, replacing: str | None = None
    ) -> Mapping[str, Any] | JsonDict:
        """Validate a view argument; returns the view or an error response (has ``"ok"``)."""
        if not isinstance(view, Mapping):
            return _invalid_arguments(["must be a view object [json-pointer:/view]"])
        errors = validate_view(view)
        if not errors and view.get("type") != expected_type:
            errors = [f"must be {expected_type} [json-pointer:/view/type]"]
        if errors:
            return _invalid_arguments(errors)
        external_id = view.get("external_id")
        if external_id and any(
            existing.get("external_id") == external_id and vid != replacing
            for vid, existing in self._views.items()
        ):
            return _error("duplicate_external_id")
        return view

    def _store_view(
        self,
        view: Mapping[str, Any],
        owner: str,
        *,
        view_id: str | None = None,
        previous_view_id: str | None = None,
        root_view_id: str | None = None,
    ) -> JsonDict:
        # Unique across workspaces, as Slack's are (the team's last characters first).
        vid = view_id or f"V{self.team_id[-4:]}{next(self._counter):06d}"
        stored: JsonDict = {
            "id": vid,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": self._fill_ids(list(view.get("blocks") or [])),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": copy.deepcopy(view.get("title")),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or vid,
            "app_id": self.app_id,
            "external_id": view.get("external_id") or "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if "submit_disabled" in view:
            stored["submit_disabled"] = bool(view["submit_disabled"])
        self._views[vid] = stored
        self._view_owner[vid] = owner
        return stored

    def _replace_view(self, view_id: str, view: Mapping[str, Any]) -> JsonDict:
        old = self._views[view_id]
        stored = self._store_view(
            view,
            self._view_owner[view_id],
            view_id=view_id,
            previous_view_id=old.get("previous_view_id"),
            root_view_id=old.get("root_view_id"),
        )
        # Slack keeps what users entered in inputs that survive the update.
        remembered = self._view_state.get(view_id, {})
        keep: dict[str, dict[str, JsonDict]] = {}
        for block, el in iter_elements(stored["blocks"]):
            bid, aid = block.get("block_id"), el.get("action_id")
            if bid in remembered and aid in remembered[bid]:
                keep.setdefault(bid, {})[aid] = remembered[bid][aid]
        self._view_state[view_id] = keep
        return stored

    def _public_view(self, view_id: str) -> JsonDict:
        """A copy of a stored view whose ``state`` holds the remembered element state."""
        view = copy.deepcopy(self._views[view_id])
        view["state"] = {"values": copy.deepcopy(self._view_state.get(view_id, {}))}
        return view

    def _view_response(self, view_id: str) -> JsonDict:
        return {"ok": True, "view": self._public_view(view_id)}

    def _views_open(self, args: JsonDict) -> JsonDict:
        trigger = self._check_trigger(args.get("trigger_id"))
        if isinstance(trigger, str):
            return _error(trigger)
        view = self._checked_view(args.get("view"), "modal")
        if "ok" in view:
            return dict(view)
        trigger.used = True
        stored = self._store_view(view, trigger.user_id)
        self._stacks[trigger.user_id] = [stored["id"]]
        return self._view_response(stored["id"])

    def _views_push(self, args: JsonDict) -> JsonDict:
        trigger = self._check_trigger(args.get("trigger_id"))
        if isinstance(trigger, str):
            return _error(trigger)
        view = self._checked_view(args.get("view"), "modal")
        if "ok" in view:
            return dict(view)
        stack = self._stacks.setdefault(trigger.user_id, [])
        if len(stack) >= _MAX_VIEW_STACK:
            return _error("push_limit_reached")
        trigger.used = True
        previous = stack[-1] if stack else None
        root = self._views[stack[0]]["root_view_id"] if stack else None
        stored = self._store_view(
            view, trigger.user_id, previous_view_id=previous, root_view_id=root
        )
        stack.append(stored["id"])
        return self._view_response(stored["id"])

    def _views_update(self, args: JsonDict) -> JsonDict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            return _invalid_arguments(["view_id or external_id is required"])
        if view_id:
            target = view_id if view_id in self._views else None
        else:
            target = next(
                (vid for vid, v in self._views.items() if v.get("external_id") == external_id),
                None,
            )
        if target is None or not self._is_open(target):
            return _error("not_found")  # as Slack answers for a modal closed meanwhile
        if args.get("hash") and args["hash"] != self._views[target]["hash"]:
            return _error("hash_conflict")
        view = self._checked_view(args.get("view"), self._views[target]["type"], replacing=target)
        if "ok" in view:
            return dict(view)
        self._replace_view(target, view)
        return self._view_response(target)

    def _is_open(self, view_id: str) -> bool:
        """A Home tab is always there; a modal only while it is in its user's stack."""
        if self._views[view_id].get("type") != "modal":
            return True
        return any(view_id in stack for stack in self._stacks.values())

    # ================================================================ files
    def _files_get_upload_url(self, args: JsonDict) -> JsonDict:
        """``files.getUploadURLExternal``: a URL on this fake to POST the bytes to, and the id
        ``files.completeUploadExternal`` finishes the upload with."""
        filename = args.get("filename")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if not isinstance(filename, str) or not filename.strip():
            return _invalid_arguments(["[ERROR] missing required field: filename"])
        if length <= 0:
            return _invalid_arguments(["[ERROR] missing required field: length"])
        alt_txt = args.get("alt_txt")
        if isinstance(alt_txt, str) and len(alt_txt) > 1000:
            return _error("alt_txt_too_large")  # "longer than the limit of 1000 characters"
        file_id = f"F{next(self._counter):010d}"
        self._files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "length": length,
            "content": None,
            "alt_txt": alt_txt if isinstance(alt_txt, str) else None,
        }
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, raw: bytes) -> _Answer:
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return _Answer(404, _error("not_found"))
            upload["content"] = raw
        return _Answer(200, {"ok": True})

    def _files_complete_upload(self, args: JsonDict) -> JsonDict:
        """``files.completeUploadExternal``: the uploaded files, shared in ``channel_id`` (a
        message with the files and the ``initial_comment``), or kept private without one."""
        raw = args.get("files")
        try:
            wanted = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return _invalid_arguments(["[ERROR] files: not JSON"])
        if not isinstance(wanted, list) or not wanted:
            return _invalid_arguments(["[ERROR] missing required field: files"])
        shared: list[JsonDict] = []
        for item in wanted:
            upload = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if upload is None or upload["content"] is None:
                return _error("file_not_found")
            if item.get("title"):
                upload["title"] = str(item["title"])
            shared.append({k: upload[k] for k in ("id", "name", "title", "alt_txt") if upload[k]})
        targets = [str(args["channel_id"])] if args.get("channel_id") else []
        if not targets and isinstance(args.get("channels"), str):
            # Channel ids or user ids (a user id: the bot's DM with them), comma-separated.
            targets = [c.strip() for c in args["channels"].split(",") if c.strip()]
        for channel_id in targets:
            target = self._postable({"channel": channel_id})
            if isinstance(target, dict):
                return target
            comment = args.get("initial_comment")
            msg = Message(
                channel=target.id,
                ts=self._next_ts(),
                text=str(comment or ""),
                blocks=None,
                user=self.bot_user_id,
                bot_id=self.bot_id,
                app_id=self.app_id,
                team=self.team_id,
                files=copy.deepcopy(shared),
            )
            self._messages.setdefault(target.id, []).append(msg)
        return {"ok": True, "files": shared}

    def file_content(self, file_id: str) -> bytes | None:
        """What was uploaded for ``file_id`` (tests read a shared file back)."""
        with self._lock:
            upload = self._files.get(file_id)
            return None if upload is None else upload["content"]

    def _views_publish(self, args: JsonDict) -> JsonDict:
        user_id = args.get("user_id")
        if not isinstance(user_id, str) or user_id not in self._users:
            return _error("user_not_found")
        existing = self._homes.get(user_id)
        if args.get("hash") and existing and args["hash"] != self._views[existing]["hash"]:
            return _error("hash_conflict")
        view = self._checked_view(args.get("view"), "home", replacing=existing)
        if "ok" in view:
            return dict(view)
        if existing:
            self._replace_view(existing, view)
        else:
            existing = self._store_view(view, user_id)["id"]
            self._homes[user_id] = existing
        return self._view_response(existing)

    # ========================================================== response URLs
    def _handle_response_url(
        self, token: str, parsed: JsonDict | None, path: str
    ) -> tuple[_Answer, Call]:
        body: JsonDict = parsed if parsed is not None else {}
        answer = self._take_injected_http("response_url", body)
        if answer is None:
            if parsed is None:
                answer = _Answer(400, _error("invalid_payload"))
            else:
                with self._lock:
                    answer = _Answer(*self._respond(token, body))
        with self._lock:
            entry = self._response_urls.get(token)
            self._response_posts.append(
                ResponseUrlPost(
                    url=entry.url if entry else path,
                    body=copy.deepcopy(body),
                    channel_id=entry.channel_id if entry else None,
                    user_id=entry.user_id if entry else None,
                    message_ts=entry.message_ts if entry else None,
                    accepted=answer.status == 200 and bool(answer.body.get("ok")),
                    timestamp=time.time(),
                )
            )
        return answer, self._record("response_url", body, answer.status, answer.body, path)

    def _respond(self, token: str, body: JsonDict) -> _Result:
        entry = self._response_urls.get(token)
        if entry is None:
            return 404, _error("no_service")
        if self.clock() - entry.issued_at > self.response_url_ttl:
            return 404, _error("expired_url")
        if entry.uses >= self.response_url_max_uses:
            return 404, _error("used_url")
        blocks = body.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list):
                return 400, _error("invalid_blocks_format")
            errors = validate_blocks(blocks, surface="message")
            if errors:
                return 400, _invalid_blocks(errors)
        delete = _flag(body.get("delete_original", False))
        if not delete and not body.get("text") and not blocks:
            return 400, _error("no_text")
        entry.uses += 1
        text = str(body.get("text") or "")
        filled = self._fill_ids(blocks) if blocks is not None else None
        original_eph = self._original_ephemeral(entry)
        original_msg = self._original_message(entry)
        if delete:
            if original_eph is not None:
                original_eph.deleted = True
            elif original_msg is not None:
                original_msg.deleted = True
            return 200, {"ok": True}
        if _flag(body.get("replace_original", False)) and (original_eph or original_msg):
            target = original_eph or original_msg
            assert target is not None
            target.text, target.blocks = text, filled
            return 200, {"ok": True}
        if entry.channel_id is None:
            return 404, _error("channel_not_found")
        thread_ts = body.get("thread_ts") or entry.thread_ts
        if body.get("response_type") == "in_channel":
            channel = self._lookup_conversation(entry.channel_id, allow_user=True)
            channel_id = channel.id if isinstance(channel, FakeChannel) else entry.channel_id
            msg = Message(
                channel=channel_id,
                ts=self._next_ts(),
                text=text,
                blocks=filled,
                user=self.bot_user_id,
                bot_id=self.bot_id,
                app_id=self.app_id,
                team=self.team_id,
                thread_ts=thread_ts,
            )
            self._messages.setdefault(channel_id, []).append(msg)
        else:
            self._ephemerals.append(
                Ephemeral(
                    channel=entry.channel_id,
                    user=entry.user_id or "",
                    ts=self._next_ts(),
                    text=text,
                    blocks=filled,
                    source="response_url",
                    thread_ts=thread_ts,
                )
            )
        return 200, {"ok": True}

    def _original_ephemeral(self, entry: _ResponseUrl) -> Ephemeral | None:
        if not entry.is_ephemeral or entry.message_ts is None:
            return None
        for e in self._ephemerals:
            if e.channel == entry.channel_id and e.ts == entry.message_ts and not e.deleted:
                return e
        return None

    def _original_message(self, entry: _ResponseUrl) -> Message | None:
        if entry.is_ephemeral or entry.message_ts is None or entry.channel_id is None:
            return None
        msg = self._find_message(entry.channel_id, entry.message_ts)
        return msg if msg is not None and not msg.deleted else None
