"""GET /metrics: what the front door measures, who may read it, and gauges that fail."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import make_server

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import AlsBot
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.metrics import Metrics, MetricsPage, reminder_kind, serve_metrics, surface_of
from bot.web import front_door
from tests.conftest import FAC, SET_CHANNEL, SIGNING_SECRET, _QuietHandler, _ThreadingWSGIServer
from tests.helpers import create_set

TOKEN = "scrape-token-4b1d"
WRONG = "not-the-token-91c"


@dataclass
class Served:
    url: str
    driver: SlackDriver
    metrics: Metrics


def serve(app: Callable[..., Any]) -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    # shutdown() waits for the loop's next poll (default 0.5 s).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def broken() -> int:
    raise RuntimeError("the database went away")


@pytest.fixture
def served(als: AlsBot, slack: FakeSlack) -> Iterator[Served]:
    """The real app's front door, as ``AlsBot.wsgi`` builds it, with metrics behind a token;
    the reminder backlog gauge reads 7, the workspaces gauge fails."""
    metrics = Metrics(backlog=lambda: 7, workspaces=broken)
    app = front_door(als.bolt, als.db, SIGNING_SECRET, metrics=metrics, metrics_token=TOKEN)
    for url in serve(app):
        yield Served(url, SlackDriver(f"{url}/slack/events", SIGNING_SECRET, slack), metrics)


def scrape(url: str, authorization: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(f"{url}/metrics")
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample (by name and exactly these labels), or None when absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


def test_a_slash_command_is_timed_as_a_command(served: Served) -> None:
    assert served.driver.command(FAC, "help", channel_id=SET_CHANNEL).status == 200
    status, content_type, text = scrape(served.url, f"Bearer {TOKEN}")
    assert status == 200
    assert content_type.startswith("text/plain")
    assert 'als_ack_seconds_count{surface="command"} 1.0' in text
    assert sample(text, "als_ack_seconds_count", surface="command") == 1
    seconds = sample(text, "als_ack_seconds_sum", surface="command")
    assert seconds is not None and 0 < seconds < 3
    # Within Slack's 3 s: counted in the 3 s bucket.
    assert sample(text, "als_ack_seconds_bucket", surface="command", le="3.0") == 1
    assert sample(text, "als_ack_seconds_count", surface="action") == 0


def test_refused_requests_are_not_timed(served: Served) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T0", "event": {"type": "x"}})
    unsigned = served.driver.send_raw(body.encode(), {"Content-Type": "application/json"})
    assert unsigned.status == 401
    _, _, text = scrape(served.url, f"Bearer {TOKEN}")
    assert all(sample(text, "als_ack_seconds_count", surface=s) == 0 for s in ("event", "other"))


def test_metrics_need_the_bearer_token(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for authorization in (None, f"Bearer {WRONG}", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"):
        status, _, text = scrape(served.url, authorization)
        assert (status, text) == (401, ""), authorization
    assert scrape(served.url, f"Bearer {TOKEN}")[0] == 200
    assert scrape(served.url, f"bearer  {TOKEN} ")[0] == 200
    assert TOKEN not in caplog.text and WRONG not in caplog.text


def test_a_failing_gauge_is_left_out_not_a_500(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status, _, text = scrape(served.url, f"Bearer {TOKEN}")
    assert status == 200
    assert sample(text, "als_reminders_due") == 7
    assert sample(text, "als_workspaces_active") is None
    warnings = [r for r in caplog.records if r.name == "bot.metrics"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "RuntimeError" in warnings[0].getMessage()
    assert "went away" not in caplog.text  # the exception's type only


def test_no_metrics_no_route(als: AlsBot) -> None:
    """A front door without metrics: /metrics is not there, like any unknown path."""
    for url in serve(front_door(als.bolt, als.db, SIGNING_SECRET)):
        assert scrape(url)[0] == 404


def test_the_apps_own_metrics(
    app_url: str, driver: SlackDriver, als: AlsBot, clock: Any, slack: FakeSlack
) -> None:
    """``AlsBot.wsgi``, as ``serve`` runs it: its acks, its scheduler's reminders, and the
    gauges read from the database."""
    assert driver.command(FAC, "help", channel_id=SET_CHANNEL).status == 200
    create_set(driver, slack, cadence="1")
    als.ticker.tick(clock(), budget_seconds=5)  # the set's reminders are planned
    at = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # three awake members are due their prompt
    clock.set(at)
    _, _, before = scrape(app_url)
    assert sample(before, "als_reminders_due") == 3.0
    als.ticker.tick(at, budget_seconds=5)
    status, _, text = scrape(app_url)
    assert status == 200
    assert (sample(text, "als_ack_seconds_count", surface="command") or 0) >= 1
    assert (sample(text, "als_ack_seconds_count", surface="view_submission") or 0) >= 1
    sent = sample(text, "als_reminders_total", kind="prep_prompt", outcome="sent")
    assert sent == 3.0
    assert sample(text, "als_reminders_due") == 0.0
    assert sample(text, "als_workspaces_active") == 1.0


def test_without_a_token_metrics_are_open(als: AlsBot) -> None:
    metrics = Metrics(backlog=None, workspaces=lambda: 2)
    for url in serve(front_door(als.bolt, als.db, SIGNING_SECRET, metrics=metrics)):
        status, _, text = scrape(url)
        assert status == 200
        assert sample(text, "als_workspaces_active") == 2
        assert sample(text, "als_reminders_due") is None


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_ack("command", 0.01)
    first.count_reminder("moved:2", "sent")
    first.count_reminder("prep_prompt", "failed", 2)
    first.count_deleted("sets", 3)
    with first.timed_pass("live"):
        pass
    text = first.render()[0].decode()
    assert sample(text, "als_ack_seconds_count", surface="command") == 1
    assert sample(text, "als_reminders_total", kind="moved", outcome="sent") == 1
    assert sample(text, "als_reminders_total", kind="prep_prompt", outcome="failed") == 2
    assert sample(text, "als_workspace_rows_deleted_total", table="sets") == 3
    assert sample(text, "als_scheduler_pass_seconds_count", **{"pass": "live"}) == 1
    other = second.render()[0].decode()
    assert sample(other, "als_ack_seconds_count", surface="command") == 0
    assert sample(other, "als_reminders_total", kind="moved", outcome="sent") is None


def test_surfaces() -> None:
    assert surface_of({"command": "/als", "text": "help"}) == "command"
    assert surface_of({"type": "block_actions"}) == "action"
    assert surface_of({"type": "view_submission"}) == "view_submission"
    assert surface_of({"type": "view_closed"}) == "view_closed"
    assert surface_of({"type": "block_suggestion"}) == "options"
    assert surface_of({"type": "shortcut"}) == "shortcut"
    assert surface_of({"type": "message_action"}) == "shortcut"
    assert surface_of({"type": "event_callback"}) == "event"
    assert surface_of({"type": "url_verification"}) == "other"
    assert surface_of({"type": ["block_actions"]}) == "other"
    assert surface_of({}) == "other"
    assert reminder_kind("moved:3") == "moved"


def test_a_process_without_a_front_door_serves_its_metrics_alone() -> None:
    """``als-bot scheduler`` answers no Slack request: its metrics get their own port."""
    metrics = Metrics(backlog=lambda: 4)
    metrics.count_reminder("prep_prompt", "sent")
    server = serve_metrics(MetricsPage(metrics, TOKEN), "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}"
        assert scrape(url)[0] == 401
        status, _, text = scrape(url, f"Bearer {TOKEN}")
        assert status == 200
        assert sample(text, "als_reminders_total", kind="prep_prompt", outcome="sent") == 1
        assert sample(text, "als_reminders_due") == 4
    finally:
        server.close()
