"""Failures: log what failed (never what anyone wrote) and tell the user kindly.

Listeners are wrapped in :func:`guarded`, so no exception ever escapes into Bolt: when a listener
raises after ``ack()``, Bolt's thread runner replaces the acknowledged response with ``None``
and may answer Slack 404 ("unhandled") or 500. ``app.error`` remains the last resort for
failures outside listeners (middleware).
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

log = logging.getLogger("bot.errors")

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


def describe(error: BaseException) -> str:
    """Exception type, Slack error code and where it happened: no message text, which could
    carry user content."""
    where = ""
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"
    code = ""
    if isinstance(error, SlackApiError):
        code = f" (slack error: {error.response.get('error')})"
    return f"{type(error).__name__}{code}{where}"


def report_failure(error: BaseException, body: dict[str, Any], ack: Ack | None = None) -> None:
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    log.error("listener failed for a %s request: %s", kind, describe(error))
    if ack is not None and ack.response is None:
        ack()
    url = body.get("response_url")
    if url:
        try:
            WebhookClient(url).send(text=SORRY, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # the user cannot be told; the failure is logged above
            log.warning("could not tell the user about the failure: %s", type(exc).__name__)


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Run ``listener``; on an unexpected exception, report it instead of raising. The listener
    must take ``body`` (and ``ack`` where Slack expects one) for the report to reach the user."""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception as exc:
            report_failure(exc, kwargs.get("body") or {}, kwargs.get("ack"))

    return run


def handle_error(error: Exception, body: dict[str, Any]) -> None:
    report_failure(error, body)


def register(app: App) -> None:
    app.error(handle_error)
