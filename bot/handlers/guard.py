"""Listeners never fail silently and never fail into Bolt.

Every listener runs in :meth:`ListenerPool.guarded`: no exception escapes into Bolt (when a
listener raises after ``ack()``, Bolt's runner would replace the acknowledged response and
answer Slack 404 or 500). What failed is logged (never what anyone wrote) and the person is
told kindly. The pool's threads are created and shut down with the app.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.ids import RESPONSE_SENT

log = logging.getLogger("bot.handlers")

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
#: How long the request thread waits for a listener's ``ack()`` (Slack gives up after 3 s).
ACK_WAIT_SECONDS = 2.8
#: The longest a listener waits, after its ack, for the answer to be written (normally well
#: under a millisecond).
SENT_WAIT_SECONDS = 0.5


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


class _SignallingAck:
    """Bolt's ``ack``, plus an event the request thread waits on (no polling). Once the answer
    is given, the listener goes on only when the server has written it (``sent``, set by the
    front door; at most ``SENT_WAIT_SECONDS``): its work after the ack would otherwise hold
    the interpreter while the request's thread is still sending the answer."""

    def __init__(self, ack: Ack, sent: threading.Event | None = None) -> None:
        self._ack = ack
        self._sent = sent
        self.answered = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._ack(*args, **kwargs)
        finally:
            self.answered.set()
            if self._sent is not None:
                self._sent.wait(SENT_WAIT_SECONDS)

    @property
    def response(self) -> Any:
        return self._ack.response


def _run_reporting(listener: Callable[..., None], kwargs: dict[str, Any]) -> None:
    try:
        listener(**kwargs)
    except Exception as exc:
        report_failure(exc, kwargs.get("body") or {}, kwargs.get("ack"))


class ListenerPool:
    """The threads listeners run on, created and shut down with the app.

    The app runs Bolt with ``process_before_response=True`` and :meth:`guarded` does the
    "answer first, work after" part itself: the listener runs on a worker and the request
    thread returns the moment it calls ``ack()`` (an event, where Bolt's own thread runner
    polls every 10 ms). Listeners without ``ack`` (events, acknowledged by Bolt) return at
    once and run in the background."""

    def __init__(self, workers: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="als-listener")
        self._lock = threading.Lock()
        self._running = 0

    def _submit(self, listener: Callable[..., None], kwargs: dict[str, Any]) -> Future[None]:
        with self._lock:
            self._running += 1
        # The request's log context (its request id and team id: ``bot.logs``) goes with it.
        done = self._pool.submit(contextvars.copy_context().run, _run_reporting, listener, kwargs)
        done.add_done_callback(self._finished)
        return done

    def _finished(self, _: Future[None]) -> None:
        with self._lock:
            self._running -= 1

    def idle(self) -> bool:
        """No listener is running or waiting to run (its work after the ack included)."""
        with self._lock:
            return self._running == 0

    def guarded(self, listener: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(listener)
        def run(**kwargs: Any) -> None:
            ack = kwargs.get("ack")
            if ack is None:
                self._submit(listener, kwargs)
                return
            context = kwargs.get("context") or {}
            signal = _SignallingAck(ack, context.get(RESPONSE_SENT))
            kwargs["ack"] = signal
            done = self._submit(listener, kwargs)
            done.add_done_callback(lambda _: signal.answered.set())
            signal.answered.wait(ACK_WAIT_SECONDS)

        return run

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
