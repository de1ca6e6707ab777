"""SIGTERM, as a container runtime or systemd sends it: real processes, the fake Slack holding a
call in flight when the signal comes. What was in flight finishes and is recorded, nothing more
is claimed, the leases are given back (another process sends the rest at once, without waiting
for them to run out), and nothing is lost or doubled."""

from __future__ import annotations

import signal
import socket
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from tests.conftest import MEMBERS
from tests.helpers import create_set, last_response_text
from tests.test_cli import healthz_status, start_serve
from tests.test_reminder_processes import (
    AT,
    DUE,
    finish,
    first_session_prompts,
    prompts,
    tick_process,
)

SECRET = "serve-test-secret"  # the one start_serve gives the process


def test_sigterm_mid_fan_out_loses_nothing_and_doubles_nothing(
    driver: SlackDriver, slack: FakeSlack, db: Database, database_url: str, tmp_path: Path
) -> None:
    create_set(driver, slack, cadence="1")
    held = slack.hold("chat.postMessage")  # the first prompt is on its way when SIGTERM comes
    proc = tick_process(database_url, slack, AT, tmp_path)
    [call] = held.wait_arrived(timeout=30)
    proc.send_signal(signal.SIGTERM)
    held.release()  # Slack answers the send in flight
    out = finish(proc)
    assert "1 reminder sent" in out, out
    first = str(call.get("channel"))
    assert {u for u, r in first_session_prompts(db).items() if r.status == "sent"} == {first}

    # Another process right away (the same minute: the leases were given back).
    finish(tick_process(database_url, slack, AT, tmp_path))
    counts = prompts(slack)
    assert counts == Counter({u: 1 if u in DUE else 0 for u in MEMBERS}), "once each"
    rows = first_session_prompts(db)
    assert all(rows[u].status == "sent" and rows[u].ambiguous == 0 for u in DUE)


def test_sigterm_lets_serve_answer_what_is_in_flight_and_refuse_new_connections(
    slack: FakeSlack, db: Database, database_url: str, tmp_path: Path
) -> None:
    proc, url = start_serve(tmp_path, slack, "--no-scheduler", DATABASE_URL=database_url)
    try:
        assert healthz_status(proc, url) == 200
        driver = SlackDriver(f"{url}/slack/events", SECRET, slack)
        # /als help is acked, then answered through its response URL: Slack holds that answer.
        held = slack.hold("response_url")
        assert driver.command(MEMBERS[0], "help").status == 200
        held.wait_arrived(timeout=30)
        proc.send_signal(signal.SIGTERM)
        port = urllib.parse.urlsplit(url).port
        assert port is not None
        refused = False
        deadline = time.monotonic() + 20  # the process stops listening when it gets the signal
        while not refused and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except ConnectionRefusedError:
                refused = True
            else:
                time.sleep(0.05)
        assert refused, "new connections are refused while the answer is in flight"
        assert proc.poll() is None, "the process waits for the work in flight"
        held.release()
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0, out
        assert "/als" in last_response_text(slack), "the answer in flight was sent"
        assert "Traceback" not in out and "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
