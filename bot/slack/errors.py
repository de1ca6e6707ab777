"""What a failed Slack Web API call means: one classification, for the scheduler's sender and
everything else the app sends (``bot.domain.delivery`` decides what each outcome leads to)."""

from __future__ import annotations

import http.client
import socket
import urllib.error
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.domain import delivery as dv

#: Errors raised below the Web API: the request may never have left, or its answer was lost.
NETWORK_ERRORS = (
    urllib.error.URLError,
    TimeoutError,
    ConnectionError,
    http.client.HTTPException,
    OSError,
)


def retry_after(exc: SlackApiError) -> timedelta:
    """Slack's ``Retry-After`` (at least a second; 30 s when it is missing or unreadable)."""
    headers = getattr(exc.response, "headers", None) or {}
    raw = None
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            raw = value
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if raw is None:
        return timedelta(seconds=30)
    try:
        return timedelta(seconds=max(1.0, float(raw)))
    except (TypeError, ValueError):
        return timedelta(seconds=30)


def network_outcome(exc: BaseException) -> dv.Outcome:
    """Connection refused: Slack never saw the call (retry). Anything after the request left
    (a timeout, a reset, no answer): Slack may have acted on it (ambiguous)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return dv.Outcome.TRANSIENT
    return dv.Outcome.AMBIGUOUS


def api_outcome(exc: SlackApiError) -> tuple[dv.Outcome, dict[str, Any]]:
    """The outcome of a call Slack answered with an error, and what to record with it (the
    error code as the reason; Retry-After for a 429)."""
    error = exc.response.get("error") if hasattr(exc.response, "get") else None
    status = getattr(exc.response, "status_code", None)
    outcome = dv.classify(error, status)
    extra: dict[str, Any] = {"reason": str(error or f"http {status}")[:64]}
    if outcome == dv.Outcome.RATE_LIMITED:
        extra["retry_after"] = retry_after(exc)
    return outcome, extra


def error_code(exc: SlackApiError) -> str | None:
    """Slack's error code of a failed call (``channel_not_found``...), never message text."""
    return exc.response.get("error") if hasattr(exc.response, "get") else None
