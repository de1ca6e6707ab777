"""Logging set-up. No user content in logs, at any level: the libraries write what passes
through them at DEBUG and INFO (slack_sdk every request and response body, slack_bolt the
payloads it routes, SQLAlchemy statements, parameters and rows, urllib3 URLs), and Bolt echoes
whole unhandled requests in a warning. So ``NoPayloadFilter``, on the handler, lets through
below WARNING only the app's own records (the ``bot`` loggers: ``LOG_LEVEL=DEBUG`` is for our
code), cuts payloads off the Slack libraries' warnings, and writes a library's traceback
without its exceptions' messages (a driver's error can quote a row; frames and types stay).
The app's own code logs exception types, not their messages (``guard.describe``); only the
sandbox, a local tool with made-up data, logs whole tracebacks.

Two formats (``setup_logging``): ``text``, one readable line per record, and ``json``, one JSON
object per line (``time`` in ISO 8601 UTC, ``level``, ``logger``, ``message``, and
``request_id`` / ``team_id`` when set) for a log collector. ``log_context`` names the request
and workspace being handled; every record logged inside it, on the same thread, carries them
(text: `` [req=... team=...]`` at the end of the line). Context variables do not follow work
handed to another thread: a listener's work after its ack logs without them.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

#: The app's own loggers: the only ones heard below WARNING.
_OURS = "bot"
_LIBRARIES = ("slack_bolt", "slack_sdk")

#: The log formats ``setup_logging`` knows.
FORMATS = ("text", "json")

#: Library warnings about what the app does on purpose: not worth an operator's attention.
_EXPECTED = (
    # The app gives Bolt its own WebClient; Bolt also finds SLACK_BOT_TOKEN in the environment.
    "As you gave `client` as well, `token` will be unused.",
)

_REQUEST_ID: ContextVar[str | None] = ContextVar("als_log_request_id", default=None)
_TEAM_ID: ContextVar[str | None] = ContextVar("als_log_team_id", default=None)


class NoPayloadFilter(logging.Filter):
    """Drops other loggers' records below WARNING; from WARNING up, strips payloads from the
    Slack libraries' messages and exception messages from any library's traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == _OURS or record.name.startswith(_OURS + "."):
            return True
        if record.levelno < logging.WARNING:
            return False
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = bare_traceback(record.exc_info[1])
            record.exc_info = None
        if not record.name.startswith(_LIBRARIES):
            return True
        message = record.getMessage()
        if message.startswith(_EXPECTED):
            return False
        first = message.split("\n", 1)[0]
        lowered = first.lower()
        cuts = [
            i for i in (first.find("{"), lowered.find("payload"), lowered.find("body")) if i >= 0
        ]
        if cuts or first != message:
            # Only what comes before the first sign of a payload (a JSON object, "body=...").
            head = first[: min(cuts, default=len(first))].rstrip(" ([:=")
            record.msg = f"{head} (payload not logged)"
            record.args = ()
        return True


def bare_traceback(error: BaseException) -> str:
    """A traceback of ``error`` and the exceptions it was raised from or while handling: the
    frames and the exceptions' types, not their messages (which may quote data)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        cause = current.__cause__
        current = cause if cause or current.__suppress_context__ else current.__context__
    parts = []
    for exc in reversed(chain):
        frames = traceback.format_list(traceback.extract_tb(exc.__traceback__))
        kind = type(exc)
        name = (
            kind.__qualname__
            if kind.__module__ == "builtins"
            else f"{kind.__module__}.{kind.__qualname__}"
        )
        parts.append(
            "Traceback (most recent call last):\n"
            + "".join(frames)
            + f"{name} (message not logged)"
        )
    return "\n\nwhich led to:\n\n".join(parts)


@contextmanager
def log_context(request_id: str | None = None, team_id: str | None = None) -> Iterator[None]:
    """Records logged inside (on this thread) carry this request's id and workspace."""
    request_token = _REQUEST_ID.set(request_id)
    team_token = _TEAM_ID.set(team_id)
    try:
        yield
    finally:
        _TEAM_ID.reset(team_token)
        _REQUEST_ID.reset(request_token)


class ContextFilter(logging.Filter):
    """Copies ``log_context``'s request id and workspace onto each record (``request_id``,
    ``team_id``; None outside any context). A value given with ``extra=`` is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _REQUEST_ID.get()
        if getattr(record, "team_id", None) is None:
            record.team_id = _TEAM_ID.get()
        return True


def _context(record: logging.LogRecord) -> dict[str, str]:
    found = {
        "request_id": getattr(record, "request_id", None),
        "team_id": getattr(record, "team_id", None),
    }
    return {key: str(value) for key, value in found.items() if value is not None}


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``, then `` [req=... team=...]`` when in a context; line
    breaks in the message are written ``\\n`` (a traceback follows on lines of its own)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        # One record, one line: a line break in a message (a warning quoting a request's path,
        # say) would let it write what reads as a line of its own.
        record.message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        line = super().formatMessage(record)  # a traceback, if any, is added after this
        context = _context(record)
        tags = [
            f"{tag}={context[key]}"
            for key, tag in (("request_id", "req"), ("team_id", "team"))
            if key in context
        ]
        return f"{line} [{' '.join(tags)}]" if tags else line


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # set by NoPayloadFilter
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry)


def setup_logging(level: int, fmt: str = "text", *, stream: TextIO | None = None) -> None:
    """Log to ``stream`` (default stderr) at ``level``, in ``fmt`` (``text`` or ``json``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(NoPayloadFilter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
