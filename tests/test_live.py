"""The live session, end to end through the Slack surface: started on the confirmed agenda, run
in the agenda message's thread (one message per part, edited as its stages advance), moved on
by the facilitator and by the clock, with the questioning discipline's private cue cards."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.live import scale
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import LivePart, LiveSession
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    create_set,
    field_errors,
    last_response_text,
    more_settings,
    open_setup,
    open_vote,
    private_answer,
    settle,
    submit_topic,
    texts,
)
from tests.test_actions import SESSION_2, commit_values
from tests.test_attendance import apologise
from tests.test_reminders import scheduler_process
from tests.test_sessions_calendar import FIRST, listing, refusal

A, B, C, D, E = MEMBERS


def thread(slack: FakeSlack, agenda_ts: str) -> list[Any]:
    """The live session's messages in the agenda message's thread, oldest first (the thread
    also holds the commitments' lines)."""
    return [
        m
        for m in slack.messages(SET_CHANNEL)
        if m.thread_ts == agenda_ts
        and m.ts != agenda_ts
        and m.text.startswith(("Opening", "Topic", "Closing"))
    ]


def confirmed_agenda(
    driver: SlackDriver, slack: FakeSlack, clock: ManualClock, *, at: datetime = FIRST
) -> Any:
    """A set whose first session has a confirmed agenda of three topics (A's shared with its
    question, B's and C's private); the clock at ``at``. Returns the agenda message."""
    create_set(driver, slack)
    submit_topic(driver, slack, A, "Topic A", shared=True, question="How do I say no?")
    for author in (B, C):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(at - timedelta(hours=2))
    message = open_vote(driver, slack)
    assert "Agenda" in texts(message.blocks) and "no vote needed" in texts(message.blocks)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    clock.set(at)
    return slack.message(SET_CHANNEL, message.ts)


def click(driver: SlackDriver, slack: FakeSlack, user: str, action: str, message: Any) -> str:
    """Press ``action`` on a message; the private answer's text ("" if none came)."""
    before = len(slack.calls_to("response_url"))
    driver.click(user, action, channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    after = slack.calls_to("response_url")[before:]
    return (
        str(after[-1].args.get("text", "")) + texts(after[-1].args.get("blocks")) if after else ""
    )


def live_row(db: Database) -> LiveSession:
    with db.read() as s:
        row = s.scalars(select(LiveSession)).one()
        s.expunge(row)
        return row


def now_showing(slack: FakeSlack, message: Any) -> str:
    current = slack.message(SET_CHANNEL, message.ts)
    assert current is not None
    return texts(current.blocks)


def start(driver: SlackDriver, slack: FakeSlack, agenda: Any) -> list[Any]:
    assert click(driver, slack, FAC, "als_live_start", agenda).startswith("The session has started")
    return thread(slack, agenda.ts)


def test_a_session_runs_in_the_thread_by_the_clock_and_by_the_facilitator(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda = confirmed_agenda(driver, slack, clock)
    assert "als_live_start" in texts(agenda.blocks)
    # A member cannot start it; the facilitator can, once.
    assert "facilitator" in click(driver, slack, A, "als_live_start", agenda)
    opening = start(driver, slack, agenda)
    assert len(opening) == 1
    # The agenda message now says where the session runs, with no second "Start session".
    assert "als_live_start" not in now_showing(slack, agenda)
    assert "The session is running in this message's thread." in now_showing(slack, agenda)
    shown = texts(opening[0].blocks)
    assert "Opening" in shown and "Now: Check-in" in shown and "als_live_next" in shown
    # A stale copy of the button (a client not yet redrawn) is told, and nothing starts twice.
    start_value = next(
        e["value"]
        for b in agenda.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "als_live_start"
    )
    assert "already running" in refusal(driver, slack, FAC, "als_live_start", start_value)
    live = live_row(db)
    assert live.deadline == FIRST + timedelta(minutes=5)  # a third of the 15-min opening

    # The clock: the check-in's time is up, the report-back round comes (one edit).
    ticker = scheduler_process(als, db, slack, clock)
    updates = len(slack.calls_to("chat.update"))
    clock.set(FIRST + timedelta(minutes=5))
    assert ticker.live(clock()) == 1
    settle(slack)
    assert len(slack.calls_to("chat.update")) == updates + 1
    assert "Now: Report-back round" in now_showing(slack, opening[0])
    assert ticker.live(clock()) == 0  # nothing more is due

    # Next stage: the first topic's message, with A's shared question pinned at its top.
    click(driver, slack, FAC, "als_live_next", opening[0])
    parts = thread(slack, agenda.ts)
    assert len(parts) == 2
    topic = texts(parts[1].blocks)
    assert "Topic 1: Topic A" in topic and ":pushpin: *The question:* How do I say no?" in topic
    assert "Now: Presenting" in topic and "Only you speak" in topic
    assert "Done." in now_showing(slack, parts[0])

    # Help me ask comes with the question stages; a stale copy of it now is told why not.
    assert "als_live_help" not in topic
    assert "No questions during" in refusal(driver, slack, B, "als_live_help", str(live.id))

    # Two facilitators' clicks at once (the lead and a stale copy): one advance, not two.
    before = live_row(db)
    results: list[int] = []

    def press() -> None:
        results.append(
            driver.click(
                FAC, "als_live_next", channel_id=SET_CHANNEL, message_ts=parts[1].ts
            ).status
        )

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    settle(slack)
    after = live_row(db)
    assert results == [200, 200]
    assert after.step == before.step + 1 and after.revision == before.revision + 1
    assert "Now: Clarifying questions" in now_showing(slack, parts[1])
    assert "already moved on" in last_response_text(slack)

    # Help me ask, in a question stage: the cue card, only for the member who asked.
    cue = click(driver, slack, B, "als_live_help", parts[1])
    assert "Clarifying questions" in cue and "What have you tried so far?" in cue
    assert slack.calls_to("response_url")[-1].args.get("response_type") == "ephemeral"
    # The facilitator's prompts are theirs: a member is refused, the facilitator gets framing.
    assert "facilitator" in click(driver, slack, B, "als_live_prompts", parts[1]).lower()
    assert "What would success look like" in click(driver, slack, FAC, "als_live_prompts", parts[1])
    # Someone outside the set: refused, nothing moves.
    step = live_row(db).step
    assert "not a member" in click(driver, slack, OUTSIDER, "als_live_help", parts[1])
    assert "facilitator" in click(driver, slack, OUTSIDER, "als_live_next", parts[1]).lower()
    assert live_row(db).step == step

    # +5 min moves the deadline on; a time-out stops the clock, even long past the deadline.
    deadline = live_row(db).deadline
    assert deadline is not None
    click(driver, slack, FAC, "als_live_extend", parts[1])
    assert live_row(db).deadline == deadline + timedelta(minutes=5)
    clock.advance(timedelta(minutes=2))
    click(driver, slack, FAC, "als_live_time_out", parts[1])
    paused = live_row(db)
    assert paused.deadline is None and paused.paused_left is not None
    assert "Time-out" in now_showing(slack, parts[1]) and "als_live_resume" in now_showing(
        slack, parts[1]
    )
    assert "What helps" not in now_showing(slack, parts[1])
    prompts = click(driver, slack, FAC, "als_live_prompts", parts[1])
    assert "How well are we listening" in prompts  # group effectiveness during a time-out
    clock.advance(timedelta(hours=1))
    assert ticker.live(clock()) == 0
    click(driver, slack, FAC, "als_live_resume", parts[1])
    resumed = live_row(db)
    assert resumed.deadline == clock() + timedelta(seconds=paused.paused_left)

    # The clock runs out: open questions, then (by the button) the summary, then actions,
    # where the presenter commits in the thread.
    clock.set(resumed.deadline)
    assert ticker.live(clock()) == 1
    settle(slack)
    assert "Now: Open questions" in now_showing(slack, parts[1])
    click(driver, slack, FAC, "als_live_next", parts[1])
    click(driver, slack, FAC, "als_live_next", parts[1])
    shown = now_showing(slack, parts[1])
    assert "Now: Actions" in shown and "als_commit_open" in shown
    before_views = len(slack.calls_to("views.open"))
    driver.click(A, "als_commit_open", channel_id=SET_CHANNEL, message_ts=parts[1].ts)
    slack.wait_for("views.open", count=before_views + 1)
    assert slack.open_views(A)[-1]["callback_id"] == "als_commit"
    committed = driver.submit_view(A, values=commit_values([("Say no to one request", None)]))
    assert field_errors(committed) is None
    settle(slack)

    # End topic: the next topic's message; End session from the closing.
    click(driver, slack, FAC, "als_live_end_part", parts[1])
    parts = thread(slack, agenda.ts)
    assert len(parts) == 3 and "Topic 2" in texts(parts[2].blocks)
    assert "Done." in now_showing(slack, parts[1])
    click(driver, slack, FAC, "als_live_end_part", parts[2])
    click(driver, slack, FAC, "als_live_end_part", thread(slack, agenda.ts)[3])
    parts = thread(slack, agenda.ts)
    assert "Closing" in texts(parts[4].blocks) and "Now: Closing reflection" in texts(
        parts[4].blocks
    )
    click(driver, slack, FAC, "als_live_end", parts[4])
    assert "Session ended" in now_showing(slack, parts[4])
    assert live_row(db).status == "ended"
    assert "The session was run: its record is in this message's thread." in now_showing(
        slack, agenda
    )
    # A stale button after the end: told, nothing changes.
    ended = live_row(db)
    assert "no longer running" in refusal(
        driver, slack, FAC, "als_live_next", f"{ended.id}.{ended.revision - 1}"
    )
    assert "already been run" in refusal(driver, slack, FAC, "als_live_start", start_value)

    # The next session: its opening's report-back stage links the round's message (A's action).
    clock.set(SESSION_2 - timedelta(days=1))
    # /als start now means the next session (the one run is not offered again).
    assert (
        "Mon 04 Jan at 10:00 is not confirmed" in private_answer(driver, slack, FAC, "start").text
    )
    for author in (B, C):
        submit_topic(driver, slack, author, f"Next of {author[-2:]}")
    before = len(slack.messages(SET_CHANNEL))
    assert driver.command(FAC, "agenda", channel_id=SET_CHANNEL).status == 200
    settle(slack)
    new = slack.messages(SET_CHANNEL)[before:]
    round_message = next(m for m in new if "Report-back round" in texts(m.blocks))
    agenda_2 = next(m for m in new if "als_agenda_confirm" in texts(m.blocks))
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=agenda_2.ts)
    settle(slack)
    clock.set(SESSION_2)
    opening_2 = start(driver, slack, slack.message(SET_CHANNEL, agenda_2.ts))[0]
    click(driver, slack, FAC, "als_live_next", opening_2)
    link = f"https://als-test.slack.com/archives/{SET_CHANNEL}/p{round_message.ts.replace('.', '')}"
    assert f"<{link}|The report-back round's message>" in now_showing(slack, opening_2)
    assert slack.calls_to("chat.getPermalink")


def test_a_restart_resumes_on_time_and_catches_up_missed_stages(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda = confirmed_agenda(driver, slack, clock)
    start(driver, slack, agenda)
    first = scheduler_process(als, db, slack, clock, worker="first")
    clock.set(FIRST + timedelta(minutes=2))
    assert first.live(clock()) == 0
    # The process dies; another starts 20 minutes later: the check-in (5 min) and the
    # report-back round (10 min) were due at 10:05 and 10:15: the first topic's presenting
    # began at 10:15 and its time is up at 10:15 + its minutes, not 20 minutes from now.
    second = scheduler_process(als, db, slack, clock, worker="second")
    clock.set(FIRST + timedelta(minutes=20))
    assert second.live(clock()) == 1
    settle(slack)
    live = live_row(db)
    with db.read() as s:
        minutes = s.scalars(select(LivePart.minutes).order_by(LivePart.position)).all()
    presenting = round(minutes[1] * 5 / 38)
    assert live.steps[live.step][1] == "presenting"
    assert abs((live.deadline - (FIRST + timedelta(minutes=15 + presenting))).total_seconds()) <= 60  # type: ignore[operator]
    parts = thread(slack, agenda.ts)
    assert len(parts) == 2 and "Now: Presenting" in texts(parts[1].blocks)
    # Two passes at once (two processes): the stage moves once.
    clock.set(live.deadline)  # type: ignore[arg-type]
    moved: list[int] = []
    passes = [
        threading.Thread(target=lambda t=t: moved.append(t.live(clock()))) for t in (first, second)
    ]
    for p in passes:
        p.start()
    for p in passes:
        p.join()
    assert sorted(moved) == [0, 1]
    assert live_row(db).step == live.step + 1


def test_an_absent_presenter_is_skipped_and_the_question_is_the_presenters(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    agenda = confirmed_agenda(driver, slack, clock, at=FIRST - timedelta(minutes=30))
    # After the agenda was confirmed, C sends apologies: C's topic is skipped at the start and
    # its minutes go to the others.
    listed = listing(driver, slack, C)
    apologise(driver, slack, C, "", channel_id=SET_CHANNEL, message_ts=listed.ts)
    with db.read() as s:
        from bot.storage.models import AgendaItem

        agreed = sum(s.scalars(select(AgendaItem.minutes)).all())
    parts = start(driver, slack, agenda)
    with db.read() as s:
        rows = s.scalars(select(LivePart).order_by(LivePart.position)).all()
        presenters = [r.presenter_id for r in rows]
        minutes = [r.minutes for r in rows]
        questions = [r.question for r in rows]
    assert presenters == [None, A, B, None]
    assert sum(minutes) == agreed and minutes[1] > 0 and minutes[2] > 0
    assert f"Not presenting today (can't come): <@{C}>" in texts(parts[0].blocks)
    # A shared the question; B kept the preparation private: B may type it at the start.
    assert questions[1] == "How do I say no?" and questions[2] is None
    click(driver, slack, FAC, "als_live_end_part", parts[0])
    click(driver, slack, FAC, "als_live_end_part", thread(slack, agenda.ts)[1])
    b_topic = thread(slack, agenda.ts)[2]
    assert "als_live_question_open" in texts(b_topic.blocks)
    assert "Only the presenter" in click(driver, slack, A, "als_live_question_open", b_topic)
    before = len(slack.calls_to("views.open"))
    driver.click(B, "als_live_question_open", channel_id=SET_CHANNEL, message_ts=b_topic.ts)
    slack.wait_for("views.open", count=before + 1)
    errors = field_errors(driver.submit_view(B, values={"question": {"question_input": "  "}}))
    assert errors and "Write your question" in errors["question"]
    assert (
        field_errors(
            driver.submit_view(
                B, values={"question": {"question_input": "How do I hand over @channel?"}}
            )
        )
        is None
    )
    settle(slack)
    shown = texts(slack.message(SET_CHANNEL, b_topic.ts).blocks)  # type: ignore[union-attr]
    assert ":pushpin: *The question:* How do I hand over" in shown
    assert "<!channel>" not in shown and "als_live_question_open" not in shown


def test_start_refuses_an_unconfirmed_agenda_and_a_session_far_ahead(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    assert "no session to start" not in private_answer(driver, slack, FAC, "start").text
    assert "not confirmed" in private_answer(driver, slack, FAC, "start").text
    submit_topic(driver, slack, A, "Topic A")
    clock.set(FIRST - timedelta(days=3))
    agenda = open_vote(driver, slack)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=agenda.ts)
    settle(slack)
    assert "from an hour before" in private_answer(driver, slack, FAC, "start").text
    assert "facilitator" in private_answer(driver, slack, A, "start").text.lower()
    clock.set(FIRST + timedelta(days=1))
    agenda = slack.message(SET_CHANNEL, agenda.ts)
    assert "is over" in click(driver, slack, FAC, "als_live_start", agenda)
    clock.set(FIRST - timedelta(minutes=10))
    assert "has started" in private_answer(driver, slack, FAC, "start").text
    assert live_row(db).status == "running"


def test_the_set_adjusts_the_stage_template_in_more_settings(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    # Bad input: every error in one round, the template's among them.
    response = create_set(driver, slack, stages="5, 10", closing="500", wait=False)
    errors = field_errors(response)
    assert errors and "5 whole numbers" in errors["stages"] and "closing" in errors
    errors = field_errors(create_set(driver, slack, stages="5 10 15 3 0", wait=False))
    assert errors and "1 to 120 minutes" in errors["stages"]
    # A template of 40 minutes (10, 10, 10, 5, 5): each topic's stages scale from it.
    create_set(driver, slack, stages="10, 10, 10, 5, 5")
    open_setup(driver, slack)
    view = more_settings(driver, slack)
    field = next(b for b in view["blocks"] if b.get("block_id") == "stages")
    assert field["element"]["initial_value"] == "10, 10, 10, 5, 5"
    submit_topic(driver, slack, A, "Topic A")
    clock.set(FIRST - timedelta(hours=2))
    agenda = open_vote(driver, slack)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=agenda.ts)
    settle(slack)
    clock.set(FIRST)
    start(driver, slack, slack.message(SET_CHANNEL, agenda.ts))
    with db.read() as s:
        topic_minutes = s.scalars(select(LivePart.minutes).where(LivePart.position == 1)).one()
    steps = [step for step in live_row(db).steps if step[0] == 1]
    assert tuple(m for _, _, m in steps) == scale((10, 10, 10, 5, 5), topic_minutes)
    assert sum(m for _, _, m in steps) == topic_minutes
