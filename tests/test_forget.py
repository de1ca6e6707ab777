"""Forget me (issue 21, point 3), through the Slack surface on both databases: the confirmation
counts what goes; after the click every text of the member is empty and their id is nowhere in
the database, while the set's figures (the set's report, the programme report) read the same;
they are gone from others' Home, reports and actions; an open vote loses their ballot and
keeps the others'; a second request, a forged click and the admin path for a deleted user."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.domain.forget import is_pseudonym
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.scheduler.tick import Ticker
from bot.storage.crypto import EncryptedText
from bot.storage.db import Database
from bot.storage.erase import MEMBER_TEXTS, PERSON_COLUMNS, PERSONAL_ROWS
from bot.storage.models import (
    Action,
    AgendaVote,
    Base,
    Membership,
    OutboxNote,
    Reminder,
    Topic,
    VoteAllocation,
)
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import (
    answer_to,
    ballot,
    create_set,
    field_errors,
    forge_button,
    give_votes,
    last_response_text,
    open_vote,
    private_answer,
    settle,
    submit_topic,
    texts,
)
from tests.test_actions import command_answer, commit_values, open_commit, report_values
from tests.test_attendance_record import AFTER, checklist, held_session
from tests.test_goals import goal_command
from tests.test_metrics import sample
from tests.test_programme import ADMIN, programme
from tests.test_reminders import tick
from tests.test_review import home, rate, review_dm

A, B, C, D, E = MEMBERS


def everything(db: Database) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every cell of every table (text opened as the app reads it)."""
    out = []
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).mappings():
                out.extend((table.name, k, v) for k, v in row.items())
    return out


def forget_me(driver: SlackDriver, slack: FakeSlack, user: str) -> Any:
    """``/als forget me``: the ephemeral confirmation (or answer)."""
    return command_answer(driver, slack, user, "forget me")


def confirm(driver: SlackDriver, slack: FakeSlack, user: str, message: Any) -> str:
    channel = getattr(message, "channel", SET_CHANNEL)
    return answer_to(
        slack,
        lambda: driver.click(user, "als_forget_confirm", channel_id=channel, message_ts=message.ts),
    )


def report_of(driver: SlackDriver, slack: FakeSlack, user: str) -> str:
    shown = texts(private_answer(driver, slack, user, "report").blocks)
    return re.sub(r'"block_id": "[^"]*"', "", shown)


def mark(user: str) -> str:
    return "SECRET-A" if user == A else f"OTHER-{user}"


def scripted_history(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> Ticker:
    """The report's scripted session (``test_report``), with A's texts marked SECRET-A."""
    ticker = held_session(als, driver, slack, db, clock)  # A, B, C present; E said coming
    agenda = next(m for m in slack.messages(SET_CHANNEL) if "als_agenda_confirm" in texts(m.blocks))
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=agenda.ts)
    settle(slack)
    with db.read() as s:
        topic_of = {t.author_id: t.id for t in s.scalars(select(Topic))}
    for user, titles in ((A, ["SECRET-A talk", "SECRET-A write"]), (B, ["Ask Sam"])):
        open_commit(driver, slack, user, agenda, topic_of[user])
        values = commit_values([(t, None) for t in titles], note=mark(user) + " note", shared=True)
        assert field_errors(driver.submit_view(user, values=values)) is None
        settle(slack)
    tick(ticker, clock, AFTER)
    message = checklist(slack)
    dm, ts = message.channel, message.ts  # type: ignore[attr-defined]
    driver.click(FAC, "als_present_0", channel_id=dm, message_ts=ts, selected=[B, C, D])
    answer_to(slack, lambda: driver.click(FAC, "als_attendance_save", channel_id=dm, message_ts=ts))
    rate(driver, slack, B, 2)
    rate(driver, slack, FAC, 3)
    # A's review, with a line.
    dm_a = review_dm(slack, A)
    before = len(slack.calls_to("views.open"))
    driver.click(A, "als_review_note", channel_id=dm_a.channel, message_ts=dm_a.ts)
    slack.wait_for("views.open", count=before + 1)
    values = {"useful": {"useful_input": "4"}, "note": {"note_input": "SECRET-A review"}}
    assert field_errors(driver.submit_view(A, values=values)) is None
    settle(slack)
    clock.set(AFTER + timedelta(days=3))
    with db.read() as s:
        mine = s.scalars(select(Action).where(Action.owner_id == A).order_by(Action.id)).all()
    for action, status in zip(mine, ("done", "partly"), strict=True):
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
        driver.submit_view(A, values=report_values(status, "SECRET-A happened", "SECRET-A learned"))
        settle(slack)
    for user, rating in ((A, "5"), (B, "4"), (C, "4")):
        assert goal_command(driver, slack, user) is not None
        driver.submit_view(user, values={"goal": {"goal_input": mark(user) + " goal"}})
        settle(slack)
        assert goal_command(driver, slack, user, "goal review") is not None
        values = {"rating": {"rating_input": rating}, "note": {"note_input": mark(user) + " rated"}}
        driver.submit_view(user, values=values)
        settle(slack)
    before = len(slack.calls_to("views.open"))
    driver.command(A, "log", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    values = {
        "about_issue": {"about_issue_input": "SECRET-A log"},
        "about_set": {"about_set_input": "SECRET-A set"},
    }
    assert not field_errors(driver.submit_view(A, values=values))
    settle(slack)
    return ticker


def test_forget_me_erases_the_member_and_keeps_the_sets_figures(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    slack.add_user(ADMIN, "ada", real_name="Ada Admin", tz="Europe/London", is_admin=True)
    ticker = scripted_history(als, driver, slack, db, clock)
    report_before = report_of(driver, slack, D)
    programme_before = programme(driver, slack, ADMIN)
    assert f"<@{A}>: 1 topic" in report_before
    assert "SECRET-A" in str(everything(db))

    # The confirmation lists what goes, counted from the database; nothing has gone yet.
    asked = forget_me(driver, slack, A)
    shown = texts(asked.blocks)
    for line in (
        "1 topic preparation",
        "2 actions",
        "2 reports back",
        "1 private commitment note",
        "1 learning-log entry",
        "1 goal and its rating note",
        "1 review answer",
    ):
        assert line in shown, line
    assert "your place in *Leaders" in shown and "als_forget_confirm" in shown
    assert "SECRET-A" in str(everything(db))

    done = confirm(driver, slack, A, asked)
    settle(slack)
    assert "forgotten" in done
    shown = als.metrics.render()[0].decode()
    assert sample(shown, "als_forgotten_members_total", by="self") == 1

    # Nothing of A's text, and A's id nowhere, in any table.
    cells = everything(db)
    assert not [c for c in cells if isinstance(c[2], str) and "SECRET-A" in c[2]]
    assert not [c for c in cells if c[2] == A]
    with db.read() as s:
        pseudonyms = {m.user_id for m in s.scalars(select(Membership)) if is_pseudonym(m.user_id)}
        assert len(pseudonyms) == 1
        gone = s.scalars(select(Membership).where(Membership.user_id.in_(pseudonyms))).one()
        assert gone.left_at is not None

    # The next scheduler passes plan nothing for the pseudonym, and nothing waits for A.
    tick(ticker, clock, clock() + timedelta(days=7))
    with db.read() as s:
        for table in (Reminder, OutboxNote):
            rows = s.scalars(select(table).where(table.target.in_([A, *pseudonyms]))).all()
            assert [r for r in rows if r.status in ("pending", "claimed")] == [], table

    # The figures read the same; only A's named airtime line has gone.
    report_after = report_of(driver, slack, D)
    expected = report_before.replace(
        next(line for line in report_before.split("\\n") if f"<@{A}>" in line) + "\\n", ""
    )
    assert f"<@{A}>" not in report_after
    assert report_after == expected
    # The programme's figures too; its member count is of members now (A left, like a leaver).
    assert "Members: 5 ·" in programme_before
    assert programme(driver, slack, ADMIN) == programme_before.replace(
        "Members: 5 ·", "Members: 4 ·"
    )

    # A is on nobody's Home, in nobody's actions; the set's shared actions no longer list them.
    for user in (FAC, B, D):
        assert A not in home(driver, slack, user)
    assert A not in texts(command_answer(driver, slack, B, "actions").blocks)
    assert "SECRET-A" not in texts(command_answer(driver, slack, B, "actions").blocks)

    # A second request: nothing left.
    again = forget_me(driver, slack, A)
    assert "nothing of yours left to forget" in again.text
    # The lead is not erased while leading: the role goes to someone else first.
    assert "You lead *Leaders" in forget_me(driver, slack, FAC).text
    assert any(c[2] == FAC for c in everything(db))


def test_forget_me_during_an_open_vote_takes_their_ballot_and_topic_only(
    driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    create_set(driver, slack)
    for author in (A, B, C, D):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    vote = open_vote(driver, slack)
    with db.read() as s:
        topic_of = {t.author_id: t.id for t in s.scalars(select(Topic))}
    for voter, picks in ((A, (B, C)), (B, (C, A)), (C, (B, D))):
        ballot(driver, slack, voter, vote)
        for pick in picks:
            give_votes(driver, slack, voter, topic_of[pick], 1)
        driver.submit_view(voter, values={})
        settle(slack)
    with db.read() as s:
        before = {(v.voter_id, v.topic_id) for v in s.scalars(select(VoteAllocation))}
    assert (A, topic_of[B]) in before and (B, topic_of[A]) in before

    done = confirm(driver, slack, A, forget_me(driver, slack, A))
    settle(slack)
    assert "forgotten" in done
    with db.read() as s:
        after = {(v.voter_id, v.topic_id) for v in s.scalars(select(VoteAllocation))}
        withdrawn = s.get(Topic, topic_of[A])
        assert withdrawn is not None and withdrawn.status == "withdrawn"
        assert withdrawn.title == "" and withdrawn.scenario == ""
        assert s.scalars(select(AgendaVote)).one().status == "open"
    # A's votes left, and the votes on A's topic went back to B; the others' stay.
    assert after == {(B, topic_of[C]), (C, topic_of[B]), (C, topic_of[D])}
    redrawn = slack.messages(SET_CHANNEL)[-1] if slack.messages(SET_CHANNEL) else vote
    assert f"Topic {A[-2:]}" not in texts(redrawn.blocks)


def test_a_forged_click_is_refused_and_a_deleted_member_is_offered_to_the_lead(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database
) -> None:
    slack.add_user(ADMIN, "ada", real_name="Ada Admin", tz="Europe/London", is_admin=True)
    create_set(driver, slack)
    submit_topic(driver, slack, A, "SECRET-A topic", scenario="SECRET-A scenario")

    # B clicks a confirmation carrying A's id: refused, nothing changes.
    said = answer_to(
        slack,
        lambda: forge_button(
            driver, slack, B, SET_CHANNEL, "1700000000.000100", "als_forget_confirm", A
        ),
    )
    assert "Only a workspace admin" in said
    forge_button(driver, slack, B, SET_CHANNEL, "1700000000.000100", "als_forget_confirm", "<!x>")
    settle(slack)
    assert "out of date" in last_response_text(slack)
    # Even an admin cannot erase someone Slack still has.
    said = answer_to(
        slack,
        lambda: forge_button(
            driver, slack, ADMIN, SET_CHANNEL, "1700000000.000100", "als_forget_confirm", A
        ),
    )
    assert "still active in Slack" in said
    assert "SECRET-A" in str(everything(db))

    # Slack deletes A: the lead is offered it; the lead is no admin, so their click is refused.
    slack.update_user(A, deleted=True)
    user = slack.user(A)
    assert user is not None
    assert driver.event({"type": "user_change", "user": user.to_api()}).status == 200
    settle(slack)
    offer = next(m for m in slack.dm_messages(FAC) if "als_forget_offer" in texts(m.blocks))
    assert f"<@{A}> was deactivated" in offer.text
    driver.click(FAC, "als_forget_offer", channel_id=offer.channel, message_ts=offer.ts)
    settle(slack)
    assert "Only a workspace admin" in last_response_text(slack)
    assert "SECRET-A" in str(everything(db))

    # An admin names them: the confirmation, then the erasure.
    asked = command_answer(driver, slack, ADMIN, f"forget <@{A}|alice>")
    assert "1 topic preparation" in texts(asked.blocks)
    done = confirm(driver, slack, ADMIN, asked)
    assert f"<@{A}> is forgotten" in done
    settle(slack)
    cells = everything(db)
    assert not [c for c in cells if c[2] == A or (isinstance(c[2], str) and "SECRET-A" in c[2])]
    # Another request for them: nothing left, and nothing more counted.
    again = command_answer(driver, slack, ADMIN, f"forget <@{A}>")
    assert "nothing of" in again.text
    shown = als.metrics.render()[0].decode()
    assert sample(shown, "als_forgotten_members_total", by="admin") == 1
    assert sample(shown, "als_forgotten_members_total", by="self") is None


def test_every_person_and_text_column_is_erased_by_a_listed_rule() -> None:
    """A new table with a person's id or a member's text must be added to ``erase``."""
    listed = {(c.class_.__tablename__, c.key) for c in (*PERSON_COLUMNS, *PERSONAL_ROWS)}
    texts_listed = {(t.class_.__tablename__, t.key) for t, _ in MEMBER_TEXTS}
    person_names = {"user_id", "author_id", "owner_id", "voter_id", "presenter_id", "target"}
    person_names |= {"opened_by", "started_by", "recorded_by", "created_by", "added_by"}
    person_names |= {"from_user", "to_user", "decided_by", "facilitator_id"}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name in person_names:
                assert (table.name, column.name) in listed, (table.name, column.name)
            if isinstance(column.type, EncryptedText) and table.name != "learning_sets":
                assert (table.name, column.name) in texts_listed, (table.name, column.name)
    assert ("topics", "title") in texts_listed
