"""Log formats: JSON lines (one object per record) and text, with the request's id and
workspace from ``log_context``; the Slack libraries' payloads are scrubbed in both."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.logs import log_context, setup_logging
from bot.storage.db import Database
from bot.web import front_door, team_of
from tests.conftest import FAC, SET_CHANNEL, SIGNING_SECRET
from tests.test_metrics import serve

SECRET = "Okapi-private-5521"  # in bodies and payloads: must never reach the log


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]


@pytest.fixture
def logs() -> Iterator[Captured]:
    """Logging as ``setup_logging`` sets it up, into a buffer; put back afterwards."""
    root = logging.getLogger()
    alembic = logging.getLogger("alembic")
    saved = root.handlers[:], root.level, alembic.level
    captured = Captured()
    yield captured
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    alembic.setLevel(saved[2])


def test_json_lines_parse_and_carry_the_context(logs: Captured) -> None:
    setup_logging(logging.INFO, "json", stream=logs.stream)
    log = logging.getLogger("bot.test")
    log.info("before %s", "anything")
    with log_context(request_id="0123456789ab", team_id="T0TEAM0001"):
        log.warning("inside")
        with log_context(request_id="fedcba987654", team_id=None):
            log.info("nested")
        try:
            raise ValueError("kaput")
        except ValueError:
            log.exception("failed")
    log.debug("below the level")
    log.info("after")
    records = logs.records()
    assert len(records) == len(logs.lines()) == 5
    assert [r["message"] for r in records] == [
        "before anything",
        "inside",
        "nested",
        "failed",
        "after",
    ]
    for record in records:
        assert record["logger"] == "bot.test"
        when = datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
        assert record["time"].endswith("Z") and when.utcoffset() is not None
    assert [r["level"] for r in records] == ["INFO", "WARNING", "INFO", "ERROR", "INFO"]
    before, inside, nested, failed, after = records
    assert "request_id" not in before and "team_id" not in before
    assert (inside["request_id"], inside["team_id"]) == ("0123456789ab", "T0TEAM0001")
    assert nested["request_id"] == "fedcba987654" and "team_id" not in nested
    assert failed["team_id"] == "T0TEAM0001" and "ValueError: kaput" in failed["exception"]
    assert "request_id" not in after and "team_id" not in after


def test_the_context_stays_on_its_thread(logs: Captured) -> None:
    setup_logging(logging.INFO, "json", stream=logs.stream)
    log = logging.getLogger("bot.test")
    with log_context(request_id="0123456789ab", team_id="T0TEAM0001"):
        worker = threading.Thread(target=log.info, args=("on a worker",))
        worker.start()
        worker.join()
    (record,) = logs.records()
    assert "request_id" not in record and "team_id" not in record


def test_text_lines_name_the_context_only_when_set(logs: Captured) -> None:
    setup_logging(logging.INFO, stream=logs.stream)
    log = logging.getLogger("bot.test")
    log.info("plain")
    with log_context(request_id="0123456789ab", team_id="T0TEAM0001"):
        log.info("both")
    with log_context(request_id="0123456789ab", team_id=None):
        log.info("request only")
    plain, both, request_only = logs.lines()
    assert plain.endswith("INFO bot.test: plain")
    assert both.endswith("INFO bot.test: both [req=0123456789ab team=T0TEAM0001]")
    assert request_only.endswith("request only [req=0123456789ab]")


def test_a_line_break_in_a_message_cannot_forge_a_text_line(logs: Captured) -> None:
    setup_logging(logging.INFO, stream=logs.stream)
    forged = "2026-12-07 03:00:00,000 ERROR bot.web: refused a request: bad signature (401)"
    logging.getLogger("waitress").warning("Exception while serving /x\n%s\r\n%s", forged, forged)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.test").exception("failed")
    lines = logs.lines()
    assert lines[0].endswith(f"waitress: Exception while serving /x\\n{forged}\\r\\n{forged}")
    assert not any(line.startswith(forged) for line in lines)
    assert lines[1].endswith("ERROR bot.test: failed")
    assert lines[2] == "Traceback (most recent call last):"  # a traceback keeps its lines


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_slack_library_payloads_are_scrubbed(logs: Captured, fmt: str) -> None:
    setup_logging(logging.DEBUG, fmt, stream=logs.stream)
    bolt = logging.getLogger("slack_bolt.App")
    bolt.warning("Unhandled request ({'text': '%s', 'user': 'U1'})", SECRET)
    bolt.warning("Failed to run a listener: body=%s", SECRET)
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request %s", SECRET)
    text = logs.stream.getvalue()
    assert SECRET not in text
    lines = logs.lines()
    assert len(lines) == 2
    if fmt == "json":
        first, second = (json.loads(line)["message"] for line in lines)
        assert first == "Unhandled request (payload not logged)"
        assert second.endswith("(payload not logged)")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="xml"):
        setup_logging(logging.INFO, "xml")


def test_the_team_is_read_where_slack_puts_it() -> None:
    assert team_of({"team_id": "T1"}) == "T1"
    assert team_of({"team": {"id": "T2"}, "user": {"team_id": "T3"}}) == "T2"
    assert team_of({"user": {"id": "U1", "team_id": "T3"}}) == "T3"
    assert team_of({"team": None, "user": "U1"}) is None
    assert team_of({"team_id": "T1\nforged line"}) is None
    assert team_of({"team_id": 7}) is None


def probe_bolt(slack: FakeSlack) -> App:
    """A Bolt app with one slash command, ``/probe``, whose listener logs on the request
    thread (as Bolt runs listeners with ``process_before_response``)."""
    bolt = App(
        client=WebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    @bolt.command("/probe")
    def probe(ack: Ack) -> None:
        logging.getLogger("bot.probe").info("listener ran")
        ack()

    return bolt


def test_the_front_door_names_each_request_and_its_workspace(
    logs: Captured, db: Database, slack: FakeSlack
) -> None:
    setup_logging(logging.INFO, "json", stream=logs.stream)
    for url in serve(front_door(probe_bolt(slack), db, SIGNING_SECRET)):
        driver = SlackDriver(f"{url}/slack/events", SIGNING_SECRET, slack)
        assert driver.command(FAC, SECRET, channel_id=SET_CHANNEL, command="/probe").status == 200
        assert driver.command(FAC, SECRET, channel_id=SET_CHANNEL, command="/other").status == 404
        refused = driver.send_raw(SECRET.encode(), {"Content-Type": "application/json"})
        assert refused.status == 401
    assert SECRET not in logs.stream.getvalue()
    by_message = {r["message"]: r for r in logs.records()}
    ran = by_message["listener ran"]
    unhandled = by_message["Unhandled request (payload not logged)"]
    unsigned = by_message["refused a request: unsigned (401)"]
    assert (ran["team_id"], unhandled["team_id"]) == (slack.team_id, slack.team_id)
    assert unhandled["logger"] == "slack_bolt.App"
    ids = [ran["request_id"], unhandled["request_id"], unsigned["request_id"]]
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids) and len(set(ids)) == 3
    assert "team_id" not in unsigned  # not read from a body that is not verified


def test_the_work_after_the_ack_logs_with_its_requests_context(
    logs: Captured, driver: SlackDriver, slack: FakeSlack
) -> None:
    """The listener pool carries the request's log context to the thread that runs the work
    after the ack (a plain thread does not: the test above)."""
    from tests.helpers import settle

    setup_logging(logging.INFO, "json", stream=logs.stream)
    response = driver.event({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT00001"]}})
    assert response.status == 200
    settle(slack)
    stopped = [r for r in logs.records() if "stopped sending" in r["message"]]
    assert len(stopped) == 1
    assert stopped[0]["team_id"] == slack.team_id
    assert re.fullmatch(r"[0-9a-f]{12}", stopped[0]["request_id"])
