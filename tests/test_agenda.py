"""The agenda vote and the agenda, end to end through the Slack surface."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.app import AlsBot
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import AgendaItem, AgendaVote, Topic, VoteAllocation
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import (
    ballot,
    create_set,
    field_errors,
    forge_button,
    forge_selection,
    give_votes,
    last_response_text,
    more_settings,
    open_setup,
    open_vote,
    settle,
    setup_values,
    submit_topic,
    texts,
)

A, B, C, D, E = MEMBERS
SESSION_1 = datetime(2026, 12, 7, 10, 5, tzinfo=UTC)
SESSION_2 = datetime(2027, 1, 4, 10, 5, tzinfo=UTC)


def topic_ids(db: Database, session_index: int = 0) -> dict[str, int]:
    """author -> topic id, for submitted topics of the n-th session."""
    with db.read() as s:
        rows = s.scalars(
            select(Topic).where(Topic.status == "submitted").order_by(Topic.session_id, Topic.id)
        ).all()
        sessions = sorted({r.session_id for r in rows})
        return {r.author_id: r.id for r in rows if r.session_id == sessions[session_index]}


def allocations(db: Database) -> dict[tuple[str, int], int]:
    with db.read() as s:
        return {
            (a.voter_id, a.topic_id): a.count for a in s.scalars(select(VoteAllocation)) if a.count
        }


def four_topics_and_a_vote(driver: SlackDriver, slack: FakeSlack, clock: ManualClock):  # type: ignore[no-untyped-def]
    create_set(driver, slack)
    for author in (A, B, C, D):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    clock.set(SESSION_1)
    return open_vote(driver, slack)


def test_dot_voting_rules_and_private_answers(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    modal = ballot(driver, slack, E, message)
    assert "*3* of 3 votes left" in texts(modal["blocks"])
    modal = give_votes(driver, slack, E, ids[A], 2)
    assert "*1* of 3 votes left" in texts(modal["blocks"])
    # Over the budget: refused, nothing changes, the reason is given.
    modal = give_votes(driver, slack, E, ids[B], 2)
    refusal = texts(modal["blocks"])
    assert "You can give this topic 1 vote at most: to give it more, take votes back" in refusal
    assert "Nothing was changed" in refusal
    assert allocations(db) == {(E, ids[A]): 2}
    # Over the cap (a forged value the select does not offer): refused.
    forge_selection(driver, slack, E, modal, f"als_vote_topic_{ids[C]}", "3")
    settle(slack)
    assert "at most 2" in texts(slack.open_views(E)[-1]["blocks"])
    assert allocations(db) == {(E, ids[A]): 2}
    # Taking a vote back is always allowed; choosing the same count twice changes nothing.
    give_votes(driver, slack, E, ids[A], 1)
    give_votes(driver, slack, E, ids[B], 2)
    give_votes(driver, slack, E, ids[B], 2)
    assert allocations(db) == {(E, ids[A]): 1, (E, ids[B]): 2}
    assert "*0* of 3 votes left" in texts(slack.open_views(E)[-1]["blocks"])
    # Own topic: not offered in the ballot, and refused when forged.
    own = ballot(driver, slack, A, message)
    assert f"als_vote_topic_{ids[A]}" not in texts(own["blocks"])
    forge_selection(driver, slack, A, own, f"als_vote_topic_{ids[A]}", "1")
    settle(slack)
    assert "your own topic" in texts(slack.open_views(A)[-1]["blocks"])
    assert (A, ids[A]) not in allocations(db)
    # The facilitator (not participating) does not vote.
    answers = len(slack.calls_to("response_url"))
    driver.click(FAC, "als_vote_open", channel_id=SET_CHANNEL, message_ts=message.ts)
    slack.wait_for("response_url", count=answers + 1)
    assert "don't vote" in last_response_text(slack)


def test_channel_shows_turnout_never_tallies_until_close(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    ballot(driver, slack, E, message)
    give_votes(driver, slack, E, ids[A], 2)
    settle(slack)
    updated = slack.message(SET_CHANNEL, message.ts)
    assert updated is not None and "1 of 5 members have voted" in texts(updated.blocks)
    assert "vote" not in texts(
        [b for b in updated.blocks if b.get("block_id", "").startswith("topic_")]
    )
    # Closing turns the same message into the agenda (chat.update on the stored ts).
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    agenda = slack.message(SET_CHANNEL, message.ts)
    assert (
        agenda is not None
        and "Agenda" in texts(agenda.blocks)
        and "2 votes" in texts(agenda.blocks)
    )
    assert len([m for m in slack.messages(SET_CHANNEL) if "Agenda" in texts(m.blocks)]) == 1


def test_fairness_tie_break_carry_over_minutes_and_ledger(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    s1 = topic_ids(db)
    # Session 1: A 3 votes, B 2, C 1, D 0: A, B, C are chosen; D is carried over.
    for voter, picks in {E: {A: 2, B: 1}, C: {A: 1, B: 1}, D: {C: 1}}.items():
        ballot(driver, slack, voter, message)
        for author, n in picks.items():
            give_votes(driver, slack, voter, s1[author], n)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    agenda = texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    assert agenda.index("Topic 01") < agenda.index("Topic 02") < agenda.index("Topic 03")
    # 180 min - 15 report-back - 10 reflection = 155, split evenly: 52, 52, 51.
    with db.read() as s:
        items = s.execute(
            select(AgendaItem.presenter_id, AgendaItem.minutes).order_by(AgendaItem.position)
        ).all()
    assert [tuple(i) for i in items] == [(A, 52), (B, 52), (C, 51)]
    assert "155 min, split evenly" in agenda
    assert "Carried over to the next session" in agenda and "Topic 04" in agenda
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    assert "Agenda confirmed" in texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]

    # Session 2: D's topic is already there, carried. A, B and E submit new ones.
    for author in (A, B, E):
        submit_topic(driver, slack, author, f"Second {author[-2:]}")
    s2 = topic_ids(db, 1)
    assert set(s2) == {A, B, D, E}
    clock.set(SESSION_2)
    message2 = open_vote(driver, slack)
    assert "Presented so far" in texts(message2.blocks) and f"<@{A}> 1×" in texts(message2.blocks)
    # Every topic gets 2 votes: the tie-break decides.
    for voter, picks in {C: {D: 2, E: 1}, A: {E: 1, B: 2}, D: {A: 2}}.items():
        ballot(driver, slack, voter, message2)
        for author, n in picks.items():
            give_votes(driver, slack, voter, s2[author], n)
    driver.command(FAC, "agenda close", channel_id=SET_CHANNEL)
    settle(slack)
    with db.read() as s:
        vote2 = s.scalars(select(AgendaVote).order_by(AgendaVote.id.desc())).first()
        order = s.scalars(
            select(AgendaItem.presenter_id)
            .where(AgendaItem.vote_id == vote2.id)
            .order_by(AgendaItem.position)  # type: ignore[union-attr]
        ).all()
    # Carried D first; then E, who has never presented; then A before B (both presented once,
    # at the same session): the earlier submission.
    assert order == [D, E, A]
    # A click on the previous session's message is explained and changes nothing.
    before = allocations(db)
    with db.read() as s:
        first_vote = s.scalars(select(AgendaVote.id).order_by(AgendaVote.id)).first()
    for action in ("als_vote_open", "als_vote_close", "als_agenda_confirm"):
        forge_button(driver, slack, C, SET_CHANNEL, message.ts, action, str(first_vote))
    slack.wait_for("response_url", lambda c: "closed" in str(c.args), count=1)
    slack.wait_for("response_url", lambda c: "Only the facilitator" in str(c.args), count=2)
    assert allocations(db) == before
    agenda2 = texts(slack.message(SET_CHANNEL, message2.ts).blocks)  # type: ignore[union-attr]
    assert "carried over from an earlier session wins" in agenda2
    assert "Second 02" in agenda2.split("Carried over")[1]


def test_facilitator_adjusts_then_confirms(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    # A member cannot adjust.
    answers = len(slack.calls_to("response_url"))
    driver.click(A, "als_agenda_adjust", channel_id=SET_CHANNEL, message_ts=message.ts)
    slack.wait_for("response_url", count=answers + 1)
    assert "Only the facilitator" in last_response_text(slack)
    driver.click(FAC, "als_agenda_adjust", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    modal = slack.open_views(FAC)[-1]
    with db.read() as s:
        first, second, third = s.scalars(
            select(AgendaItem.topic_id).order_by(AgendaItem.position)
        ).all()

    def plan(p: tuple[int, int, int], m: tuple[int, int, int]) -> dict[str, dict[str, str]]:
        out = {}
        for topic, place, minutes in zip((first, second, third), p, m, strict=True):
            out[f"position_{topic}"] = {"position": str(place)}
            out[f"minutes_{topic}"] = {"minutes": str(minutes)}
        return out

    errors = field_errors(
        driver.submit_view(FAC, view_id=modal["id"], values=plan((1, 1, 2), (50, 50, 50)))
    )
    assert errors and f"position_{first}" in errors
    errors = field_errors(
        driver.submit_view(FAC, view_id=modal["id"], values=plan((1, 2, 3), (90, 60, 60)))
    )
    assert errors and "more than the 180 min" in errors[f"minutes_{first}"]
    assert (
        field_errors(
            driver.submit_view(FAC, view_id=modal["id"], values=plan((3, 1, 2), (40, 60, 55)))
        )
        is None
    )
    settle(slack)
    with db.read() as s:
        rows = s.execute(
            select(AgendaItem.topic_id, AgendaItem.minutes).order_by(AgendaItem.position)
        ).all()
    assert [tuple(r) for r in rows] == [(second, 60), (third, 55), (first, 40)]
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    final = slack.message(SET_CHANNEL, message.ts)
    assert final is not None and "Agenda confirmed" in texts(final.blocks)
    assert "als_agenda_adjust" not in texts(final.blocks)


def test_no_topics_and_fewer_topics_than_slots(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    create_set(driver, slack)
    clock.set(SESSION_1)
    message = open_vote(driver, slack)
    assert "No topics were submitted" in texts(message.blocks)
    answers = len(slack.calls_to("response_url"))
    driver.click(A, "als_vote_skip", channel_id=SET_CHANNEL, message_ts=message.ts)
    slack.wait_for("response_url", count=answers + 1)
    assert "Only the facilitator" in last_response_text(slack)
    driver.click(FAC, "als_vote_skip", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    assert "skipped" in texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]

    # Next session: two topics for three slots: both are chosen, no vote needed.
    submit_topic(driver, slack, A, "Only one")
    submit_topic(driver, slack, B, "Only two")
    clock.set(SESSION_2)
    agenda = open_vote(driver, slack)
    assert "Agenda" in texts(agenda.blocks) and "als_vote_open" not in texts(agenda.blocks)
    assert "1. Only one" in texts(agenda.blocks) and "2. Only two" in texts(agenda.blocks)
    # Said plainly: no vote counts, no vote ordering; the facilitator may still reorder.
    shown = texts(agenda.blocks)
    assert "2 topics for 3 places: no vote needed." in shown
    assert "vote" not in shown.replace("no vote needed", "")
    assert "Most votes first" not in shown and "als_agenda_adjust" in shown
    # 155 min over two topics.
    with db.read() as s:
        assert s.scalars(select(AgendaItem.minutes).order_by(AgendaItem.position)).all() == [78, 77]
    driver.click(FAC, "als_agenda_adjust", channel_id=SET_CHANNEL, message_ts=agenda.ts)
    settle(slack)
    assert slack.open_views(FAC)[-1]["callback_id"] == "als_agenda_adjust"


def test_stale_clicks_non_members_and_removed_members(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    ballot(driver, slack, E, message)
    give_votes(driver, slack, E, ids[A], 2)
    # E is removed from the set mid-vote: their votes drop.
    assert "1 of 5 members have voted" in texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    open_setup(driver, slack)
    driver.submit_view(FAC, values=setup_values(members=[A, B, C, D]))
    settle(slack)
    assert allocations(db) == {}
    # The vote message is redrawn: E's vote is gone.
    assert "0 of 4 members have voted" in texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    # D leaves: D's topic leaves the vote, and the message shows it.
    driver.command(D, "leave", channel_id=SET_CHANNEL)
    settle(slack)
    confirm = slack.ephemerals(SET_CHANNEL, D)[-1]
    driver.click(D, "als_leave_confirm", channel_id=SET_CHANNEL, message_ts=confirm.ts)
    settle(slack)
    redrawn = texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    assert "Topic 04" not in redrawn and "0 of 3 members have voted" in redrawn
    answers = len(slack.calls_to("response_url"))
    driver.click(E, "als_vote_open", channel_id=SET_CHANNEL, message_ts=message.ts)
    slack.wait_for("response_url", count=answers + 1)
    assert "Only members" in last_response_text(slack)
    # After the close, a click on the vote's button is explained and changes nothing.
    ballot(driver, slack, B, message)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    before = allocations(db)
    view = slack.open_views(B)[-1]
    forge_selection(driver, slack, B, view, f"als_vote_topic_{ids[C]}", "1")
    settle(slack)
    assert "closed" in texts(slack.open_views(B)[-1]["blocks"])
    assert allocations(db) == before
    answers = len(slack.calls_to("response_url"))
    driver.command(FAC, "agenda close", channel_id=SET_CHANNEL)
    slack.wait_for("response_url", count=answers + 1)
    assert "already closed" in last_response_text(slack)


def test_rules_are_fixed_by_the_first_vote(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    # Before any vote, a settings change applies.
    open_setup(driver, slack)
    more_settings(driver, slack)
    driver.submit_view(FAC, values=setup_values(budget="1", cap="1"))
    settle(slack)
    modal = ballot(driver, slack, E, message)
    assert "*1* of 1 vote left" in texts(modal["blocks"])
    give_votes(driver, slack, E, ids[A], 1)
    # After it, the rules are frozen for this vote.
    open_setup(driver, slack)
    more_settings(driver, slack)
    driver.submit_view(FAC, values=setup_values(budget="5", cap="2"))
    settle(slack)
    ballot(driver, slack, E, message)
    modal = give_votes(driver, slack, E, ids[B], 1)
    assert "Nothing was changed" in texts(modal["blocks"])
    assert allocations(db) == {(E, ids[A]): 1}


def test_vote_open_at_session_end_closes_by_itself(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock, als: AlsBot
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    end = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    early = als.ticker.tick(end.replace(minute=0, hour=12))
    assert early.votes_closed == 0
    summary = als.ticker.tick(end)
    assert summary.votes_closed == 1
    updated = slack.message(SET_CHANNEL, message.ts)
    assert (
        updated is not None
        and "Agenda" in texts(updated.blocks)
        and "Agenda confirmed" in texts(updated.blocks)
    )
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AgendaItem)) == 3
    assert als.ticker.tick(end).votes_closed == 0


def test_withdrawing_during_the_vote_returns_the_votes(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    ballot(driver, slack, E, message)
    give_votes(driver, slack, E, ids[A], 2)
    give_votes(driver, slack, E, ids[B], 1)
    # A runs /als topic: the modal is about the open vote and offers the withdrawal.
    driver.command(A, "topic", channel_id=SET_CHANNEL)
    settle(slack)
    modal = slack.open_views(A)[-1]
    assert "withdraw your topic" in texts(modal["blocks"])
    driver.submit_view(A, values={"response": {"response_input": "withdraw"}})
    settle(slack)
    assert allocations(db) == {(E, ids[B]): 1}  # E's two votes on A's topic are returned
    updated = texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    assert "Topic 01" not in updated and "Topic 02" in updated
    assert "left the agenda vote" in slack.dm_messages(A)[-1].text
    # E's ballot now offers the returned votes.
    modal = ballot(driver, slack, E, slack.message(SET_CHANNEL, message.ts))
    assert "*2* of 3 votes left" in texts(modal["blocks"])


def test_maximum_length_input_passes_block_kit_checks(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """12 participants, every topic at its limits with characters that grow when escaped."""
    extra = [f"U0MAXLEN{i:02d}" for i in range(7)]
    for user in extra:
        slack.add_user(user, user.lower())
    slack.add_to_channel(SET_CHANNEL, *extra)
    people = [*MEMBERS, *extra]
    create_set(driver, slack, members=people, name="&" * 80)
    scenario = "\n".join(["<&>" * 49 + "xxx"] * 10)[:1500]
    for author in people:
        response = submit_topic(
            driver,
            slack,
            author,
            ("<@U0FACIL001>&" * 6)[:80],
            scenario=scenario,
            question="&<>" * 166 + "xx",
            tried="<!here>" * 142 + "xxxxxx",
            shared=author in people[::2],
        )
        assert field_errors(response) is None
    clock.set(SESSION_1)
    message = open_vote(driver, slack)
    ids = topic_ids(db)
    ballot(driver, slack, extra[0], message)
    give_votes(driver, slack, extra[0], ids[A], 2)
    driver.command(people[0], "topic", channel_id=SET_CHANNEL)  # the prefilled "vote is open" modal
    settle(slack)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    driver.click(FAC, "als_agenda_adjust", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    assert slack.open_views(FAC)[-1]["callback_id"] == "als_agenda_adjust"
    rejected = [
        (c.method, c.response.get("error")) for c in slack.calls if not c.response.get("ok", True)
    ]
    assert rejected == []
    everything = " ".join(
        str(c.args) for c in slack.calls if c.method in ("chat.postMessage", "chat.update")
    )
    assert "<!here>" not in everything and "<@U0FACIL001>&" not in everything


def test_a_click_that_cannot_get_its_lock_in_time_is_told_to_try_again(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    import threading

    from bot.storage.models import Membership

    message = four_topics_and_a_vote(driver, slack, clock)
    ids = topic_ids(db)
    view = ballot(driver, slack, E, message)
    held, release = threading.Event(), threading.Event()

    def hold_the_voters_lock() -> None:
        # PostgreSQL: E's membership row; SQLite: the writer's lock itself.
        with db.write() as s, s.begin():
            s.execute(select(Membership).where(Membership.user_id == E).with_for_update())
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_voters_lock)
    holder.start()
    assert held.wait(5)
    try:
        response = driver.click(E, f"als_vote_topic_{ids[A]}", view_id=view["id"], selected="1")
        assert response.status == 200  # acked within Slack's 3 s (Bolt answers 404 otherwise)
        slack.wait_for("views.update", lambda c: "could not be counted" in str(c.args))
    finally:
        release.set()
        holder.join()
    assert allocations(db) == {}


def test_presenters_who_cannot_come_are_passed_over_and_their_topics_carried(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    """Issue 16, point 4: the tie-break skips presenters who sent apologies or are away."""
    from tests.test_attendance import apologise

    create_set(driver, slack)
    for author in (A, B, C, D, E):
        submit_topic(driver, slack, author, f"Topic {author[-2:]}")
    driver.app_home_opened(B)
    settle(slack)
    apologise(driver, slack, B, "")  # from B's Home: can't come to the first session
    clock.set(SESSION_1)
    message = open_vote(driver, slack)
    shown = texts(message.blocks)
    assert "Topic 02* · <@" + B + "> · _can't come: carries over to the next session_" in shown
    assert shown.count("can't come") == 1
    s1 = topic_ids(db)
    # B's topic gets the most votes, yet B will not be there: A, C and D are chosen.
    for voter, picks in {C: {B: 2}, D: {A: 2}, E: {C: 1}}.items():
        ballot(driver, slack, voter, message)
        for author, n in picks.items():
            give_votes(driver, slack, voter, s1[author], n)
    driver.click(FAC, "als_vote_close", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)
    with db.read() as s:
        order = s.scalars(select(AgendaItem.presenter_id).order_by(AgendaItem.position)).all()
        carried = s.scalars(select(Topic.author_id).where(Topic.carried_from_id.is_not(None))).all()
    assert order == [A, C, D]
    assert sorted(carried) == sorted([B, E])
    agenda = texts(slack.message(SET_CHANNEL, message.ts).blocks)  # type: ignore[union-attr]
    assert f"Topic 02 (<@{B}>, can't come), Topic 05 (<@{E}>)" in agenda
    assert "is away for the session, or who facilitates it, is passed over" in agenda
    driver.click(FAC, "als_agenda_confirm", channel_id=SET_CHANNEL, message_ts=message.ts)
    settle(slack)

    # Session 2: C has a topic but is away over it. With C passed over, the three topics left
    # fit the three places: no vote; the carried ones first, C's carried on again.
    submit_topic(driver, slack, A, "Second 01")
    submit_topic(driver, slack, C, "Second 03")
    assert driver.command(C, "away until 2027-01-05", channel_id=SET_CHANNEL).status == 200
    settle(slack)
    clock.set(SESSION_2)
    agenda2 = open_vote(driver, slack)
    shown = texts(agenda2.blocks)
    assert "3 topics for 3 places: no vote needed." in shown
    assert shown.index("1. Topic 02") < shown.index("2. Topic 05") < shown.index("3. Second 01")
    assert f"Second 03 (<@{C}>, can't come)" in shown.split("Carried over")[1]
