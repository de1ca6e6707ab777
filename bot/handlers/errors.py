"""Failures: log what failed (never what anyone wrote) and tell the user kindly.

Listeners are wrapped in :func:`guarded`, so no exception ever escapes into Bolt: when a listener
raises after ``ack()``, Bolt's thread runner replaces the acknowledged response with ``None``
and may answer Slack 404 ("unhandled") or 500. ``app.error`` remains the last resort for
failures outside listeners (middleware).
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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


#: How long the request thread waits for a listener's ``ack()`` (Slack gives up after 3 s).
ACK_WAIT_SECONDS = 2.8

# Listeners run here; the request thread answers Slack as soon as they ack, and the rest of
# their work (the answer after the ack: modals, messages, Home tabs) continues on this pool.
_after_ack = ThreadPoolExecutor(max_workers=32, thread_name_prefix="als-listener")


class _SignallingAck:
    """Bolt's ``ack``, plus an event the request thread waits on (no polling)."""

    def __init__(self, ack: Ack) -> None:
        self._ack = ack
        self.answered = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._ack(*args, **kwargs)
        finally:
            self.answered.set()

    @property
    def response(self) -> Any:
        return self._ack.response


def _run_reporting(listener: Callable[..., None], kwargs: dict[str, Any]) -> None:
    try:
        listener(**kwargs)
    except Exception as exc:
        report_failure(exc, kwargs.get("body") or {}, kwargs.get("ack"))


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Run ``listener``; on an unexpected exception, report it instead of raising. The listener
    must take ``body`` (and ``ack`` where Slack expects one) for the report to reach the user.

    The app runs Bolt with ``process_before_response=True`` and this wrapper does the
    "answer first, work after" part itself: the listener runs on a worker thread and the
    request thread returns the moment it calls ``ack()`` (an event, where Bolt's own thread
    runner polls every 10 ms). Listeners without ``ack`` (events, acknowledged by Bolt) return
    at once and run in the background."""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        if ack is None:
            _after_ack.submit(_run_reporting, listener, kwargs)
            return
        signal = _SignallingAck(ack)
        kwargs["ack"] = signal
        done = _after_ack.submit(_run_reporting, listener, kwargs)
        done.add_done_callback(lambda _: signal.answered.set())
        signal.answered.wait(ACK_WAIT_SECONDS)

    return run


def handle_error(error: Exception, body: dict[str, Any]) -> None:
    report_failure(error, body)


def register(app: App) -> None:
    app.error(handle_error)
