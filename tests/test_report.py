"""The set's report (issue 19, point 2), through the Slack surface on both databases: the
figures of a scripted session match values worked out by hand, review averages and goal
ratings show only from three answers, nothing anyone wrote appears, and only members see it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import Action, AgendaItem, Topic
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    answer_to,
    dm_file,
    field_errors,
    forge_button,
    last_response_text,
    private_answer,
    settle,
    texts,
)
from tests.test_actions import command_answer, commit_values, open_commit, report_values
from tests.test_attendance_record import AFTER, checklist, held_session
from tests.test_goals import goal_command
from tests.test_reminders import tick
from tests.test_review import rate

A, B, C, D, E = MEMBERS


def report_text(driver: SlackDriver, slack: FakeSlack, user: str) -> str:
    return texts(private_answer(driver, slack, user, "report").blocks)


def test_the_sets_report_matches_a_scripted_session(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    ticker = held_session(als, driver, slack, db, clock)  # A, B, C present; E said coming
    agenda = next(m for m in slack.messages(SET_CHANNEL) if "als_agenda_confirm" in texts(m.blocks))
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=agenda.ts)
    settle(slack)
    with db.read() as s:
        topic_of = {t.author_id: t.id for t in s.scalars(select(Topic))}
        minutes = {i.presenter_id: i.minutes for i in s.scalars(select(AgendaItem))}

    # Actions: A commits two (one reported done, one partly), B one (not reported).
    for user, texts_ in ((A, ["Talk to both leads", "Write my priorities"]), (B, ["Ask Sam"])):
        open_commit(driver, slack, user, agenda, topic_of[user])
        values = commit_values([(t, None) for t in texts_], note="NOTE-" + user, shared=user == A)
        assert field_errors(driver.submit_view(user, values=values)) is None
        settle(slack)

    # Who came (the facilitator's checklist): A, B, C and D; not E, not the facilitator.
    tick(ticker, clock, AFTER)
    message = checklist(slack)
    dm, ts = message.channel, message.ts  # type: ignore[attr-defined]
    driver.click(FAC, "als_present_0", channel_id=dm, message_ts=ts, selected=[B, C, D])
    answer_to(slack, lambda: driver.click(FAC, "als_attendance_save", channel_id=dm, message_ts=ts))

    # Reviews: two answers show no average; the third shows it (3 + 4 + 2) / 3 = 3.0.
    rate(driver, slack, A, 4)
    rate(driver, slack, B, 2)
    shown = report_text(driver, slack, C)
    assert "2 answers (shown from 3)" in shown and "of 5 from" not in shown
    rate(driver, slack, FAC, 3)

    # A reports back.
    clock.set(AFTER + timedelta(days=3))
    with db.read() as s:
        a1, a2 = s.scalars(select(Action).where(Action.owner_id == A).order_by(Action.id)).all()
    for action, status in ((a1, "done"), (a2, "partly")):
        listing = command_answer(driver, slack, A, "actions")
        before = len(slack.calls_to("views.open"))
        driver.click(
            A,
            "als_action_report",
            channel_id=SET_CHANNEL,
            message_ts=listing.ts,
            value=str(action.id),
        )
        slack.wait_for("views.open", count=before + 1)
        driver.submit_view(A, values=report_values(status, "HAPPENED-" + status))
        settle(slack)

    # Goals: A, B and C write one (C's looks like a spreadsheet formula); two ratings are not
    # shown, three are.
    for user in (A, B, C):
        assert goal_command(driver, slack, user) is not None
        goal = "=GOAL-" + user if user == C else "GOAL-" + user
        driver.submit_view(user, values={"goal": {"goal_input": goal}})
        settle(slack)
    for user, rating in ((A, "5"), (B, "4")):
        assert goal_command(driver, slack, user, "goal review") is not None
        driver.submit_view(
            user, values={"rating": {"rating_input": rating}, "note": {"note_input": "LINE"}}
        )
        settle(slack)
    shown = report_text(driver, slack, D)
    assert "Goals*: 3 members wrote one; 2 ratings so far (shown from 3)" in shown
    assert goal_command(driver, slack, C, "goal review") is not None
    driver.submit_view(C, values={"rating": {"rating_input": "4"}, "note": {"note_input": ""}})
    settle(slack)

    shown = report_text(driver, slack, D)
    # Worked out by hand: 1 session held, 4 more planned (the horizon keeps 4 ahead); 4 of 6
    # places (the facilitator is marked too); airtime from the agenda; actions 3 committed:
    # 1 done, 1 partly, 1 not reported; the review 3.0 of 5 from 3; goals 1 rated 5, 2 rated 4.
    assert "*Sessions*: 1 held, 4 planned." in shown
    assert "*Attendance*: 67% (4 of 6 places, 1 session recorded)" in shown
    for user in (A, B, C):
        assert f"<@{user}>: 1 topic, {minutes[user]} min" in shown
    assert f"<@{D}>: 0 topics, 0 min" in shown and f"<@{E}>: 0 topics, 0 min" in shown
    assert "*Actions*: 3 committed: 1 done, 1 partly done, 1 not reported." in shown
    assert "3.0 of 5 from 3" in shown
    assert "*Learning log*: 0 entries from 0 members." in shown
    assert "Goals*: 3 members wrote one; progress: 1 rated 5, 2 rated 4." in shown
    # Nothing anyone wrote.
    for written in ("Talk to both", "NOTE-", "HAPPENED-", "GOAL-", "LINE", "Topic "):
        assert written not in shown, written

    # Home's button gives the same, privately; someone outside the set gets nothing.
    forge_button(driver, slack, B, SET_CHANNEL, "1700000000.000100", "als_report_open", "1")
    settle(slack)
    assert "67% (4 of 6 places" in last_response_text(slack)
    forge_button(driver, slack, OUTSIDER, SET_CHANNEL, "1700000000.000100", "als_report_open", "1")
    settle(slack)
    assert "not a member" in last_response_text(slack)
    assert (
        "not in an Action Learning Set"
        in private_answer(driver, slack, OUTSIDER, "report", channel=None).text
    )

    # The charts: images in D's DM, each with alt text carrying the same figures.
    answer = private_answer(driver, slack, D, "report")
    driver.click(D, "als_report_charts", channel_id=SET_CHANNEL, message_ts=answer.ts)
    slack.wait_for("files.completeUploadExternal", count=3)
    settle(slack)
    files = {f["name"]: f for m in slack.dm_messages(D) for f in (m.files or [])}
    assert set(files) >= {"attendance-usefulness.png", "actions.png", "airtime.png"}
    for f in files.values():
        assert (slack.file_content(f["id"]) or b"").startswith(b"\x89PNG")
    assert files["actions.png"]["alt_txt"] == (
        "Actions by status: 3 committed; 1 done, 1 partly done, 1 not reported."
    )
    assert "attendance 67%, usefulness 3.0 of 5" in files["attendance-usefulness.png"]["alt_txt"]
    airtime = files["airtime.png"]["alt_txt"]
    assert f"Member 01 1 topic, {minutes[A]} min" in airtime and "Member 04 0 topics" in airtime

    # Exports. A's own: everything of A's, nothing of anyone else's.
    assert "in your DM" in private_answer(driver, slack, A, "export").text
    mine = dm_file(slack, A, "my-action-learning.csv")
    for written in ("Talk to both leads", "Write my priorities", "HAPPENED-done", "GOAL-" + A):
        assert written in mine, written
    assert "LINE" in mine and "Ask Sam" not in mine and "GOAL-" + B not in mine
    # C's goal cannot run as a formula in a spreadsheet.
    private_answer(driver, slack, C, "export")
    assert "'=GOAL-" + C in dm_file(slack, C, "my-action-learning.csv")
    # The set's shared actions: A's listed, B's private one only counted.
    private_answer(driver, slack, D, "export actions")
    shared = dm_file(slack, D, "shared-actions.csv")
    assert "Talk to both leads" in shared and "Ask Sam" not in shared
    assert f"{B},1 private action(s)" in shared
    # E wrote nothing, but her membership and her answer are records about her: she gets them.
    # Someone with no record at all is told so; someone outside the set gets no set's file.
    private_answer(driver, slack, E, "export")
    assert "sessions,1,your_answer,coming" in dm_file(slack, E, "my-action-learning.csv")
    assert "nothing to export" in private_answer(driver, slack, OUTSIDER, "export", None).text
    assert (
        "not in an Action Learning Set"
        in private_answer(driver, slack, OUTSIDER, "export actions", channel=None).text
    )

    # B leaves the set: B's past figures stay in the counts (and B's line in the airtime),
    # B's words still appear nowhere.
    driver.command(B, "leave", channel_id=SET_CHANNEL)
    settle(slack)
    confirm = slack.ephemerals(SET_CHANNEL, B)[-1]
    driver.click(B, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    settle(slack)
    shown = report_text(driver, slack, D)
    assert "*Actions*: 3 committed: 1 done, 1 partly done, 1 not reported." in shown
    assert f"<@{B}>: 1 topic, {minutes[B]} min" in shown
    assert "Ask Sam" not in shown and "GOAL-" + B not in shown
