"""Several scheduler processes, and processes killed mid-send: ``als-bot tick --at T`` as real
subprocesses against one database and the fake Slack. Nothing is lost; nothing doubles except
after an attempt whose outcome nobody knows, and that is counted on the row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import PlannedSession, Reminder
from tests.conftest import MEMBERS, TEST_KEY
from tests.helpers import create_set
from tests.test_reminders import PROMPT, PROMPT_AT

NY, BERLIN, TOKYO, SYDNEY, LA = MEMBERS
# An hour after the weekly prompts' time: New York, Sydney, Los Angeles and Tokyo are due.
DUE = {NY, SYDNEY, LA, TOKYO}
AT = PROMPT_AT + timedelta(hours=1)


def tick_process(
    database_url: str, slack: FakeSlack, at: datetime, cwd: Path
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_API_URL=slack.api_url,
        ALS_ENCRYPTION_KEYS=TEST_KEY,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--at", at.isoformat()],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out


def prompts(slack: FakeSlack) -> Counter[str]:
    return Counter({u: sum(PROMPT in m.text for m in slack.dm_messages(u)) for u in MEMBERS})


def first_session_prompts(db: Database) -> dict[str, Reminder]:
    with db.read() as s:
        first = s.scalar(select(PlannedSession.id).order_by(PlannedSession.starts_at).limit(1))
        rows = s.scalars(
            select(Reminder).where(Reminder.session_id == first, Reminder.kind == "prep_prompt")
        )
        return {r.target: r for r in rows}


@pytest.fixture
def weekly_set(driver, slack: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    create_set(driver, slack, cadence="1")


@pytest.mark.parametrize("processes", [2, 3])
def test_concurrent_ticks_send_each_reminder_once(
    weekly_set: None,
    slack: FakeSlack,
    db: Database,
    database_url: str,
    tmp_path: Path,
    processes: int,
) -> None:
    procs = [tick_process(database_url, slack, AT, tmp_path) for _ in range(processes)]
    for proc in procs:
        finish(proc)
    assert prompts(slack) == Counter({u: 1 if u in DUE else 0 for u in MEMBERS})
    rows = first_session_prompts(db)
    assert {u for u, r in rows.items() if r.status == "sent"} == DUE
    assert all(r.ambiguous == 0 and r.attempts == 1 for u, r in rows.items() if u in DUE)


def test_killed_while_slack_holds_the_call_then_restarted(
    weekly_set: None, slack: FakeSlack, db: Database, database_url: str, tmp_path: Path
) -> None:
    held = slack.hold("chat.postMessage")
    proc = tick_process(database_url, slack, AT, tmp_path)
    [call] = held.wait_arrived(timeout=30)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    held.release()  # Slack acts on the call the dead process made
    victim = str(call.get("channel"))
    # Restarted after the lease (2 min) ran out: the dead process's row is ambiguous, and a
    # prompt is resent after a pause; everything else goes out once.
    finish(tick_process(database_url, slack, AT + timedelta(minutes=3), tmp_path))
    finish(tick_process(database_url, slack, AT + timedelta(minutes=4), tmp_path))
    counts = prompts(slack)
    assert {u for u in MEMBERS if counts[u]} == DUE, "nothing lost"
    assert all(counts[u] == 1 for u in DUE - {victim})
    rows = first_session_prompts(db)
    assert counts[victim] == 2 and rows[victim].ambiguous == 1, "the duplicate is counted"
    assert all(r.status == "sent" for u, r in rows.items() if u in DUE)


def test_killed_right_after_slack_answered_then_restarted(
    weekly_set: None, slack: FakeSlack, db: Database, database_url: str, tmp_path: Path
) -> None:
    killed: list[str] = []
    holder: dict[str, subprocess.Popen[str]] = {}

    def kill_after_first_answer(call) -> None:  # type: ignore[no-untyped-def]
        if call.method == "chat.postMessage" and not killed and "proc" in holder:
            killed.append(str(call.args.get("channel")))
            holder["proc"].send_signal(signal.SIGKILL)

    slack.after_response(kill_after_first_answer)
    holder["proc"] = tick_process(database_url, slack, AT, tmp_path)
    holder["proc"].wait(timeout=30)
    slack.remove_after_response(kill_after_first_answer)
    assert killed, "the process was killed after Slack's first answer"
    finish(tick_process(database_url, slack, AT + timedelta(minutes=3), tmp_path))
    finish(tick_process(database_url, slack, AT + timedelta(minutes=4), tmp_path))
    counts = prompts(slack)
    rows = first_session_prompts(db)
    assert {u for u in MEMBERS if counts[u]} == DUE, "nothing lost"
    for user in DUE:
        # A second copy only where the outcome was unknown, and then it is counted.
        assert counts[user] == 1 + rows[user].ambiguous, user
        assert rows[user].status == "sent"
