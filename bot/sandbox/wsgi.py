"""The sandbox page's HTTP plumbing: its loopback server, and reading and answering requests.

The routing itself (which path goes where) is :meth:`bot.sandbox.server.Sandbox.wsgi`; what a
request reads and does is :mod:`bot.sandbox.pages` and :mod:`bot.sandbox.actions`. Everything
here is plain WSGI: a request the page should not have made raises :class:`ApiError`, answered
with its status and a one-line reason.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

JsonDict = dict[str, Any]
HOST = "127.0.0.1"
#: How often the server's loop looks for a shutdown request: ``shutdown()`` waits for the next
#: look, and ``serve_forever``'s default (0.5 s) added that to every stop.
POLL_SECONDS = 0.01


class ApiError(Exception):
    """A request the page should not have made; answered 400/403/404 with a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------------------ the server
class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def listen(port: int, app: Callable[..., Any]) -> WSGIServer:
    """A threading server for ``app`` bound to 127.0.0.1 (``port=0``: a free one), not yet
    serving: a port already taken fails here, before anything else is started."""
    return make_server(
        HOST, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )


def serve_in_thread(server: WSGIServer, name: str) -> threading.Thread:
    """``server`` serving on a daemon thread of its own; ``server.shutdown()`` stops it within
    :data:`POLL_SECONDS`."""
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_SECONDS},
        name=name,
        daemon=True,
    )
    thread.start()
    return thread


# ------------------------------------------------------------------------------ answers
def send(
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


def send_json(
    start_response: Callable[..., Any], status: int, body: Mapping[str, Any]
) -> list[bytes]:
    return send(start_response, status, json.dumps(body).encode(), "application/json")


# ------------------------------------------------------------------------------ requests
def read_json(environ: Mapping[str, Any]) -> JsonDict:
    """The request's body, a JSON object."""
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


def required(body: Mapping[str, Any], name: str) -> str:
    """The body's non-empty string ``name``."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name} is required")
    return value


def instant(body: Mapping[str, Any], tz: str, now: datetime) -> datetime:
    """``{"at": "2026-12-01T09:00", "tz": "Europe/London"}`` (a wall-clock time in that zone,
    default the person's) or ``{"advance_minutes": 60}``."""
    if body.get("advance_minutes") is not None:
        try:
            return now + timedelta(minutes=float(body["advance_minutes"]))
        except (TypeError, ValueError):
            raise ApiError(400, "advance_minutes must be a number") from None
    raw = required(body, "at")
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
