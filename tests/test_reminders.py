"""Reminders through the real tick and the fake Slack: planned once, sent once, at the right
local time, out of quiet hours, and every Slack failure handled as the issue says.

Time only moves through the injected clock (the pacer's clock included): no sleeps. The set:
created by Fiona (London) for Monday 2026-12-07 10:00 London (= 10:00 UTC), weekly, with five
members in New York, Berlin, Tokyo, Sydney and Los Angeles (see conftest)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.delivery import TARGET_ERRORS, WORKSPACE_ERRORS
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.scheduler.tick import Ticker
from bot.services.reminders import TEAM_LEASE, ReminderService
from bot.slack.client import scheduler_client
from bot.slack.pacing import Pacer
from bot.storage.db import Database
from bot.storage.models import AgendaVote, LearningSet, PlannedSession, Reminder, Workspace
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import answer_to, create_set, open_vote, settle, submit_topic

NY, BERLIN, TOKYO, SYDNEY, LA = MEMBERS
SESSION = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
# Weekly: the prep prompt comes half an interval (3.5 days) before, at 22:00 London.
PROMPT_AT = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)

PROMPT = "Time to prepare your topic"
NUDGE = "you have not answered yet"
REPORT = "time to report back"
REFLECT = "learning log"


def scheduler_process(
    als: AlsBot,
    db: Database,
    slack: FakeSlack,
    clock: ManualClock,
    *,
    timeout: int = 1,
    worker: str = "test-worker",
) -> Ticker:
    """A scheduler process: its own Slack client (no retries) and a pacer on the test clock (a
    429's pause ends when the clock says so)."""
    return als.scheduler(
        scheduler_client(slack.bot_token, slack.api_url, timeout=timeout),
        pacer=Pacer(
            per_minute=600_000,
            burst=10_000,
            channel_interval=0,
            monotonic=lambda: clock().timestamp(),
        ),
        worker=worker,
    )


@pytest.fixture
def ticker(als: AlsBot, db: Database, slack: FakeSlack, clock: ManualClock) -> Ticker:
    return scheduler_process(als, db, slack, clock)


def tick(ticker: Ticker, clock: ManualClock, at: datetime) -> None:
    clock.set(at)
    ticker.tick(at, budget_seconds=5)


def dms(slack: FakeSlack, user: str, needle: str) -> list[str]:
    return [m.text for m in slack.dm_messages(user) if needle.lower() in m.text.lower()]


def reminder_rows(db: Database, **where: object) -> list[Reminder]:
    with db.read() as s:
        stmt = select(Reminder)
        for key, value in where.items():
            stmt = stmt.where(getattr(Reminder, key) == value)
        return list(s.scalars(stmt.order_by(Reminder.id)))


@pytest.fixture
def the_set(driver, slack: FakeSlack) -> Iterator[None]:  # type: ignore[no-untyped-def]
    create_set(driver, slack, cadence="1")
    yield


def test_prep_prompts_once_each_out_of_quiet_hours(
    the_set: None, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    tick(ticker, clock, PROMPT_AT - timedelta(minutes=1))
    assert all(not dms(slack, u, PROMPT) for u in MEMBERS)
    tick(ticker, clock, PROMPT_AT)
    # 22:00 UTC: 17:00 New York, 09:00 Sydney, 14:00 Los Angeles; 23:00 Berlin and 07:00
    # Tokyo are quiet hours.
    assert {u for u in MEMBERS if dms(slack, u, PROMPT)} == {NY, SYDNEY, LA}
    assert not dms(slack, FAC, PROMPT), "the facilitator does not participate"
    prompt = next(m for m in slack.dm_messages(NY) if PROMPT in m.text)
    assert "als_topic_open" in str(prompt.blocks), "the prompt has a button to the topic modal"
    tick(ticker, clock, PROMPT_AT)  # the same tick again: nothing doubles
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=59))
    assert not dms(slack, TOKYO, PROMPT)
    tick(ticker, clock, PROMPT_AT + timedelta(hours=1))  # 08:00 in Tokyo
    assert dms(slack, TOKYO, PROMPT)
    tick(ticker, clock, datetime(2026, 12, 4, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    assert all(len(dms(slack, u, PROMPT)) == 1 for u in MEMBERS)
    rows = reminder_rows(db, kind="prep_prompt")
    assert Counter(r.status for r in rows)["sent"] == 5 * 1 and all(r.message_ts for r in rows[:1])


def test_nudge_only_to_who_has_not_answered_and_counts_in_the_channel(
    the_set: None, driver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    submit_topic(driver, slack, NY, "Budget fight")
    submit_topic(driver, slack, BERLIN, response="no_topic")
    submit_topic(driver, slack, TOKYO, "Draft only", response="draft")
    # Nudges are due 2 days before, 10:00 London: 19:00 Tokyo, 02:00 LA (quiet), 21:00 Sydney
    # (quiet).
    tick(ticker, clock, datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    assert not dms(slack, NY, NUDGE) and not dms(slack, BERLIN, NUDGE)
    assert dms(slack, TOKYO, NUDGE), "a draft is not an answer"
    assert not dms(slack, LA, NUDGE) and not dms(slack, SYDNEY, NUDGE)
    tick(ticker, clock, datetime(2026, 12, 5, 15, 59, tzinfo=UTC))
    assert not dms(slack, LA, NUDGE)
    tick(ticker, clock, datetime(2026, 12, 5, 16, 0, tzinfo=UTC))  # 08:00 Los Angeles
    assert len(dms(slack, LA, NUDGE)) == 1 and not dms(slack, SYDNEY, NUDGE)
    tick(ticker, clock, datetime(2026, 12, 5, 21, 0, tzinfo=UTC))  # 08:00 Sydney (AEDT)
    assert len(dms(slack, SYDNEY, NUDGE)) == 1 and len(dms(slack, TOKYO, NUDGE)) == 1
    skipped = reminder_rows(db, kind="prep_nudge", status="skipped")
    assert {r.target for r in skipped} == {NY, BERLIN}
    assert all(r.reason == "already answered" for r in skipped)
    # The session-day post: one hour before, counts only.
    tick(ticker, clock, SESSION - timedelta(hours=1))
    posts = [m for m in slack.messages(SET_CHANNEL) if "report-back" in m.text]
    assert len(posts) == 1 and "1 topic in" in posts[0].text
    assert "Budget fight" not in posts[0].text
    tick(ticker, clock, SESSION - timedelta(minutes=30))
    assert len([m for m in slack.messages(SET_CHANNEL) if "report-back" in m.text]) == 1


def test_late_prompts_are_skipped_and_left_members_get_nothing(
    the_set: None, driver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    answers = len(slack.calls_to("response_url"))
    assert driver.command(LA, "leave", channel_id=SET_CHANNEL).status == 200
    slack.wait_for("response_url", count=answers + 1)
    confirm = slack.ephemerals(SET_CHANNEL, LA)[-1]
    driver.click(LA, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    slack.wait_for("chat.postMessage", lambda c: "has left" in c.args.get("text", ""))
    # Downtime: the bot comes back after the session started.
    tick(ticker, clock, SESSION + timedelta(minutes=5))
    assert all(not dms(slack, u, PROMPT) for u in MEMBERS)
    rows = reminder_rows(db, kind="prep_prompt", session_id=_first_session_id(db))
    assert rows and all(r.status == "skipped" and "too late" in (r.reason or "") for r in rows)
    # The reflection, an hour after the end, is still useful: sent, but not to who left.
    with db.read() as s:
        end = SESSION + timedelta(
            minutes=s.get(PlannedSession, _first_session_id(db)).duration_minutes
        )  # type: ignore[union-attr]
    tick(ticker, clock, end + timedelta(hours=1))
    assert dms(slack, NY, REFLECT) and not dms(slack, LA, REFLECT)


def _first_session_id(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(PlannedSession.id).order_by(PlannedSession.starts_at).limit(1))  # type: ignore[return-value]


def test_rate_limit_waits_retry_after_and_server_errors_retry(
    the_set: None, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    slack.inject_http("chat.postMessage", 429, retry_after=30)
    tick(ticker, clock, PROMPT_AT)
    limited = [r for r in reminder_rows(db, kind="prep_prompt") if r.reason == "ratelimited"]
    assert len(limited) == 1 and limited[0].status == "pending"
    assert limited[0].send_after >= PROMPT_AT + timedelta(seconds=30)
    # The workspace waits out Retry-After: nothing else was sent meanwhile.
    assert all(not dms(slack, u, PROMPT) for u in MEMBERS)
    slack.inject_http("chat.postMessage", 500)
    tick(ticker, clock, PROMPT_AT + timedelta(seconds=31))
    failed_once = [r for r in reminder_rows(db, kind="prep_prompt") if r.reason == "internal_error"]
    assert len(failed_once) == 1 and failed_once[0].status == "pending"
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=5))
    assert {u for u in MEMBERS if dms(slack, u, PROMPT)} == {NY, SYDNEY, LA}
    assert all(len(dms(slack, u, PROMPT)) <= 1 for u in MEMBERS)


def test_permanent_errors_target_once_and_workspace(
    the_set: None, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    slack.update_user(NY, deleted=True)
    slack.set_deactivated_dm_error("user_disabled")
    tick(ticker, clock, PROMPT_AT)
    [row] = reminder_rows(db, kind="prep_prompt", target=NY, session_id=_first_session_id(db))
    assert row.status == "failed" and row.reason == "user_disabled"
    told = [m.text for m in slack.dm_messages(FAC) if "could not deliver" in m.text]
    assert len(told) == 1 and NY in told[0]
    # No more attempts for them, and the facilitator is not told again.
    tick(ticker, clock, datetime(2026, 12, 5, 13, 0, tzinfo=UTC))  # 08:00 in New York
    assert [
        r.status
        for r in reminder_rows(db, kind="prep_nudge", target=NY, session_id=_first_session_id(db))
    ] == ["skipped"]
    assert len([m for m in slack.dm_messages(FAC) if "could not deliver" in m.text]) == 1
    # The token is revoked: sending stops for the workspace.
    slack.set_auth_error("token_revoked")
    tick(ticker, clock, datetime(2026, 12, 6, 16, 0, tzinfo=UTC))
    with db.read() as s:
        ws = s.scalar(select(Workspace))
        assert ws is not None and ws.sending_stopped_reason == "token_revoked"
    posts = len(slack.calls_to("chat.postMessage"))
    tick(ticker, clock, SESSION - timedelta(hours=1))
    assert len(slack.calls_to("chat.postMessage")) == posts, "nothing more is tried"


def test_timeout_is_ambiguous_prompt_resent_nudge_not(
    the_set: None, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    tick(ticker, clock, PROMPT_AT - timedelta(days=5))  # plan
    with db.write() as s, s.begin():  # only New York's reminders: one call to hold
        s.execute(update(Reminder).where(Reminder.target != NY).values(status="skipped"))
    held = slack.hold("chat.postMessage")
    clock.set(PROMPT_AT)
    done = threading.Thread(target=ticker.tick, args=(PROMPT_AT,), kwargs={"budget_seconds": 3})
    done.start()
    held.wait_arrived(timeout=5)
    done.join(timeout=5)  # the client gave up after 1 s
    held.release()  # ...but Slack posted it
    [row] = reminder_rows(db, kind="prep_prompt", target=NY, session_id=_first_session_id(db))
    assert row.status == "pending" and row.ambiguous == 1
    tick(ticker, clock, PROMPT_AT + timedelta(minutes=1))
    assert len(dms(slack, NY, PROMPT)) == 2, "a prompt is resent: the duplicate is counted"
    [row] = reminder_rows(db, kind="prep_prompt", target=NY, session_id=_first_session_id(db))
    assert row.status == "sent" and row.ambiguous == 1
    # The nudge: at most one, so an unknown outcome is not resent.
    held = slack.hold("chat.postMessage")
    at = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 08:00 in New York
    clock.set(at)
    done = threading.Thread(target=ticker.tick, args=(at,), kwargs={"budget_seconds": 3})
    done.start()
    held.wait_arrived(timeout=5)
    done.join(timeout=5)
    held.release()
    tick(ticker, clock, at + timedelta(minutes=1))
    [row] = reminder_rows(db, kind="prep_nudge", target=NY, session_id=_first_session_id(db))
    assert row.status == "unknown" and row.ambiguous == 1
    assert len(dms(slack, NY, NUDGE)) == 1


def test_a_quiet_tick_plans_nothing_and_only_due_sets(
    the_set: None, ticker: Ticker, clock: ManualClock, db: Database
) -> None:
    first = ticker.tick(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert first.sets == 1 and first.reminders_planned > 0
    again = ticker.tick(datetime(2026, 11, 24, 9, 1, tzinfo=UTC))
    assert again.sets == 0 and again.reminders_planned == 0 and again.sent.sent == 0
    with db.read() as s:
        lset = s.scalar(select(LearningSet))
        assert lset is not None and lset.replan_at == SESSION + timedelta(
            minutes=s.get(PlannedSession, _first_session_id(db)).duration_minutes  # type: ignore[union-attr]
        )
    keys = [(r.session_id, r.target, r.kind) for r in reminder_rows(db)]
    assert len(keys) == len(set(keys)) and all(r.target for r in reminder_rows(db))
    channel_rows = reminder_rows(db, target=SET_CHANNEL)
    assert {r.kind for r in channel_rows} == {"session_post"}


def test_auto_vote_opens_the_agenda_vote_at_the_session_start_once(
    driver: SlackDriver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    """The set asked for it in its settings: the scheduler opens the vote at the session's
    start, as the facilitator's `/als agenda` would (one message, the vote in the database)."""
    create_set(driver, slack, cadence="1", auto_vote="auto_vote")
    for user in (NY, BERLIN, TOKYO, SYDNEY):  # more topics than the 3 slots: a vote
        submit_topic(driver, slack, user)
    tick(ticker, clock, SESSION - timedelta(minutes=1))
    assert not [m for m in slack.messages(SET_CHANNEL) if "vote" in m.text.lower()]
    tick(ticker, clock, SESSION)
    tick(ticker, clock, SESSION)  # the same tick again: not a second vote
    tick(ticker, clock, SESSION + timedelta(minutes=5))
    session_id = _first_session_id(db)
    with db.read() as s:
        votes = s.scalars(select(AgendaVote).where(AgendaVote.session_id == session_id)).all()
    assert [v.status for v in votes] == ["open"]
    assert votes[0].message_ts is not None
    posted = [m for m in slack.messages(SET_CHANNEL) if m.ts == votes[0].message_ts]
    assert len(posted) == 1
    assert "Topic of" in str(posted[0].blocks)  # the topics to vote on
    [row] = reminder_rows(db, kind="auto_vote", session_id=session_id)
    assert row.status == "sent" and row.attempts == 1


def test_the_scheduler_shows_an_auto_opened_vote_without_retrying_a_post(
    driver: SlackDriver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    """The scheduler opens the vote through the agenda service and posts its message through
    its own client, which never retries a post by itself (a retried post could double a
    message; the delivery state machine decides). Slack losing the connection mid-post is
    therefore not followed by a second post of the same message in that pass."""
    create_set(driver, slack, cadence="1", auto_vote="auto_vote")
    for user in (NY, BERLIN, TOKYO, SYDNEY):
        submit_topic(driver, slack, user)
    tick(ticker, clock, SESSION - timedelta(minutes=1))
    before = len(slack.calls_to("chat.postMessage"))
    slack.hold("chat.postMessage").drop(wait=False)  # the next post: connection closed
    tick(ticker, clock, SESSION)
    vote_posts = [
        c for c in slack.calls_to("chat.postMessage")[before:] if "Agenda vote" in str(c.args)
    ]
    assert [c.status for c in vote_posts] == [0]
    with db.read() as s:
        [vote] = s.scalars(select(AgendaVote)).all()
    assert vote.status == "open" and vote.message_ts is None


# -- one sender per workspace: N scheduler processes never send N times its budget ---------
def test_one_process_at_a_time_sends_for_a_workspace(
    the_set: None, als: AlsBot, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:
    """Two scheduler processes, one workspace: while one is sending for it (its call held in
    flight by Slack), the other sends nothing for it; so each process's pacer is the
    workspace's pacer."""
    first = scheduler_process(als, db, slack, clock, timeout=20, worker="first")
    second = scheduler_process(als, db, slack, clock, timeout=20, worker="second")
    first.tick(PROMPT_AT - timedelta(days=5))  # plan
    held = slack.hold("chat.postMessage")
    before = len(slack.calls_to("chat.postMessage"))
    clock.set(PROMPT_AT)
    thread = threading.Thread(target=first.tick, args=(PROMPT_AT,), kwargs={"budget_seconds": 30})
    thread.start()
    held.wait_arrived(timeout=10)
    assert second.tick(PROMPT_AT, budget_seconds=5).sent.sent == 0
    assert len(slack.calls_to("chat.postMessage")) <= before + 1, "only the held call"
    held.release()
    thread.join(timeout=30)
    due = [r for r in reminder_rows(db, kind="prep_prompt") if r.status == "sent"]
    assert {r.target for r in due} == {NY, SYDNEY, LA}
    assert {r.claimed_by for r in due} == {"first"}
    # Done: the first process let go of the workspace, so the second sends at once.
    tick(second, clock, PROMPT_AT + timedelta(hours=1))  # 08:00 in Tokyo
    [tokyo] = [r for r in reminder_rows(db, kind="prep_prompt", target=TOKYO) if r.sent_at]
    assert tokyo.claimed_by == "second"


def test_send_leases_expire_and_survive_a_pause(
    the_set: None, db: Database, clock: ManualClock
) -> None:
    reminders = ReminderService(db, clock)
    reminders.plan(PROMPT_AT - timedelta(days=5))
    at = PROMPT_AT + timedelta(hours=10)  # the five prompts and the facilitator's are due
    a = reminders.claim_next(at, "a")
    assert a is not None
    assert reminders.claim_next(at, "b") is None, "the workspace is a's"
    assert reminders.claim_next(at, "a") is not None, "a goes on"
    # a stopped without letting go (it died): b takes over once the lease has run out.
    later = at + TEAM_LEASE + timedelta(seconds=1)
    assert reminders.claim_next(at, "b", now=later - timedelta(seconds=2)) is None
    assert reminders.claim_next(at, "b", now=later) is not None
    # b is paused by a 429 for 90 s: it keeps the workspace after its run, until the pause ends.
    assert reminders.hold_lease(a.team_id, "b", later, later + timedelta(seconds=90))
    reminders.release_leases("b", keep=[a.team_id])
    assert reminders.claim_next(at, "a", now=later + timedelta(seconds=89)) is None
    assert reminders.claim_next(at, "a", now=later + timedelta(seconds=91)) is not None
    reminders.release_leases("a")
    assert reminders.claim_next(at, "b", now=later + timedelta(seconds=92)) is not None
    assert reminders.claim_next(at, "b", now=later + timedelta(seconds=93)) is not None
    assert reminders.claim_next(at, "b", now=later + timedelta(seconds=94)) is None, "all six"


def _only_the_channel_posts(db: Database) -> None:
    with db.write() as s, s.begin():
        s.execute(update(Reminder).where(Reminder.kind != "session_post").values(status="skipped"))


@pytest.mark.parametrize("error", sorted(TARGET_ERRORS))
def test_each_target_error_stops_that_target_and_tells_the_facilitator_once(
    the_set: None,
    ticker: Ticker,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
    error: str,
) -> None:
    """Through the tick: the set's channel refuses its session-day post for good."""
    tick(ticker, clock, PROMPT_AT - timedelta(days=5))  # plan
    _only_the_channel_posts(db)
    slack.inject_error("chat.postMessage", error)
    tick(ticker, clock, SESSION - timedelta(hours=1))
    [row] = reminder_rows(db, kind="session_post", session_id=_first_session_id(db))
    assert (row.status, row.reason, row.attempts) == ("failed", error, 1)
    with db.read() as s:
        lset = s.scalar(select(LearningSet))
        assert lset is not None and lset.channel_unreachable == error
    told = [m for m in slack.dm_messages(FAC) if "could not deliver" in m.text]
    assert len(told) == 1 and error in told[0].text
    # The next session's post is not tried, and the facilitator is not told again.
    posts = len(slack.calls_to("chat.postMessage"))
    tick(ticker, clock, SESSION + timedelta(days=7, hours=-1))
    assert len(slack.calls_to("chat.postMessage")) == posts
    later = [r for r in reminder_rows(db, kind="session_post") if r.session_id != row.session_id]
    assert any(r.status == "skipped" and "unreachable" in (r.reason or "") for r in later)


@pytest.mark.parametrize("error", sorted(WORKSPACE_ERRORS))
def test_each_workspace_error_stops_sending_for_the_workspace(
    the_set: None,
    ticker: Ticker,
    slack: FakeSlack,
    clock: ManualClock,
    db: Database,
    error: str,
) -> None:
    tick(ticker, clock, PROMPT_AT - timedelta(days=5))  # plan
    _only_the_channel_posts(db)
    slack.set_auth_error(error)  # every call, auth.test too: the token does not work again
    tick(ticker, clock, SESSION - timedelta(hours=1))
    with db.read() as s:
        ws = s.scalar(select(Workspace))
        assert ws is not None and ws.sending_stopped_reason == error
    posts = len(slack.calls_to("chat.postMessage"))
    tick(ticker, clock, SESSION + timedelta(days=7, hours=-1))
    assert len(slack.calls_to("chat.postMessage")) == posts, "nothing more is tried"
    later = [
        r for r in reminder_rows(db, kind="session_post") if r.session_id != _first_session_id(db)
    ]
    assert all(r.status == "pending" for r in later), "they wait for the workspace to resume"


def test_no_topic_prompt_to_who_has_answered_nor_once_topics_closed(
    the_set: None, driver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    submit_topic(driver, slack, NY, "Budget fight")
    submit_topic(driver, slack, BERLIN, response="no_topic")
    tick(ticker, clock, PROMPT_AT)
    tick(ticker, clock, datetime(2026, 12, 4, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    assert {u for u in MEMBERS if dms(slack, u, PROMPT)} == {TOKYO, SYDNEY, LA}
    skipped = reminder_rows(db, kind="prep_prompt", status="skipped")
    assert {(r.target, r.reason) for r in skipped} == {
        (NY, "already answered"),
        (BERLIN, "already answered"),
    }
    # The facilitator opens the agenda (one topic for three places: drafted at once). The
    # session's topics are closed: nobody is nudged to answer for it.
    open_vote(driver, slack)
    tick(ticker, clock, datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    tick(ticker, clock, datetime(2026, 12, 5, 21, 0, tzinfo=UTC))  # 08:00 in Sydney
    assert not any(dms(slack, u, NUDGE) for u in MEMBERS)
    with db.read() as s:
        first = s.scalars(select(PlannedSession.id).order_by(PlannedSession.starts_at)).first()
    nudges = reminder_rows(db, kind="prep_nudge", session_id=first)
    assert len(nudges) == 5
    assert {(r.status, r.reason) for r in nudges} == {("skipped", "topics closed")}


def test_a_topic_prompts_button_opens_its_session_or_says_where_topics_go_now(
    the_set: None, driver, ticker: Ticker, slack: FakeSlack, clock: ManualClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    tick(ticker, clock, PROMPT_AT)
    prompt = next(m for m in slack.dm_messages(NY) if PROMPT in m.text)
    with db.read() as s:
        first, second = s.scalars(select(PlannedSession).order_by(PlannedSession.starts_at)).all()[
            :2
        ]
    button = "als_topic_open"
    values = [
        el["value"]
        for block in prompt.blocks or []
        for el in block.get("elements", [])
        if el.get("action_id") == button
    ]
    assert values == [f"{first.set_id}:{first.id}"]

    def click(value: str | None = None) -> None:
        driver.click(NY, button, channel_id=prompt.channel, message_ts=prompt.ts, value=value)
        settle(slack)

    opened = len(slack.calls_to("views.open"))
    click()
    assert len(slack.calls_to("views.open")) == opened + 1
    modal = slack.open_views(NY)[-1]
    assert modal["callback_id"] == "als_topic" and "07 Dec 2026" in json.dumps(modal)

    # The vote opens: the prompt's session takes no more topics. Its button says so, and
    # where topics go now, instead of opening a form for another session unannounced.
    submit_topic(driver, slack, LA, "Hiring")
    open_vote(driver, slack)
    opened = len(slack.calls_to("views.open"))
    told = answer_to(slack, click)
    assert len(slack.calls_to("views.open")) == opened
    assert "This reminder was for the session of" in told and "have closed" in told
    assert "07 Dec 2026" in told and "14 Dec 2026" in told
    answer = slack.response_url_posts()[-1].body
    assert f'"value": "{first.set_id}"' in json.dumps(answer["blocks"])
    assert second.starts_at > first.starts_at

    # A session that is not this set's (a forged value): out of date, nothing opened.
    told = answer_to(slack, lambda: click(f"{first.set_id}:99999"))
    assert "out of date" in told and len(slack.calls_to("views.open")) == opened
