"""Issue 21, point 6: no user text reaches the logs.

Logging is set up as ``als-bot`` sets it up (``setup_logging``), at DEBUG, in both formats at
once (a JSON handler and a text handler on the root logger, every library's records included),
and a whole set's cycle runs through the Slack surface: set-up, topics, the vote, the agenda,
the live session with a typed question, actions, report-back, the learning log, a goal and its
rating, the session review, apologies with a reason, and the scheduler's reminders and notes,
with failures on the way (Slack refusing a send that carries user text, a set-up submission
that fails, forged and unknown requests). Every text a member types carries a marker, and
the hostile texts of the other tests (mentions, broadcasts, control characters, a forged log
line, a very long text) ride along; no line written to either handler may carry any of it.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.logs import setup_logging
from bot.storage.db import Database
from bot.storage.models import (
    ActionReport,
    LearningSet,
    LivePart,
    LogEntry,
    MemberGoal,
    Rsvp,
    SessionReview,
)
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import (
    ballot,
    create_set,
    field_errors,
    forge_submission,
    give_votes,
    open_setup,
    open_vote,
    settle,
    setup_values,
    submit_topic,
    texts,
)
from tests.test_actions import command_answer, commit_values, open_commit, report_values
from tests.test_agenda import topic_ids
from tests.test_attendance import apologise
from tests.test_encryption import READABLE, found_in_storage
from tests.test_goals import goal_command
from tests.test_live import start, thread
from tests.test_reminders import scheduler_process, tick
from tests.test_review import rate, review_dm
from tests.test_sessions_calendar import listing

A, B, C, D, E = MEMBERS
FIRST = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 10:00 London, weekly, two sessions
SECOND = FIRST + timedelta(weeks=1)
HOURS_3 = timedelta(hours=3)

TAG = "7f3a"
MARKER = re.compile(rf"SECRET-[a-z_0-9]+-{TAG}")
#: What the other tests throw at the app: broadcasts and mentions, a right-to-left override,
#: an ANSI escape, a forged log line. Each is looked for on its own too.
HOSTILE_PARTS = (
    "<!channel>",
    "<!here>",
    "<@U0FACIL001>",
    "\u202e",
    "\x1b[31m",
    "FORGED-LOG-LINE",
)
HOSTILE = " <!channel> <!here> <@U0FACIL001>& \u202e \x1b[31mred\nERROR bot: FORGED-LOG-LINE"


def secret(name: str) -> str:
    """A marked text for the field ``name``."""
    return f"SECRET-{name}-{TAG}"


def hostile(name: str, *, one_line: bool = False) -> str:
    """A marked text for ``name`` with the hostile parts after it (the forged log line on the
    same line for a one-line field)."""
    return secret(name) + (HOSTILE.replace("\n", " ") if one_line else HOSTILE)


# -- capturing and scanning -----------------------------------------------------------------
class Emitted(logging.Handler):
    """Which loggers emitted a record at which level, before any of the app's filters (the
    names and levels only): shows that the libraries did speak at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.name, record.levelno))

    def debug_from(self, prefix: str) -> int:
        return sum(1 for name, level in self.seen if name.startswith(prefix) and level < 20)


@dataclass
class Logs:
    """What the app's two handlers (one per format) wrote."""

    json_stream: io.StringIO = field(default_factory=io.StringIO)
    text_stream: io.StringIO = field(default_factory=io.StringIO)
    emitted: Emitted = field(default_factory=Emitted)

    def json_lines(self) -> list[str]:
        return self.json_stream.getvalue().splitlines()

    def text_lines(self) -> list[str]:
        return self.text_stream.getvalue().splitlines()


def leaks(logs: Logs) -> list[tuple[str, str]]:
    """Every line (format, line) with a marker or a hostile part, decoded JSON included."""
    found = []
    for line in logs.json_lines():
        entry = json.loads(line)  # every JSON line parses: a forged newline would break it
        decoded = "\n".join(str(v) for v in entry.values())
        if MARKER.search(line) or any(p in decoded for p in HOSTILE_PARTS):
            found.append(("json", line))
    for line in logs.text_lines():
        if MARKER.search(line) or any(p in line for p in HOSTILE_PARTS):
            found.append(("text", line))
    return found


@pytest.fixture
def logs() -> Iterator[Logs]:
    """Logging as ``als-bot`` sets it up at DEBUG, once per format, both handlers on the root
    logger; the root's handlers and every logger's level are put back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    captured = Logs()
    setup_logging(logging.DEBUG, "text", stream=captured.text_stream)
    text_handler = root.handlers[0]
    setup_logging(logging.DEBUG, "json", stream=captured.json_stream)
    root.addHandler(text_handler)
    root.addHandler(captured.emitted)
    yield captured
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


# -- the cycle ------------------------------------------------------------------------------
def first_month(driver: SlackDriver, slack: FakeSlack, clock: ManualClock, ticker: Any) -> None:
    """Set-up (with a failing first try), prompts, a goal, apologies with a reason, topics."""
    open_setup(driver, slack)
    slack.inject_error("conversations.info", "internal_error")
    failed = setup_values(name=hostile("name"), members=MEMBERS, first_date="2026-12-07")
    assert field_errors(driver.submit_view(FAC, values=failed)) is not None
    driver.close_view(FAC)
    create_set(
        driver,
        slack,
        name=secret("name"),
        place=hostile("place"),
        ground_rules=hostile("contract"),
        cadence="1",
        programme_sessions="2",
    )
    tick(ticker, clock, datetime(2026, 12, 3, 22, 0, tzinfo=UTC))  # the prep prompts
    clock.set(FIRST - timedelta(days=3))
    goal_command(driver, slack, A)
    assert (
        field_errors(driver.submit_view(A, values={"goal": {"goal_input": hostile("goal")}}))
        is None
    )
    listed = listing(driver, slack, C)
    apologise(driver, slack, C, hostile("reason"), channel_id=SET_CHANNEL, message_ts=listed.ts)
    long_text = (secret("long") + " " + "x" * 1500)[:1500]  # the longest a scenario may be
    for author in (A, B, D, E):
        who = author[-2:]
        if author == E:  # Slack refuses the confirmation that carries the topic
            slack.inject_error(
                "chat.postMessage",
                "internal_error",
                when=lambda a: E in str(a),
                response_metadata={"messages": [hostile("slack_answer")]},  # Slack quoting it
            )
        submitted = submit_topic(
            driver,
            slack,
            author,
            secret(f"title{who}"),
            scenario=hostile(f"scenario{who}") if author != D else long_text,
            question=hostile(f"question{who}"),
            tried=secret(f"tried{who}"),
            shared=author == A,
        )
        assert field_errors(submitted) is None
    tick(ticker, clock, FIRST - timedelta(days=1))  # nudges


def vote_and_agenda(driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock) -> Any:
    clock.set(FIRST - timedelta(hours=2))
    message = open_vote(driver, slack)
    ids = topic_ids(db)
    ballot(driver, slack, E, message)
    give_votes(driver, slack, E, ids[A], 2)
    give_votes(driver, slack, E, ids[B], 1)
    ballot(driver, slack, D, message)
    give_votes(driver, slack, D, ids[B], 2)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    agenda = slack.message(SET_CHANNEL, message.ts)
    # A commits actions; Slack refuses the channel line that carries them.
    open_commit(driver, slack, A, agenda, ids[A])
    slack.inject_error("chat.postMessage", "internal_error", when=lambda a: "thread_ts" in a)
    values = commit_values(
        [(hostile("action1", one_line=True), "2026-12-12"), (secret("action2"), None)],
        note=hostile("note"),
    )
    assert field_errors(driver.submit_view(A, values=values)) is None
    settle(slack)
    return agenda


def live_session(driver: SlackDriver, slack: FakeSlack, db: Database, agenda: Any) -> None:
    """The session runs; the presenter whose question was private types it."""
    parts = start(driver, slack, agenda)
    with db.read() as s:
        rows = s.scalars(select(LivePart).order_by(LivePart.position)).all()
        presenters = [(r.presenter_id, r.question) for r in rows]
    for position in range(len(presenters)):
        parts = thread(slack, agenda.ts)
        part = parts[position]
        presenter, question = presenters[position]
        if presenter and question is None and "als_live_question_open" in texts(part.blocks):
            before = len(slack.calls_to("views.open"))
            driver.click(
                presenter, "als_live_question_open", channel_id=SET_CHANNEL, message_ts=part.ts
            )
            slack.wait_for("views.open", count=before + 1)
            typed = {"question": {"question_input": hostile("livequestion", one_line=True)}}
            assert field_errors(driver.submit_view(presenter, values=typed)) is None
            settle(slack)
        last = position == len(presenters) - 1
        action = "als_live_end" if last else "als_live_end_part"
        driver.click(FAC, action, channel_id=SET_CHANNEL, message_ts=part.ts)
        settle(slack)


def after_the_session(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock, ticker: Any
) -> None:
    """The review (a rating and a line), the learning log, report-back, the second session and
    the goal's rating."""
    tick(ticker, clock, FIRST + HOURS_3)  # the review DMs
    tick(ticker, clock, FIRST + HOURS_3 + timedelta(hours=1))  # the reflection prompt
    rate(driver, slack, A, 4)
    dm = review_dm(slack, A)
    before = len(slack.calls_to("views.open"))
    driver.click(A, "als_review_note", channel_id=dm.channel, message_ts=dm.ts)
    slack.wait_for("views.open", count=before + 1)
    line = {"useful": {"useful_input": "4"}, "note": {"note_input": hostile("review")}}
    assert field_errors(driver.submit_view(A, values=line)) is None
    settle(slack)

    before = len(slack.calls_to("views.open"))
    driver.command(A, "log", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    entry = {
        "about_issue": {"about_issue_input": hostile("about_issue")},
        "about_set": {"about_set_input": secret("about_set")},
    }
    assert field_errors(driver.submit_view(A, values=entry)) is None
    settle(slack)

    tick(ticker, clock, SECOND - timedelta(days=3))  # report-back reminders
    listed = command_answer(driver, slack, A, "actions")
    report = next(
        el
        for b in listed.blocks or []
        if b["type"] == "actions"
        for el in b["elements"]
        if el.get("action_id") == "als_action_report"
    )
    before = len(slack.calls_to("views.open"))
    driver.click(
        A, "als_action_report", channel_id=SET_CHANNEL, message_ts=listed.ts, value=report["value"]
    )
    slack.wait_for("views.open", count=before + 1)
    too_long = "\n".join(secret("happened") for _ in range(11))
    assert field_errors(driver.submit_view(A, values=report_values("done", too_long)))
    done = report_values("done", hostile("happened"), secret("learned"))
    assert field_errors(driver.submit_view(A, values=done)) is None
    settle(slack)

    tick(ticker, clock, SECOND - timedelta(days=1))  # the report-back round, nudges
    tick(ticker, clock, SECOND + HOURS_3)  # the last session's review: rate the goal
    form = goal_command(driver, slack, A, "goal review")
    assert form is not None and form["callback_id"] == "als_goal_rating"
    rated = {"rating": {"rating_input": "4"}, "note": {"note_input": hostile("goalnote")}}
    assert field_errors(driver.submit_view(A, values=rated)) is None
    settle(slack)


def stray_requests(driver: SlackDriver, slack: FakeSlack) -> None:
    """Requests the app has no listener for, or refuses, carrying user text."""
    driver.command(FAC, f"nonsense {hostile('command')}", channel_id=SET_CHANNEL)
    refused = driver.command(FAC, f"topic {secret('nul')}\x00\ud7ff", channel_id=SET_CHANNEL)
    assert refused.status == 400  # the front door takes no NUL
    driver.event({"type": "reaction_added", "user": FAC, "reaction": secret("event")})
    forge_submission(
        driver, slack, A, "als_unknown", {"x": {"x_input": {"value": hostile("forged")}}}
    )
    settle(slack)


def stored(db: Database) -> str:
    """The texts saved that are sent to no one (read back through the models)."""
    columns = (
        Rsvp.reason,
        SessionReview.note,
        LogEntry.about_issue,
        ActionReport.happened,
        MemberGoal.note,
        LearningSet.ground_rules,
    )
    with db.read() as s:
        return "\n".join(str(v) for column in columns for v in s.scalars(select(column)))


def test_a_whole_cycle_at_debug_logs_no_user_text(
    logs: Logs,
    als: AlsBot,
    driver: SlackDriver,
    slack: FakeSlack,
    db: Database,
    clock: ManualClock,
) -> None:
    ticker = scheduler_process(als, db, slack, clock)
    first_month(driver, slack, clock, ticker)
    agenda = vote_and_agenda(driver, slack, db, clock)
    clock.set(FIRST)
    live_session(driver, slack, db, agenda)
    after_the_session(driver, slack, db, clock, ticker)
    stray_requests(driver, slack)

    # The cycle happened: Slack was sent the marked texts (to their authors), and failed twice.
    sent = json.dumps([c.args for c in slack.calls], ensure_ascii=False)
    for name in ("goal", "scenario01", "action1", "livequestion", "title02"):
        assert secret(name) in sent, name
    saved = stored(db)
    for name in ("reason", "review", "about_issue", "happened", "goalnote", "contract"):
        assert secret(name) in saved, name
    refused = [c for c in slack.calls if not c.response.get("ok", True)]
    assert {c.method for c in refused} >= {"conversations.info", "chat.postMessage"}
    for name in ("title05", "action1"):  # E's topic in her DM, A's actions in the channel
        assert any(secret(name) in json.dumps(c.args) for c in refused), name
    # The libraries spoke at DEBUG (their request bodies and payloads); both handlers wrote
    # the app's own lines about the failures.
    assert logs.emitted.debug_from("slack_sdk") > 100 and logs.emitted.debug_from("slack_bolt")
    for lines in (logs.json_lines(), logs.text_lines()):
        assert any("DM not sent: internal_error" in line for line in lines)
        assert any("listener failed for a view_submission" in line for line in lines)
    assert leaks(logs) == []

    # And the database holds none of it in clear (issue 21, point 1): its raw file, or a
    # pg_dump, has the readable fields' markers (which shows the search works), no other.
    in_storage = found_in_storage(db, MARKER)
    assert secret("title02") in in_storage and secret("name") in in_storage
    assert {m for m in in_storage if not READABLE.match(m)} == set()


def test_the_scan_catches_a_leak_and_the_set_up_keeps_libraries_quiet(logs: Logs) -> None:
    """Under the same set-up: a library's debug lines (a SQL row, a URL, a request body) are
    not written; a library's warning that carries a marker is, and the scan finds it in both
    formats; a library's traceback keeps its frames and types, not the exceptions' messages."""
    logging.getLogger("sqlalchemy.engine.Engine").debug("Row (%r,)", secret("row"))
    logging.getLogger("urllib3.connectionpool").debug('"GET /?q=%s HTTP/1.1" 200', secret("url"))
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request %s", hostile("body"))
    logging.getLogger("bot.test").debug("our own debug line")
    assert leaks(logs) == [] and len(logs.json_lines()) == 1

    logging.getLogger("apscheduler.scheduler").warning("job said %s", hostile("warning"))
    assert {fmt for fmt, _ in leaks(logs)} == {"json", "text"}
    logs.json_stream.seek(0), logs.json_stream.truncate()
    logs.text_stream.seek(0), logs.text_stream.truncate()

    def fail() -> None:
        try:
            raise KeyError(secret("inner"))
        except KeyError as exc:
            raise ValueError(hostile("outer")) from exc

    try:
        fail()
    except ValueError:
        logging.getLogger("waitress").exception("Exception while serving /slack/events")
    assert leaks(logs) == []
    (entry,) = (json.loads(line) for line in logs.json_lines())
    assert entry["message"] == "Exception while serving /slack/events"
    trace = entry["exception"]
    assert "KeyError (message not logged)" in trace and "ValueError (message not logged)" in trace
    assert "in fail" in trace and "raise ValueError" in trace
    assert trace in logs.text_stream.getvalue()
