"""The production server killed for real right after it acknowledged a set-up: ``als-bot serve`` is
a subprocess, killed (SIGKILL) while its first send after the ack is on its way to Slack, then
started again on the same database. The set-up's messages all arrive, once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from tests.conftest import SET_CHANNEL
from tests.helpers import create_set, settle
from tests.test_cli import healthz_status, start_serve
from tests.test_outbox import ALL_ONCE, delivered, notes
from tests.test_reminder_processes import finish, tick_process

SECRET = "serve-test-secret"  # the one start_serve gives the process


def test_serve_killed_right_after_the_setup_ack_loses_nothing(
    slack: FakeSlack, db: Database, database_url: str, tmp_path: Path
) -> None:
    proc, url = start_serve(tmp_path, slack, "--no-scheduler", DATABASE_URL=database_url)
    try:
        assert healthz_status(proc, url) == 200
        driver = SlackDriver(f"{url}/slack/events", SECRET, slack)
        # The first send after the ack (the channel's welcome) never gets an answer: the
        # process is killed while it waits, with every other note unsent.
        stuck = slack.hold("chat.postMessage", when=lambda a: a.get("channel") == SET_CHANNEL)
        response = create_set(driver, slack, wait=False)
        assert response.status == 200 and not response.body.strip()
        stuck.wait_arrived(timeout=30)
        acked_at = datetime.now(UTC)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    stuck.drop()
    settle(slack)
    assert delivered(slack) == dict.fromkeys(ALL_ONCE, 0)
    assert len(notes(db)) == len(ALL_ONCE)  # committed with the set, before the ack

    # Started again: it serves requests, and its scheduler's passes (``tick``, the pass the
    # server's scheduler runs every minute) deliver everything once. The welcome waits for the
    # dead process's lease (2 min) to run out, then is sent again: nobody knows whether Slack
    # had it (it had not).
    proc, url = start_serve(tmp_path, slack, "--no-scheduler", DATABASE_URL=database_url)
    try:
        assert healthz_status(proc, url) == 200
        finish(tick_process(database_url, slack, acked_at + timedelta(seconds=5), tmp_path))
        assert delivered(slack) == {**ALL_ONCE, "welcome": 0}
        finish(tick_process(database_url, slack, acked_at + timedelta(minutes=3), tmp_path))
        assert delivered(slack) == ALL_ONCE
        finish(tick_process(database_url, slack, acked_at + timedelta(hours=1), tmp_path))
        assert delivered(slack) == ALL_ONCE
        assert {n.status for n in notes(db)} == {"sent"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
