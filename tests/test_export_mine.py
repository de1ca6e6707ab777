"""``/als export`` (issue 21, point 2), through the Slack surface on both databases: a member in
two sets (one of them left) gets every record about them, as JSON and as CSV in their DM, with
none of another member's text or votes and nothing from another workspace where the same user
id has records too; nothing to export, and an upload Slack refuses, get a clear answer."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import (
    Action,
    ActionReport,
    AgendaVote,
    CalendarFeed,
    Commitment,
    FacilitationRequest,
    LearningSet,
    LogEntry,
    MemberGoal,
    Membership,
    Organiser,
    PlannedSession,
    Rsvp,
    SessionReview,
    Topic,
    VoteAllocation,
    Workspace,
)
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    ballot,
    create_set,
    dm_file,
    field_errors,
    give_votes,
    open_vote,
    private_answer,
    settle,
    submit_topic,
)
from tests.test_actions import command_answer, commit_values, open_commit, report_values
from tests.test_attendance import apologise
from tests.test_goals import goal_command
from tests.test_handover import hand_over
from tests.test_live import start
from tests.test_reminders import scheduler_process, tick
from tests.test_review import rate
from tests.test_sessions_calendar import listing

A, B, C, D, E = MEMBERS
SECOND = "C0SECOND01"
FIRST = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 10:00 London, 3 hours
AFTER = FIRST + timedelta(hours=3)
OTHER_TEAM = "T0ELSEWHR1"
SECRET = "SECRET-B"  # in everything B writes
ELSEWHERE = "ELSEWHERE"  # in everything stored for the other workspace
JSON_FILE, CSV_FILE = "my-action-learning.json", "my-action-learning.csv"


def export_files(driver: SlackDriver, slack: FakeSlack, user: str) -> tuple[dict[str, Any], str]:
    """Run ``/als export``; the JSON (parsed) and the CSV (text) it put in the user's DM."""
    answer = private_answer(driver, slack, user, "export")
    assert "as a JSON file and a CSV file" in answer.text
    slack.wait_for("files.completeUploadExternal", count=2)
    return json.loads(dm_file(slack, user, JSON_FILE)), dm_file(slack, user, CSV_FILE)


def write(driver: SlackDriver, slack: FakeSlack, user: str, words: str, values: Any) -> None:
    """Run ``/als <words>`` in the set's channel and send the modal it opens."""
    before = len(slack.calls_to("views.open"))
    assert driver.command(user, words, channel_id=SET_CHANNEL).status == 200
    slack.wait_for("views.open", count=before + 1)
    assert field_errors(driver.submit_view(user, values=values)) is None
    settle(slack)


def next_session(db: Database) -> int:
    """The first set's second session."""
    with db.read() as s:
        return s.scalars(
            select(PlannedSession.id)
            .join(LearningSet, LearningSet.id == PlannedSession.set_id)
            .where(LearningSet.channel_id == SET_CHANNEL, PlannedSession.team_id != OTHER_TEAM)
            .order_by(PlannedSession.starts_at)
        ).all()[1]


def other_workspace(db: Database, users: tuple[str, ...]) -> None:
    """The same user ids in another workspace, with a row in every table about a member."""
    with db.write() as s, s.begin():
        s.add(Workspace(team_id=OTHER_TEAM, name=ELSEWHERE))
        s.flush()
        lset = LearningSet(
            team_id=OTHER_TEAM,
            channel_id="C0ELSEWHR1",
            name=ELSEWHERE + " set",
            timezone="UTC",
            anchor_date=date(2026, 12, 1),
            session_time=FIRST.time(),
            cadence_weeks=2,
            session_minutes=60,
            ground_rules=ELSEWHERE,
            created_by=users[0],
        )
        s.add(lset)
        s.flush()
        session = PlannedSession(
            team_id=OTHER_TEAM,
            set_id=lset.id,
            local_date=date(2026, 12, 1),
            local_time=FIRST.time(),
            timezone="UTC",
            starts_at=FIRST - timedelta(days=6),
            duration_minutes=60,
            facilitator_id=users[0],
        )
        s.add(session)
        s.flush()
        scope = {"team_id": OTHER_TEAM, "set_id": lset.id}
        at = {**scope, "session_id": session.id}
        vote = AgendaVote(**at, channel_id=lset.channel_id, opened_by=users[0])
        s.add(vote)
        for user in users:
            s.add(Membership(**scope, user_id=user, is_facilitator=True))
            s.add(Rsvp(**at, user_id=user, answer="apologies", reason=ELSEWHERE + "-reason"))
            s.add(SessionReview(**at, user_id=user, useful=5, note=ELSEWHERE + "-review"))
            s.add(LogEntry(**at, author_id=user, about_issue=ELSEWHERE + "-log"))
            s.add(MemberGoal(**scope, user_id=user, goal=ELSEWHERE + "-goal"))
            s.add(Organiser(team_id=OTHER_TEAM, user_id=user, added_by=user))
            s.add(CalendarFeed(team_id=OTHER_TEAM, user_id=user, generation=7))
            s.add(FacilitationRequest(**at, kind="handover", from_user=user, to_user=user))
            topic = Topic(
                **at, author_id=user, status="submitted", title=ELSEWHERE, scenario=ELSEWHERE
            )
            commitment = Commitment(**at, owner_id=user, note=ELSEWHERE + "-note")
            s.add_all([topic, commitment])
            s.flush()
            s.add(
                VoteAllocation(
                    team_id=OTHER_TEAM, vote_id=vote.id, voter_id=user, topic_id=topic.id, count=1
                )
            )
            action = Action(
                **at, commitment_id=commitment.id, owner_id=user, position=0, text=ELSEWHERE
            )
            s.add(action)
            s.flush()
            s.add(
                ActionReport(
                    **at,
                    action_id=action.id,
                    owner_id=user,
                    status="done",
                    happened=ELSEWHERE + "-happened",
                )
            )


def test_a_members_export_holds_every_record_about_them_and_nothing_else(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    other_workspace(db, (A, OUTSIDER))
    # Two sets: the first with everyone, the second with A, B and C.
    slack.add_channel(SECOND, "als-second", is_private=True, members=[FAC, A, B, C])
    create_set(driver, slack)
    create_set(driver, slack, channel=SECOND, name="Second set", members=[A, B, C])
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, FIRST - timedelta(days=1))

    # In the second set A and B send apologies, with reasons only each of them sees.
    for user, reason in ((A, "A-REASON dentist"), (B, SECRET + "-reason")):
        listed = listing(driver, slack, user, SECOND)
        apologise(driver, slack, user, reason, channel_id=SECOND, message_ts=listed.ts)

    # The first set: four topics for three places, a vote; A's and B's shared.
    submit_topic(
        driver,
        slack,
        A,
        "Topic A",
        shared=True,
        scenario="A-SCENARIO",
        question="A-QUESTION",
        tried="A-TRIED",
    )
    submit_topic(
        driver,
        slack,
        B,
        "Topic B",
        shared=True,
        scenario=SECRET + "-scenario",
        question=SECRET + "-question",
        tried=SECRET + "-tried",
    )
    for author in (C, D):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    with db.read() as s:
        topic_of = {
            t.author_id: t.id for t in s.scalars(select(Topic).where(Topic.team_id != OTHER_TEAM))
        }
    clock.set(FIRST - timedelta(hours=2))
    vote = open_vote(driver, slack)
    ballots = {A: {C: 2, B: 1}, B: {D: 2}, C: {A: 2}, E: {A: 1, B: 2}}
    for voter, picks in ballots.items():
        ballot(driver, slack, voter, vote)
        for author, n in picks.items():
            give_votes(driver, slack, voter, topic_of[author], n)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=vote.ts)
    settle(slack)
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=vote.ts)
    settle(slack)
    agenda = slack.message(SET_CHANNEL, vote.ts)

    # A and B commit (A privately, with a note; B shared, with a note only B reads).
    for user, text, note, shared in (
        (A, "A-ACTION call the lead", "A-NOTE", False),
        (B, SECRET + "-action", SECRET + "-note", True),
    ):
        open_commit(driver, slack, user, agenda, topic_of[user])
        driver.submit_view(user, values=commit_values([(text, None)], note=note, shared=shared))
        settle(slack)

    # The session runs live (A's and B's shared questions in their parts); the facilitator
    # hands the next session over to A.
    clock.set(FIRST)
    start(driver, slack, agenda)
    assert hand_over(driver, slack, FAC, next_session(db), "member", A) is None

    # After it: reviews, learning logs, report-backs, goals (A: one in each set, one rated).
    tick(ticker, clock, AFTER)
    rate(driver, slack, A, 4)
    rate(driver, slack, B, 2)
    for user, issue in ((A, "A-LOG-ISSUE"), (B, SECRET + "-log")):
        write(driver, slack, user, "log", {"about_issue": {"about_issue_input": issue}})
    clock.set(AFTER + timedelta(days=3))
    for user, happened in ((A, "A-HAPPENED"), (B, SECRET + "-happened")):
        with db.read() as s:
            action = s.scalars(
                select(Action).where(Action.owner_id == user, Action.team_id != OTHER_TEAM)
            ).one()
        listed = command_answer(driver, slack, user, "actions")
        before = len(slack.calls_to("views.open"))
        driver.click(
            user,
            "als_action_report",
            channel_id=SET_CHANNEL,
            message_ts=listed.ts,
            value=str(action.id),
        )
        slack.wait_for("views.open", count=before + 1)
        driver.submit_view(user, values=report_values("done", happened, happened + "-learned"))
        settle(slack)
    for user, goal in ((A, "A-GOAL-first"), (B, SECRET + "-goal")):
        write(driver, slack, user, "goal", {"goal": {"goal_input": goal}})
    assert goal_command(driver, slack, A, "goal review") is not None
    driver.submit_view(
        A, values={"rating": {"rating_input": "5"}, "note": {"note_input": "A-LINE"}}
    )
    settle(slack)
    before = len(slack.calls_to("views.open"))
    driver.command(A, "goal", channel_id=SECOND)
    slack.wait_for("views.open", count=before + 1)
    driver.submit_view(A, values={"goal": {"goal_input": "A-GOAL-second"}})
    settle(slack)
    # A leaves the second set: what is there stays hers, and is exported.
    driver.command(A, "leave", channel_id=SECOND)
    settle(slack)
    confirm = slack.ephemerals(SECOND, A)[-1]
    driver.click(A, "als_leave_confirm", channel_id=SECOND, message_ts=confirm.ts)
    settle(slack)

    data, table = export_files(driver, slack, A)

    # The JSON: one object, the format's version, the workspace, times in UTC.
    assert data["version"] == 1 and data["workspace_id"] == slack.team_id
    assert data["user_id"] == A
    assert datetime.fromisoformat(data["generated_at"]) == clock()
    for name in (
        "memberships",
        "sessions",
        "topics",
        "ballots",
        "commitments",
        "actions",
        "reports",
        "learning_log",
        "goals",
        "reviews",
        "live_questions",
        "facilitation_requests",
        "messages_to_you",
    ):
        assert data[name], f"no {name}"
    for records in (v for v in data.values() if isinstance(v, list)):
        for record in records:
            for field, value in record.items():
                if field.endswith("_at") and value is not None:
                    assert value.endswith("Z"), (field, value)
                    assert datetime.fromisoformat(value).utcoffset() == timedelta(0)

    # Each section holds A's records, decrypted.
    sets = {m["set"]: m for m in data["memberships"]}
    assert set(sets) == {"Leaders' set", "Second set"}
    assert sets["Second set"]["left_at"] is not None and sets["Leaders' set"]["left_at"] is None
    # Sessions: those of both sets while A was in them (the second set's until she left, but
    # for the one she answered).
    left = sets["Second set"]["left_at"]
    assert {r["set"] for r in data["sessions"]} == set(sets)
    second = [r for r in data["sessions"] if r["set"] == "Second set"]
    assert all(r["starts_at"] <= left or r["your_answer"] for r in second)
    assert len(second) < len([r for r in data["sessions"] if r["set"] == "Leaders' set"])
    apology = [r for r in data["sessions"] if r["your_apology_reason"]]
    assert [(r["set"], r["your_answer"], r["your_apology_reason"]) for r in apology] == [
        ("Second set", "apologies", "A-REASON dentist")
    ]
    [topic] = data["topics"]
    assert (topic["scenario"], topic["question"], topic["tried"]) == (
        "A-SCENARIO",
        "A-QUESTION",
        "A-TRIED",
    )
    assert topic["shared"] is True and topic["votes_received"] == 3
    assert sorted((b["topic"], b["votes_given"]) for b in data["ballots"]) == [
        ("Topic 03", 2),
        ("Topic B", 1),
    ]
    assert [c["private_note"] for c in data["commitments"]] == ["A-NOTE"]
    assert [(a["action"], a["shared"]) for a in data["actions"]] == [
        ("A-ACTION call the lead", False)
    ]
    assert [(r["what_happened"], r["what_you_learned"]) for r in data["reports"]] == [
        ("A-HAPPENED", "A-HAPPENED-learned")
    ]
    assert [e["about_your_issue"] for e in data["learning_log"]] == ["A-LOG-ISSUE"]
    assert sorted((g["goal"], g["rating"], g["rating_note"]) for g in data["goals"]) == [
        ("A-GOAL-first", 5, "A-LINE"),
        ("A-GOAL-second", None, None),
    ]
    assert [r["useful"] for r in data["reviews"]] == [4]
    assert [p["your_question"] for p in data["live_questions"]] == ["A-QUESTION"]
    [request] = data["facilitation_requests"]
    assert request["asked_of_you"] is True and request["asked_by_you"] is False

    # Nothing of B's (text, votes, id), nothing from the other workspace.
    document = json.dumps(data)
    for foreign in (SECRET, ELSEWHERE, OTHER_TEAM, B, "Topic 04"):
        assert foreign not in document, foreign
        assert foreign not in table, foreign

    # The CSV holds the same records, one row per field.
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["section", "item", "field", "value"]
    cells = {tuple(r) for r in rows[1:]}
    for name, records in data.items():
        if not isinstance(records, list):
            continue
        for item, record in enumerate(records, start=1):
            for field, value in record.items():
                flag = {True: "yes", False: "no"}.get(value) if isinstance(value, bool) else None
                shown = "" if value is None else flag or value
                assert (name, str(item), field, str(shown)) in cells, (name, field, value)
    assert len(cells) == sum(len(r) for v in data.values() if isinstance(v, list) for r in v)


def test_nothing_to_export_and_a_refused_upload_get_a_clear_answer(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    # The outsider has records in another workspace only: here there is nothing of theirs.
    other_workspace(db, (OUTSIDER,))
    answer = private_answer(driver, slack, OUTSIDER, "export", None)
    assert "nothing to export" in answer.text
    assert not slack.calls_to("files.getUploadURLExternal")

    # A member whose upload Slack refuses is told it failed and to try again.
    create_set(driver, slack)
    slack.inject_error("files.completeUploadExternal", "not_allowed_token_type")
    answer = private_answer(driver, slack, A, "export")
    assert "did not arrive" in answer.text and "try `/als export` again" in answer.text
    assert "Traceback" not in answer.text
    # Trying again works: both files arrive.
    data, table = export_files(driver, slack, A)
    assert [m["set"] for m in data["memberships"]] == ["Leaders' set"]
    assert "memberships,1,set,Leaders' set" in table
