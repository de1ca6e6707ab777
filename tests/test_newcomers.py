"""Newcomers to a running set (issue 21, point 5): someone added after the set has met sees, in
the bot's own surfaces, nothing the set stored before they joined, and gets one welcome DM
saying the channel's earlier messages predate them and how the contract applies. Through the
Slack surface, on both databases."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.domain import newcomers
from bot.domain.sets import Schedule, on_series, same_schedule
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import LearningSet, Membership
from tests.conftest import FAC, MEMBERS, OUTSIDER, SET_CHANNEL
from tests.helpers import (
    create_set,
    dm_file,
    open_setup,
    private_answer,
    settle,
    setup_values,
    texts,
)
from tests.test_actions import (
    SESSION_1,
    SESSION_2,
    command_answer,
    commit_values,
    confirmed_agenda,
    open_commit,
)
from tests.test_report import report_text

A, B, C, D, E = MEMBERS
NEWBIE = "U0NEWBIE01"
WELCOME = "earlier messages predate you"
SHARED = "SHARED-BEFORE-A talk to both leads"
PRIVATE = "PRIVATE-BEFORE-B call my mentor"
OWN = "NEWBIE-OWN shadow a colleague"


def welcomes(slack: FakeSlack, user: str) -> list[Any]:
    return [m for m in slack.dm_messages(user) if WELCOME in texts(m.blocks)]


def edit_members(driver: SlackDriver, slack: FakeSlack, members: list[str]) -> None:
    """The facilitator edits the set: these members (the rest of the form as it is)."""
    open_setup(driver, slack)
    response = driver.submit_view(FAC, values=setup_values(members=members))
    assert response.status == 200 and not response.body.strip(), response.body
    settle(slack)


def home(driver: SlackDriver, slack: FakeSlack, user: str) -> str:
    driver.app_home_opened(user)
    settle(slack)
    return texts((slack.home_view(user) or {})["blocks"])


def shared_export(driver: SlackDriver, slack: FakeSlack, user: str) -> str:
    private_answer(driver, slack, user, "export actions")
    return dm_file(slack, user, "shared-actions.csv")


def test_a_newcomer_is_welcomed_once_and_sees_nothing_from_before(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    slack.add_user(NEWBIE, "nina", real_name="Nina Newcomer", tz="Europe/London")
    slack.add_to_channel(SET_CHANNEL, NEWBIE)
    # Session 1 runs: A commits a shared action, B a private one.
    agenda, ids = confirmed_agenda(driver, slack, db, clock)
    open_commit(driver, slack, A, agenda, ids[A])
    driver.submit_view(A, values=commit_values([(SHARED, None)]))
    open_commit(driver, slack, B, agenda, ids[B])
    driver.submit_view(B, values=commit_values([(PRIVATE, None)], shared=False))
    settle(slack)

    # The day after, the facilitator adds Nina; the form arrives twice (a double click).
    clock.set(SESSION_1 + timedelta(days=1))
    open_setup(driver, slack)
    view_id = slack.open_views(FAC)[-1]["id"]
    values = setup_values(members=[*MEMBERS, NEWBIE])
    threads = [
        threading.Thread(target=lambda: driver.submit_view(FAC, view_id=view_id, values=values))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    settle(slack)
    with db.read() as s:
        rules = s.scalars(select(LearningSet.ground_rules)).one()
        joined = s.scalars(select(Membership).where(Membership.user_id == NEWBIE)).one()
    assert joined.left_at is None
    (welcome,) = welcomes(slack, NEWBIE)
    said = texts(welcome.blocks)
    assert "Welcome to Leaders' set" in said and "the set's contract" in said
    assert rules.splitlines()[0] in said  # the contract itself
    assert "/als topic" in said and "Home" in said
    # Nina is also asked to agree to the ground rules; nobody else is welcomed.
    assert any("agree" in m.text for m in slack.dm_messages(NEWBIE) if m is not welcome)
    assert all(not welcomes(slack, user) for user in (FAC, *MEMBERS))
    # The form submitted again as it is adds nobody and welcomes nobody again.
    edit_members(driver, slack, [*MEMBERS, NEWBIE])
    assert len(welcomes(slack, NEWBIE)) == 1

    # Nina adds an action of her own, about the latest session (before she joined): hers.
    before = len(slack.calls_to("views.open"))
    driver.command(NEWBIE, "actions add", channel_id=SET_CHANNEL)
    slack.wait_for("views.open", count=before + 1)
    driver.submit_view(NEWBIE, values=commit_values([(OWN, None)]))
    settle(slack)

    # Home: an original member sees the last session's review line; Nina does not.
    assert "How useful the last session was" in home(driver, slack, C)
    assert "How useful the last session was" not in home(driver, slack, NEWBIE)
    # /als actions: her own, nothing of anyone else's; A still has hers.
    assert SHARED in texts(command_answer(driver, slack, A, "actions").blocks)
    mine = texts(command_answer(driver, slack, NEWBIE, "actions").blocks)
    assert OWN in mine and SHARED not in mine
    # The set's shared actions: C gets A's and B's count; Nina only her own.
    theirs = shared_export(driver, slack, C)
    assert SHARED in theirs and f"{B},1 private action(s)" in theirs
    hers = shared_export(driver, slack, NEWBIE)
    assert OWN in hers and SHARED not in hers and "private action(s)" not in hers

    # The set's report: C's counts session 1; Nina's counts from her joining.
    report = report_text(driver, slack, C)
    assert "*Sessions*: 1 held" in report and "*Actions*: 3 committed" in report
    report = report_text(driver, slack, NEWBIE)
    assert "*Sessions*: 0 held" in report and "*Actions*: none committed yet." in report

    # Session 2: the report-back round, read by everyone in the channel (Nina too), counts
    # what was committed before she joined and quotes none of it.
    clock.set(SESSION_2)
    before = len(slack.messages(SET_CHANNEL))
    assert driver.command(FAC, "agenda", channel_id=SET_CHANNEL).status == 200
    settle(slack)
    rounds = [
        texts(m.blocks)
        for m in slack.messages(SET_CHANNEL)[before:]
        if "Report-back round" in texts(m.blocks)
    ]
    assert len(rounds) == 1
    assert SHARED not in rounds[0] and OWN not in rounds[0]  # Nina's too: it is about session 1
    earlier = "• 1 action from before the set's newest members joined: 0 reported"
    assert f"<@{A}>\\n{earlier}" in rounds[0] and f"<@{NEWBIE}>\\n{earlier}" in rounds[0]
    assert f"<@{B}>\\n• 1 private action: 0 reported" in rounds[0]
    assert f"<@{A}>" in rounds[0].split("Not reported yet:")[1]


def test_no_welcome_before_the_first_session_and_a_new_one_for_each_joining(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    # Before the set has met, someone added is a founding member: the usual request to agree.
    edit_members(driver, slack, [*MEMBERS, OUTSIDER])
    assert slack.dm_messages(OUTSIDER) and not welcomes(slack, OUTSIDER)

    # After session 1, E is removed and then added again: a new joining, a new welcome.
    clock.set(SESSION_1 + timedelta(days=1))
    edit_members(driver, slack, [A, B, C, D, OUTSIDER])
    assert not welcomes(slack, E)
    clock.set(SESSION_1 + timedelta(days=2))
    edit_members(driver, slack, [*MEMBERS, OUTSIDER])
    assert len(welcomes(slack, E)) == 1
    assert not welcomes(slack, OUTSIDER)
    with db.read() as s:
        again = s.scalars(select(Membership).where(Membership.user_id == E)).one()
    assert again.left_at is None and again.joined_at == SESSION_1 + timedelta(days=2)
    # And E's Home now starts from that joining.
    assert "How useful the last session was" not in home(driver, slack, E)
    assert "How useful the last session was" in home(driver, slack, D)


# -- the rules, on their own ------------------------------------------------------------------
def test_the_rules_of_what_a_newcomer_sees() -> None:
    joined = SESSION_1 + timedelta(days=1)
    before, after = SESSION_1, SESSION_2
    assert not newcomers.shown(viewer=NEWBIE, since=joined, owner=A, session_start=before)
    assert newcomers.shown(viewer=NEWBIE, since=joined, owner=A, session_start=after)
    assert newcomers.shown(viewer=NEWBIE, since=joined, owner=NEWBIE, session_start=before)
    assert newcomers.shown(viewer=A, since=None, owner=B, session_start=before)
    # The channel: nobody's own, from its newest member's joining.
    assert newcomers.channel_since([before, joined, SESSION_1 - timedelta(days=30)]) == joined
    assert not newcomers.shown(viewer=None, since=joined, owner=A, session_start=before)
    # A newcomer joins a set that has met; nobody is a newcomer to a set that has not.
    assert newcomers.is_newcomer(joined_at=joined, first_start=before)
    assert not newcomers.is_newcomer(joined_at=joined, first_start=None)


def test_the_next_session_as_first_date_keeps_the_schedule() -> None:
    current = Schedule(
        anchor_date=date(2026, 12, 7),
        session_time=time(10, 0),
        timezone="Europe/London",
        cadence_weeks=4,
        session_minutes=180,
    )
    assert same_schedule(replace(current, anchor_date=date(2027, 1, 4)), current)
    assert same_schedule(current, current)
    assert not same_schedule(replace(current, anchor_date=date(2027, 1, 5)), current)
    assert not same_schedule(replace(current, anchor_date=date(2026, 11, 9)), current)
    assert not same_schedule(replace(current, session_minutes=120), current)
    assert on_series(date(2027, 2, 1), current) and not on_series(date(2027, 1, 11), current)
