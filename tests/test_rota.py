"""The facilitator rota (issue 17): each session has its facilitator; the lead sets how turns
work (``/als rota``); the facilitator's powers and reminders move with the session. Driven
through signed requests and the fake Slack, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import AgendaItem, AgendaVote, PlannedSession, Topic, VoteAllocation
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import (
    answer_to,
    ballot,
    create_set,
    field_errors,
    forge_button,
    give_votes,
    private_answer,
    settle,
    submit_topic,
    texts,
)
from tests.test_reminders import scheduler_process, tick
from tests.test_sessions_calendar import cancel_from_listing, listing

A, B, C, D, E = MEMBERS
# Weekly sessions from Monday 7 December 2026, 10:00 London (UTC in winter), 3 hours.
WEEK = timedelta(weeks=1)
FIRST = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def session_start(n: int) -> datetime:
    """The n-th session's start (1 = the first)."""
    return FIRST + (n - 1) * WEEK


def rota_message(driver: SlackDriver, slack: FakeSlack, user: str) -> Any:
    return private_answer(driver, slack, user, "rota")


def set_rota(
    driver: SlackDriver,
    slack: FakeSlack,
    mode: str,
    *,
    coach: str = "2",
    turns: str = "1",
    order: list[str] | None = None,
) -> dict[str, str] | None:
    """The lead changes the rota from ``/als rota``; the field errors (None: saved)."""
    shown = rota_message(driver, slack, FAC)
    before = len(slack.calls_to("views.open"))
    driver.click(FAC, "als_rota_open", channel_id=SET_CHANNEL, message_ts=shown.ts)
    slack.wait_for("views.open", count=before + 1)
    values: dict[str, dict[str, Any]] = {
        "mode": {"mode_input": mode},
        "coach_sessions": {"coach_input": coach},
        "turns": {"turns_input": turns},
    }
    if order is not None:
        values["order"] = {"order_input": order}
    errors = field_errors(driver.submit_view(FAC, values=values))
    settle(slack)
    return errors


def facilitators(db: Database) -> list[str | None]:
    """Who facilitates each session that is not cancelled, in order (None: the lead)."""
    with db.read() as s:
        return list(
            s.scalars(
                select(PlannedSession.facilitator_id)
                .where(PlannedSession.status == "planned")
                .order_by(PlannedSession.starts_at)
            )
        )


def agenda(driver: SlackDriver, slack: FakeSlack, user: str, words: str = "agenda") -> str:
    """``/als agenda`` (or ``agenda close``) as ``user``: the private answer, if any."""
    before = len(slack.calls_to("response_url"))
    assert driver.command(user, words, channel_id=SET_CHANNEL).status == 200
    settle(slack)
    calls = slack.calls_to("response_url")
    return json_text(calls[-1].args) if len(calls) > before else ""


def json_text(args: dict[str, Any]) -> str:
    return str(args.get("text", "")) + texts(args.get("blocks"))


def votes(db: Database) -> list[tuple[int, str]]:
    """(session position, status) of each vote."""
    with db.read() as s:
        starts = list(
            s.scalars(select(PlannedSession.starts_at).order_by(PlannedSession.starts_at))
        )
        rows = s.execute(
            select(PlannedSession.starts_at, AgendaVote.status)
            .join(PlannedSession, PlannedSession.id == AgendaVote.session_id)
            .order_by(AgendaVote.id)
        ).all()
    return [(starts.index(at) + 1, status) for at, status in rows]


def test_the_coach_then_members_in_turn_over_eight_sessions_with_powers_and_reminders(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, cadence="1")
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # reminders planned: the lead's
    assert facilitators(db) == [None] * 4
    assert f"<@{FAC}> (the lead) facilitates every session." in texts(
        rota_message(driver, slack, A).blocks
    )

    assert set_rota(driver, slack, "coach", coach="2") is None
    # The coach (the lead) for two sessions, then the members in the set-up's order.
    assert facilitators(db) == [None, None, A, B]
    posted = slack.messages(SET_CHANNEL)[-1]
    shown = texts(posted.blocks)
    assert "The facilitator rota changed." in shown
    assert "(the lead) facilitates the first 2 sessions, then members take turns" in shown
    assert "als_rota_open" not in shown  # the channel gets no button
    assert f"Facilitator: <@{A}>" in texts(listing(driver, slack, C).blocks)

    # A may move or cancel their own session only; the lead, every session.
    with db.read() as s:
        ids = list(s.scalars(select(PlannedSession.id).order_by(PlannedSession.starts_at)))
    listed = listing(driver, slack, A)
    moves = [
        el["value"]
        for b in listed.blocks
        if b["type"] == "actions"
        for el in b["elements"]
        if el.get("action_id") == "als_session_move"
    ]
    assert moves == [str(ids[2])]
    driver.app_home_opened(A)
    settle(slack)
    home = texts((slack.home_view(A) or {})["blocks"])
    assert "You facilitate on <!date^1797847200^" in home  # 21 Dec 10:00 UTC

    # Before session 3, A (not the lead) gets the facilitator's checklist; the session-day post
    # names A.
    tick(ticker, clock, datetime(2026, 12, 18, 15, 0, tzinfo=UTC))  # 10:00 in New York, A's
    [prep] = [m for m in slack.dm_messages(A) if "You facilitate" in m.text]
    assert "Who is coming" in texts(prep.blocks) and "Topics in:" in texts(prep.blocks)
    assert "closing reflection" in texts(prep.blocks)
    assert not [m for m in slack.dm_messages(FAC) if "You facilitate" in m.text]
    tick(ticker, clock, session_start(3) - timedelta(hours=1))
    post = slack.messages(SET_CHANNEL)[-1]
    assert "starts" in post.text and f"Facilitator: <@{A}>" in texts(post.blocks)

    # Session 3: A opens and closes its vote; B may not.
    clock.set(session_start(3))
    assert agenda(driver, slack, A) == ""
    refused = agenda(driver, slack, B, "agenda close")
    assert "Only the facilitator" in refused and f"<@{A}>" in refused
    assert agenda(driver, slack, A, "agenda close") == ""
    assert votes(db) == [(3, "closed")]

    # After session 3, its checklist of who came goes to A, not to the lead.
    tick(ticker, clock, session_start(3) + timedelta(hours=3, minutes=1))
    assert [m for m in slack.dm_messages(A) if "Who came to" in m.text]
    assert not [m for m in slack.dm_messages(FAC) if "Who came to" in m.text]

    # Session 4 is B's: A can neither open nor close its vote; the lead can.
    clock.set(session_start(4))
    refused = agenda(driver, slack, A)
    assert "Only the facilitator" in refused and f"<@{B}>" in refused
    assert agenda(driver, slack, B) == ""
    assert "Only the facilitator" in agenda(driver, slack, A, "agenda close")
    assert votes(db) == [(3, "confirmed"), (4, "open")]  # the first confirmed at its end
    assert agenda(driver, slack, FAC, "agenda close") == ""
    assert votes(db) == [(3, "confirmed"), (4, "closed")]

    # The next sessions planned follow the rota: eight sessions in all.
    tick(ticker, clock, session_start(4) + timedelta(hours=4))
    assert facilitators(db) == [None, None, A, B, C, D, E, A]


def test_members_in_turn_an_order_of_the_leads_choosing_and_what_is_refused(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack, cadence="1")
    # Every error in one round, nothing saved.
    errors = set_rota(driver, slack, "coach", coach="0", turns="9", order=[C, FAC])
    assert errors is not None and set(errors) == {"coach_sessions", "turns", "order"}
    assert "does not take turns" in errors["order"]
    assert facilitators(db) == [None] * 4

    # Members in turn from the start, two sessions each, C then A, then the others.
    assert set_rota(driver, slack, "members", turns="2", order=[C, A]) is None
    assert facilitators(db) == [C, C, A, A]
    # Whose turns moved is told, each their own; the others are not.
    for person in (C, A):
        assert (
            "rota of *Leaders' set* changed: you facilitate on"
            in slack.dm_messages(person)[-1].text
        )
    for person in (B, D, E):
        assert not [m for m in slack.dm_messages(person) if "rota of" in m.text]
    shown = texts(rota_message(driver, slack, D).blocks)
    assert f"members take turns, 2 sessions each: <@{C}>, <@{A}>, <@{B}>, <@{D}>, <@{E}>" in shown
    assert "als_rota_open" not in shown and "The set's lead changes the rota." in shown

    # Only the lead changes it: a member's forged click is refused, nothing changes.
    told = answer_to(
        slack,
        lambda: forge_button(
            driver, slack, D, SET_CHANNEL, "1700000000.000100", "als_rota_open", "1"
        ),
    )
    assert "Only the facilitator" in told

    # C leaves the set (/als leave): the coming sessions are given again at once.
    confirm = private_answer(driver, slack, C, "leave")
    driver.click(C, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    slack.wait_for("chat.postMessage", lambda c: "has left" in c.args.get("text", ""))
    assert facilitators(db) == [A, A, B, B]
    # D too, removed by the lead in the set-up form.
    create_set(driver, slack, cadence="1", members=[A, B, E])
    assert facilitators(db) == [A, A, B, B]
    # The lead cancels the second session: the turns move on to the sessions still planned
    # (the third session, B's, becomes A's second).
    with db.read() as s:
        ids = list(s.scalars(select(PlannedSession.id).order_by(PlannedSession.starts_at)))
    cancel_from_listing(driver, slack, ids[1])
    with db.read() as s:
        third = s.get(PlannedSession, ids[2])
        assert third is not None and third.facilitator_id == A
    assert facilitators(db) == [A, A, B, B]  # the sessions still planned, a new one among them
    # Back to the lead: the sessions are the lead's again; A and B hear they no longer are.
    assert set_rota(driver, slack, "lead") is None
    assert facilitators(db) == [None] * 4
    for person in (A, B):
        assert "you no longer facilitate a coming session" in slack.dm_messages(person)[-1].text


def test_a_member_facilitating_brings_no_topic_to_that_session_but_votes(
    als: AlsBot, driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """Point 5, the default (the facilitator does not participate): no topic prompt for the
    session a member facilitates, their topic carries over, and they vote."""
    create_set(driver, slack, cadence="1")
    assert set_rota(driver, slack, "members") is None
    assert facilitators(db)[:2] == [A, B]
    ticker = scheduler_process(als, db, slack, clock)
    tick(ticker, clock, datetime(2026, 12, 3, 22, 0, tzinfo=UTC))
    tick(ticker, clock, datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert not [m for m in slack.dm_messages(A) if "prepare your topic" in m.text]
    assert [m for m in slack.dm_messages(B) if "prepare your topic" in m.text]

    for author in (A, B, C, D, E):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(session_start(1))
    assert agenda(driver, slack, A) == ""  # A facilitates session 1: A opens its vote
    message = slack.messages(SET_CHANNEL)[-1]
    shown = texts(message.blocks)
    assert "Topic 01* · <@" + A + "> · _facilitates this session: carries over" in shown
    # A votes (on PostgreSQL through the vote function, whose voter rule is the lead's alone).
    assert ballot(driver, slack, A, message)["callback_id"] == "als_vote"
    with db.read() as s:
        b_topic = s.scalar(select(Topic.id).where(Topic.author_id == B))
    assert b_topic is not None
    give_votes(driver, slack, A, b_topic, 2)
    with db.read() as s:
        assert (
            s.scalar(
                select(VoteAllocation.count).where(
                    VoteAllocation.voter_id == A, VoteAllocation.topic_id == b_topic
                )
            )
            == 2
        )
    assert agenda(driver, slack, A, "agenda close") == ""
    with db.read() as s:
        chosen = s.scalars(select(AgendaItem.presenter_id).order_by(AgendaItem.position)).all()
        carried = s.scalars(select(Topic.author_id).where(Topic.carried_from_id.is_not(None))).all()
    assert A not in chosen and A in carried
    closed = texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    assert f"Topic 01 (<@{A}>, facilitates this session)" in closed


def test_the_fair_order_and_a_rota_of_one() -> None:
    """Pure rules: who joined last and who has just presented go later; one member takes every
    turn; the lead keeps the sessions before the members' turns."""
    from bot.domain.rota import Candidate, RotaMode, RotaSettings, facilitator_at, order_of

    day = datetime(2026, 11, 1, tzinfo=UTC)
    people = [
        Candidate(A, day, last_presented_at=day + WEEK),  # presented at the latest session
        Candidate(B, day + WEEK),  # joined later
        Candidate(C, day),
        Candidate(D, day, last_presented_at=day),
    ]
    assert order_of(RotaSettings(), people) == [C, D, B, A]
    assert order_of(RotaSettings(order=(B, "U0GONE0001")), people) == [B, C, D, A]
    coach = RotaSettings(mode=RotaMode.COACH, coach_sessions=3, turns=2)
    assert [facilitator_at(i, coach, [E]) for i in range(6)] == [None, None, None, E, E, E]
    assert [facilitator_at(i, RotaSettings(mode=RotaMode.MEMBERS), []) for i in range(2)] == [
        None,
        None,
    ]
