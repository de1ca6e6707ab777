"""The front door: the WSGI app ``als-bot serve`` runs (``POST /slack/events``, ``GET /healthz``
and, given metrics, ``GET /metrics``).

Anyone who can reach the public URL can send anything, so a request is checked in this order
before any of the app's code, or Bolt's, looks at what it says:

1. **Size**: a body over ``MAX_BODY`` is refused with 413 (Slack's payloads are far smaller).
2. **Signature**, on the raw bytes, as Slack documents it: a missing, non-numeric
   or stale ``X-Slack-Request-Timestamp`` (more than 5 minutes away), or a signature that does
   not match, is refused with 401.
3. **Parsing**, as Bolt parses: a signed body that is not UTF-8, not a JSON object, or whose
   envelope has fields of the wrong type (``enterprise: false``, ``event.user: -1``, an action
   without a string ``action_id``...: ``bot.web.envelope``) is refused with 400.

Only then does Bolt see the request. Each refusal is one WARNING line naming the reason, never
the content; nothing here answers 500.

Each request to ``/slack/events`` is handled inside ``bot.logs.log_context``: the lines logged
on its thread carry a request id and, once the body is verified and parsed, its workspace. The
time from its arrival to its answer being ready (the ack) is observed in
``Metrics.ack_seconds`` by surface, for the requests Bolt sees (refused ones are not timed).
``GET /metrics`` serves the metrics in Prometheus's text format (``bot.metrics.MetricsPage``:
with a token, only to ``Authorization: Bearer <token>``, compared in constant time; 401 with
no detail otherwise).
"""

from __future__ import annotations

import binascii
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from hashlib import sha256
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import unquote as urllib_unquote

from slack_bolt import App
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse

from bot.ids import RESPONSE_SENT
from bot.logs import log_context
from bot.metrics import Metrics, MetricsPage, surface_of
from bot.storage.db import Database
from bot.web.envelope import BAD_REQUEST, TOO_LARGE, UNAUTHORIZED, Refused, check_envelope

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

#: The largest body the front door reads (Slack's largest payloads, a full modal's state, are
#: a few hundred kB).
MAX_BODY = 2 * 1024 * 1024
#: An oversized body up to this size is read and dropped, so the client gets the 413 rather
#: than a reset connection; a larger one is not read at all.
MAX_DRAIN = 16 * 1024 * 1024
#: Slack's advice: refuse a request more than 5 minutes from now (a replay).
MAX_AGE = 5 * 60

log = logging.getLogger("bot.web")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


# -- 1. size --------------------------------------------------------------------------------
def read_body(environ: Mapping[str, Any]) -> bytes:
    raw_length = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not raw_length.isascii() or not raw_length.isdigit() or len(raw_length) > 12:
        raise Refused(BAD_REQUEST, "bad Content-Length")
    length = int(raw_length)
    stream = environ.get("wsgi.input")
    if length > MAX_BODY:
        if stream is not None and length <= MAX_DRAIN:
            left = length
            while left > 0:
                chunk = stream.read(min(left, 64 * 1024))
                if not chunk:
                    break
                left -= len(chunk)
        raise Refused(TOO_LARGE, f"body of {length} bytes")
    if stream is None or length == 0:
        return b""
    body: bytes = stream.read(length)
    return body


# -- 2. signature ---------------------------------------------------------------------------
def verify(secret: bytes, environ: Mapping[str, Any], body: bytes) -> None:
    """Slack's request signature (docs.slack.dev: "Verifying requests from Slack"), computed on
    the raw bytes as they arrived (slack_sdk's verifier decodes them as UTF-8 first, and fails
    on a body that is not)."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if not isinstance(timestamp, str) or not isinstance(signature, str):
        raise Refused(UNAUTHORIZED, "unsigned")
    # A timestamp is ASCII digits of a sensible length ("١٢٣" and "²" pass isdigit()).
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise Refused(UNAUTHORIZED, "bad timestamp")
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        raise Refused(UNAUTHORIZED, "stale timestamp")
    expected = (
        b"v0="
        + hmac.new(secret, b"v0:%s:%s" % (timestamp.encode(), body), sha256).hexdigest().encode()
    )
    if not hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
        raise Refused(UNAUTHORIZED, "bad signature")


# -- 3. parsing -----------------------------------------------------------------------------
def parse(body: bytes, content_type: str | None) -> tuple[str, dict[str, Any]]:
    """The body as text and as Bolt will read it (``slack_bolt.request.internals.parse_body``:
    JSON, ``payload=`` JSON in a form, or a form for slash commands)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(BAD_REQUEST, "body is not UTF-8") from None
    if not text:
        raise Refused(BAD_REQUEST, "empty body")
    kind = (content_type or "").split(";")[0].strip()
    try:
        if kind == "application/json" or text.startswith("{"):
            data: object = json.loads(text)
        elif text.startswith("payload=") and "&" not in text:  # an interaction: one field
            data = json.loads(unquote_plus(text[8:]))
        elif "payload" in text:
            form = dict(parse_qsl(text, keep_blank_values=True))
            data = json.loads(form["payload"]) if "payload" in form else {}
        else:
            data = dict(parse_qsl(text, keep_blank_values=True))
    except (ValueError, RecursionError):
        raise Refused(BAD_REQUEST, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refused(BAD_REQUEST, "body is not a JSON object")
    check_envelope(data, text)
    return text, data


_NOT_AN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def unquote_plus(value: str) -> str:
    """``urllib.parse.unquote_plus``, at C speed for what Slack sends. A ballot click's form is
    6 kB of JSON with a thousand escapes, which urllib decodes one by one in Python (a third of
    a millisecond, the front door's largest cost); quoted-printable decoding (``binascii``)
    decodes ``=XX`` the same way, so the escapes are turned into that. A value it would read
    otherwise (a bad escape, an ``=`` or a line break of its own, anything not ASCII) goes to
    urllib as before."""
    value = value.replace("+", " ")
    if "%" not in value:
        return value
    if (
        not value.isascii()
        or "=" in value
        or "\n" in value
        or "\r" in value
        or _NOT_AN_ESCAPE.search(value)
    ):
        return urllib_unquote(value)
    return binascii.a2b_qp(value.replace("%", "=").encode("ascii")).decode("utf-8", "replace")


# -- the WSGI app ---------------------------------------------------------------------------
def _answer(
    start_response: Callable[..., Any], status: str, body: bytes, content_type: str
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def front_door(
    bolt: App,
    db: Database,
    signing_secret: str,
    pages: Mapping[str, WsgiApp] | None = None,
    *,
    metrics: Metrics | None = None,
    metrics_token: str | None = None,
) -> WsgiApp:
    """The WSGI app served in production: ``POST /slack/events``, ``GET /healthz``, the
    ``pages`` read with GET under their path prefixes (the calendar feeds, composed in
    ``bot.app``: the front door knows nothing of what they are) and, given ``metrics``,
    ``GET /metrics`` (with ``metrics_token``, only for ``Authorization: Bearer <token>``)."""
    readable = dict(pages or {})
    secret = signing_secret.encode()
    scrape = MetricsPage(metrics, metrics_token) if metrics is not None else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        arrived = time.perf_counter()
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if method in ("GET", "HEAD") and isinstance(path, str):
            for prefix, page in readable.items():
                if path.startswith(prefix):
                    return page(environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = db.ping()
            body = json.dumps(
                {"status": "ok" if healthy else "unavailable", "database": healthy}
            ).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _answer(start_response, status, body, "application/json")
        if path == METRICS_PATH and method in ("GET", "HEAD") and scrape is not None:
            return scrape(environ, start_response)
        if path != EVENTS_PATH or method != "POST":
            return _answer(start_response, "404 Not Found", b"Not Found", "text/plain")
        request_id = uuid.uuid4().hex[:12]
        with log_context(request_id=request_id):
            try:
                raw = read_body(environ)
                verify(secret, environ, raw)
                text, data = parse(raw, environ.get("CONTENT_TYPE"))
                request = _parsed_request(text, data, environ)
            except Refused as refused:
                log.warning("refused a request: %s (%s)", refused.reason, refused.status[:3])
                return _answer(start_response, refused.status, b"", "text/plain")
            except Exception as exc:  # Bolt's own parsing: never a 500 or a traceback for a body
                log.warning(
                    "refused a request: Bolt could not read it (%s) (400)", type(exc).__name__
                )
                return _answer(start_response, BAD_REQUEST, b"", "text/plain")
        with log_context(request_id=request_id, team_id=team_of(data)):
            sent = threading.Event()
            request.context[RESPONSE_SENT] = sent
            try:
                response = bolt.dispatch(request)
            except Exception as exc:  # a backstop: Bolt answers listeners' failures itself
                log.error("could not answer a request (%s) (400)", type(exc).__name__)
                sent.set()
                _timed(metrics, data, arrived)
                return _answer(start_response, BAD_REQUEST, b"", "text/plain")
            _timed(metrics, data, arrived)
            return _Answer(start_bolt_response(start_response, response), sent)

    return application


def _timed(metrics: Metrics | None, data: Mapping[str, Any], arrived: float) -> None:
    """The ack's time, from the request's arrival to its answer being ready to write."""
    if metrics is not None:
        metrics.observe_ack(surface_of(data), time.perf_counter() - arrived)


def team_of(data: Mapping[str, Any]) -> str | None:
    """The workspace a (verified) request comes from, as an id fit for a log line: the
    envelope's ``team_id``, or ``team.id``, or ``user.team_id``."""
    team = data.get("team")
    user = data.get("user")
    for value in (
        data.get("team_id"),
        team.get("id") if isinstance(team, Mapping) else None,
        user.get("team_id") if isinstance(user, Mapping) else None,
    ):
        if isinstance(value, str) and 0 < len(value) <= 32 and value.isascii() and value.isalnum():
            return value
    return None


class _Answer:
    """A response body that tells when the server has written it: a WSGI server calls
    ``close()`` once it has sent the body (PEP 3333). A listener's work after its ack (sends,
    database writes) waits for that (``guard``), so it does not compete with the thread still
    writing the answer Slack is waiting for."""

    def __init__(self, body: bytes, sent: threading.Event) -> None:
        self._body = body
        self._sent = sent

    def __iter__(self) -> Iterator[bytes]:
        yield self._body

    def close(self) -> None:
        self._sent.set()


def _parsed_request(text: str, data: dict[str, Any], environ: Mapping[str, Any]) -> BoltRequest:
    """Bolt's request for a body the front door has parsed: Bolt would parse it again (for a
    ballot click, URL-decoding a 6 kB form and decoding its JSON a second time), so it gets the
    parsed body and the context built from it, as its constructor builds them."""
    request = BoltRequest(
        body="", query=environ.get("QUERY_STRING", ""), headers=bolt_headers(environ)
    )
    request.raw_body = text  # what Bolt's own signature check and lazy listeners read
    request.body = data
    request.context = build_context(BoltContext({}), data)
    return request


def start_bolt_response(start_response: Callable[..., Any], response: BoltResponse) -> bytes:
    """Start the WSGI answer of Bolt's response (its status, headers and length); its body."""
    headers = [(k, v) for k, values in response.headers.items() for v in values]
    body = response.body.encode("utf-8")
    if not any(k.lower() == "content-length" for k, _ in headers):
        headers.append(("Content-Length", str(len(body))))
    start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", headers)
    return body


_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    500: "Internal Server Error",
}


def bolt_headers(environ: Mapping[str, Any]) -> dict[str, str | Sequence[str]]:
    """A WSGI request's headers, as Bolt's request takes them."""
    headers: dict[str, str | Sequence[str]] = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = str(value)
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = str(value)
    return headers
