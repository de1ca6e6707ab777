"""Prometheus metrics of one app instance, served by the front door on ``GET /metrics``.

Each :class:`Metrics` owns its own ``CollectorRegistry`` (never prometheus_client's global
one), so several apps in one process (the tests) do not clash. What is measured:

- ``als_ack_seconds{surface}``: from a Slack request's arrival to its answer being ready
  (Slack gives up after 3 s);
- ``als_reminders_total{kind,outcome}``: reminders sent, retried, failed or skipped;
- ``als_scheduler_pass_seconds{pass}``: how long the minute's pass (``tick``) and the live
  pass (``live``) take;
- ``als_workspace_rows_deleted_total{table}``: rows deleted once an uninstalled workspace's
  grace period is over;
- ``als_reminders_due`` and ``als_workspaces_active``: read at scrape time from the callables
  given (a callable that fails is left out of that scrape, with one WARNING naming the
  exception's type).

Labels carry only fixed names (surfaces, reminder kinds, outcomes, tables): never ids or
anything people wrote. ``MetricsPage`` answers ``GET /metrics`` (the front door mounts it;
``serve_metrics`` serves it alone, for a process that has no front door).
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("bot.metrics")

#: Where a Slack request came from (``surface_of``).
SURFACES = (
    "command",
    "action",
    "view_submission",
    "view_closed",
    "event",
    "options",
    "shortcut",
    "other",
)
#: What became of a reminder.
REMINDER_OUTCOMES = ("sent", "retried", "failed", "skipped")
#: The scheduler's passes.
PASSES = ("tick", "live")
#: Seconds, around Slack's 3 s limit for an acknowledgement.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
#: Seconds: a live pass takes milliseconds, a tick up to its 50 s sending budget.
PASS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

_TYPES = {
    "block_actions": "action",
    "interactive_message": "action",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "block_suggestion": "options",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
}


def surface_of(body: Mapping[str, Any]) -> str:
    """Which surface a parsed Slack request body comes from (one of ``SURFACES``)."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    return _TYPES.get(kind, "other") if isinstance(kind, str) else "other"


def reminder_kind(kind: str) -> str:
    """A reminder kind as a label: ``moved:2`` (one row per move) counts as ``moved``."""
    return kind.split(":", 1)[0]


class _Gauges(Collector):
    """Gauges read when Prometheus scrapes, from the callables given."""

    def __init__(self, sources: Mapping[str, tuple[str, Callable[[], int] | None]]) -> None:
        self._sources = {name: (doc, read) for name, (doc, read) in sources.items() if read}

    def describe(self) -> Iterator[Metric]:
        for name, (doc, _) in self._sources.items():
            yield GaugeMetricFamily(name, doc)

    def collect(self) -> Iterator[Metric]:
        for name, (doc, read) in self._sources.items():
            try:
                value = read()
            except Exception as exc:  # one gauge left out of this scrape, never a 500
                log.warning("metric %s could not be read (%s)", name, type(exc).__name__)
                continue
            yield GaugeMetricFamily(name, doc, value=float(value))


class Metrics:
    """One app instance's metrics. ``backlog``: how many reminders are due and not yet sent;
    ``workspaces``: how many workspaces have the app installed (either left out when None)."""

    def __init__(
        self,
        backlog: Callable[[], int] | None = None,
        workspaces: Callable[[], int] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.ack_seconds = Histogram(
            "als_ack_seconds",
            "Seconds from a Slack request's arrival to its answer (Slack waits 3 s)",
            ["surface"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.reminders = Counter(
            "als_reminders_total",
            "Reminders handled by the scheduler, by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.scheduler_pass_seconds = Histogram(
            "als_scheduler_pass_seconds",
            "Seconds a scheduler pass took (tick: the minute's pass; live: live sessions)",
            ["pass"],
            buckets=PASS_BUCKETS,
            registry=self.registry,
        )
        self.retention_deleted = Counter(
            "als_workspace_rows_deleted_total",
            "Rows deleted after an uninstalled workspace's grace period, by table",
            ["table"],
            registry=self.registry,
        )
        self.retention_cleared = Counter(
            "als_retention_texts_cleared_total",
            "Member texts cleared by the retention pass (a set's last session long past), by table",
            ["table"],
            registry=self.registry,
        )
        self.forgotten = Counter(
            "als_forgotten_members_total",
            "Members erased (forget me), by who asked: the member, or an admin for a deleted user",
            ["by"],
            registry=self.registry,
        )
        # Every surface and pass is exported from the start (at 0), so a rate is never absent.
        for surface in SURFACES:
            self.ack_seconds.labels(surface=surface)
        for name in PASSES:
            self.scheduler_pass_seconds.labels(name)
        self.registry.register(
            _Gauges(
                {
                    "als_reminders_due": ("Reminders due and not yet sent", backlog),
                    "als_workspaces_active": ("Workspaces with the app installed", workspaces),
                }
            )
        )

    # -- recording ------------------------------------------------------------------------
    def observe_ack(self, surface: str, seconds: float) -> None:
        self.ack_seconds.labels(surface=surface if surface in SURFACES else "other").observe(
            seconds
        )

    def count_reminder(self, kind: str, outcome: str, amount: int = 1) -> None:
        """``outcome`` is one of ``REMINDER_OUTCOMES``."""
        if amount > 0:
            self.reminders.labels(kind=reminder_kind(kind), outcome=outcome).inc(amount)

    def count_deleted(self, table: str, rows: int) -> None:
        if rows > 0:
            self.retention_deleted.labels(table=table).inc(rows)

    def count_forgotten(self, by: str) -> None:
        """``by``: "self" or "admin"."""
        self.forgotten.labels(by=by).inc()

    def count_cleared(self, table: str, texts: int) -> None:
        if texts > 0:
            self.retention_cleared.labels(table=table).inc(texts)

    @contextmanager
    def timed_pass(self, name: str) -> Iterator[None]:
        """Times the block as a scheduler pass (``tick`` or ``live``), failed or not."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.scheduler_pass_seconds.labels(name).observe(time.perf_counter() - started)

    # -- serving --------------------------------------------------------------------------
    def render(self) -> tuple[bytes, str]:
        """The Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsPage:
    """``GET /metrics`` as a WSGI app: the front door mounts it, and a process without one
    (``als-bot scheduler``) can serve it alone (``serve_metrics``). With ``token``, only a
    request with ``Authorization: Bearer <token>`` is answered (compared in constant time);
    any other gets 401 with no detail."""

    def __init__(self, metrics: Metrics, token: str | None = None) -> None:
        self._metrics = metrics
        self._token = token.encode() if token else None

    def allowed(self, environ: Mapping[str, Any]) -> bool:
        if self._token is None:
            return True
        given = environ.get("HTTP_AUTHORIZATION")
        if not isinstance(given, str):
            return False
        scheme, _, value = given.strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(self._token, value.strip().encode("latin-1", "replace"))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", b"", "text/plain")
        if not self.allowed(environ):
            log.warning("refused a metrics scrape: no or wrong bearer token (401)")
            return _answer(
                start_response,
                "401 Unauthorized",
                b"",
                "text/plain",
                ("WWW-Authenticate", "Bearer"),
            )
        body, content_type = self._metrics.render()
        return _answer(start_response, "200 OK", body, content_type)


def _answer(
    start_response: Callable[..., Any],
    status: str,
    body: bytes,
    content_type: str,
    *extra: tuple[str, str],
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
    start_response(status, headers)
    return [body]


@dataclass
class MetricsServer:
    """A ``MetricsPage`` served on its own port, on a daemon thread."""

    port: int
    close: Callable[[], None]


def serve_metrics(page: MetricsPage, host: str, port: int) -> MetricsServer:
    """Serve ``page`` on ``host:port`` (``port`` 0: any free port) until ``close()``: for a
    process that answers no other HTTP (``als-bot scheduler``)."""
    from waitress.server import create_server

    server = create_server(page, host=host, port=port, threads=1, ident="als-bot")
    thread = threading.Thread(target=server.run, name="als-metrics", daemon=True)
    thread.start()

    def close() -> None:
        server.close()
        server.task_dispatcher.shutdown()

    return MetricsServer(port=int(server.effective_port), close=close)
