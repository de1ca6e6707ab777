"""Retention (issue 21, point 4), through the Slack surface and the scheduler on both
databases: a set's member texts are cleared its ``retention_days`` after its last session
(not a day before), counted in /metrics; a second pass clears nothing; a running set is not
touched; an edit made after the cut-off is kept; a set set to keep its texts keeps them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.services.retention import RetentionService
from bot.storage.db import Database
from bot.storage.erase import MEMBER_TEXTS
from bot.storage.models import LearningSet, LogEntry, Topic
from bot.storage.retention_queries import CLEARED
from tests.conftest import FAC, MEMBERS, PUBLIC_CHANNEL, SET_CHANNEL
from tests.helpers import (
    DEFAULTS,
    create_set,
    field_errors,
    more_settings,
    open_setup,
    settle,
    setup_values,
    submit_topic,
    texts,
)
from tests.test_metrics import sample
from tests.test_reminders import scheduler_process

A, B, C, D, E = MEMBERS
#: The one session of the ended programme: 7 Dec 2026, 10:00-13:00 UTC.
ENDED = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
CUT_OFF = ENDED + timedelta(days=90)


def write_log(driver: SlackDriver, slack: FakeSlack, user: str, about: str) -> None:
    before = len(slack.calls_to("views.open"))
    driver.command(user, "log", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    values = {"about_issue": {"about_issue_input": about}, "about_set": {"about_set_input": ""}}
    assert not field_errors(driver.submit_view(user, values=values))
    settle(slack)


def texts_of(db: Database) -> dict[str, str]:
    """Topic scenarios by channel, and the log entry."""
    with db.read() as s:
        rows = s.execute(
            select(LearningSet.channel_id, Topic.title, Topic.scenario).join(
                LearningSet, LearningSet.id == Topic.set_id
            )
        ).all()
        out = {f"{channel}:{title}": scenario for channel, title, scenario in rows}
        for entry in s.scalars(select(LogEntry)):
            out["log"] = entry.about_issue
        return out


def test_texts_are_cleared_their_retention_after_the_last_session_once(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, programme_sessions="1")  # ended after its one session
    create_set(driver, slack, channel=PUBLIC_CHANNEL)  # open-ended: running
    submit_topic(driver, slack, A, "Ended", scenario="SECRET-ENDED")
    submit_topic(driver, slack, A, "Running", channel=PUBLIC_CHANNEL, scenario="SECRET-RUNNING")
    clock.set(ENDED + timedelta(hours=1))
    write_log(driver, slack, A, "SECRET-LOG")
    metrics = als.metrics
    assert metrics is not None
    ticker = scheduler_process(als, db, slack, clock)
    ended = f"{SET_CHANNEL}:Ended"
    running = f"{PUBLIC_CHANNEL}:Running"

    # Day 89: nothing.
    clock.set(CUT_OFF - timedelta(days=1))
    assert ticker.tick(clock(), budget_seconds=5).texts_cleared == {}
    assert texts_of(db) == {ended: "SECRET-ENDED", running: "SECRET-RUNNING", "log": "SECRET-LOG"}

    # Just after the cut-off, before the pass, A edits the log entry: the edit is kept.
    clock.set(CUT_OFF + timedelta(minutes=1))
    write_log(driver, slack, A, "EDITED-AFTER")
    clock.set(CUT_OFF + timedelta(minutes=2))
    summary = ticker.tick(clock(), budget_seconds=5)
    assert summary.texts_cleared == {"topics": 2}  # the scenario and the question
    assert texts_of(db) == {ended: "", running: "SECRET-RUNNING", "log": "EDITED-AFTER"}
    with db.read() as s:
        topic = s.scalars(select(Topic).where(Topic.title == "Ended")).one()
        assert topic.question == "" and topic.title == "Ended"  # the agenda's title stays
    shown = metrics.render()[0].decode()
    assert sample(shown, "als_retention_texts_cleared_total", table="topics") == 2

    # A second pass, an hour later: nothing cleared, nothing counted.
    clock.set(CUT_OFF + timedelta(hours=2))
    assert ticker.tick(clock(), budget_seconds=5).texts_cleared == {}
    shown = metrics.render()[0].decode()
    assert sample(shown, "als_retention_texts_cleared_total", table="topics") == 2
    assert texts_of(db)["log"] == "EDITED-AFTER"


def test_a_set_that_keeps_its_texts_says_so_and_is_never_cleared(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    open_setup(driver, slack)
    form = more_settings(driver, slack)
    radio = next(b for b in form["blocks"] if b.get("block_id") == "retention")["element"]
    assert radio["initial_option"]["value"] == "90"  # the default
    assert [o["value"] for o in radio["options"]] == ["30", "90", "365", "keep"]
    values = setup_values(**DEFAULTS, programme_sessions="1", retention="keep")
    assert field_errors(driver.submit_view(FAC, values=values)) is None
    settle(slack)
    with db.read() as s:
        assert s.scalars(select(LearningSet)).one().retention_days is None
    # The set's settings, as the set-up form sums them up, say so.
    assert "members' texts kept for as long as the set exists" in texts(
        open_setup(driver, slack)["blocks"]
    )
    submit_topic(driver, slack, A, "Kept", scenario="SECRET-KEPT")
    ticker = scheduler_process(als, db, slack, clock)
    clock.set(ENDED + timedelta(days=400))
    assert ticker.tick(clock(), budget_seconds=5).texts_cleared == {}
    assert texts_of(db) == {f"{SET_CHANNEL}:Kept": "SECRET-KEPT"}


def test_an_edit_racing_the_clearing_is_kept_and_the_rest_cleared(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, programme_sessions="1")
    submit_topic(driver, slack, A, "Ended", scenario="SECRET-ENDED")
    clock.set(ENDED + timedelta(hours=1))
    write_log(driver, slack, A, "SECRET-LOG")
    at = CUT_OFF + timedelta(minutes=2)
    clock.set(at)
    done: list[dict[str, int]] = []
    racer = threading.Thread(
        target=lambda: done.append(RetentionService(db, clock).run(at).cleared)
    )
    with db.write() as s, s.begin():
        # A's edit, made after the cut-off, holds its row while the scheduler's pass runs.
        entry = s.scalars(select(LogEntry)).one()
        entry.about_issue, entry.updated_at = "RACING-EDIT", at
        s.flush()
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive()  # the clearing waits for the edit (its row, or the write lock)
    racer.join(timeout=30)
    assert done == [{"topics": 2}]
    assert texts_of(db) == {f"{SET_CHANNEL}:Ended": "", "log": "RACING-EDIT"}


def test_a_backlog_is_cleared_a_batch_per_pass(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    for channel in (SET_CHANNEL, PUBLIC_CHANNEL):
        create_set(driver, slack, channel=channel, programme_sessions="1")
        submit_topic(driver, slack, A, channel, channel=channel, scenario="SECRET-" + channel)
    at = CUT_OFF + timedelta(minutes=2)
    clock.set(at)
    service = RetentionService(db, clock)
    first, second, third = (service.run(at, batch=1) for _ in range(3))
    assert (first.sets, first.more, first.cleared) == (1, True, {"topics": 2})
    assert (second.sets, second.more, second.cleared) == (1, True, {"topics": 2})
    assert (third.sets, third.more, third.cleared) == (0, False, {})
    assert set(texts_of(db).values()) == {""}


def test_every_member_text_but_the_title_is_cleared_by_retention() -> None:
    listed = {(c.class_.__tablename__, c.key) for c, _ in CLEARED}
    wanted = {(t.class_.__tablename__, t.key) for t, _ in MEMBER_TEXTS} - {("topics", "title")}
    assert listed == wanted
