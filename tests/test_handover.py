"""Hand-overs and stand-ins (issue 17, point 3): a session's facilitator hands it to a member
(who accepts or declines) or asks the set for a stand-in (the first to accept takes it); the
lead can give any session directly. Each change is posted and the people concerned are told.
Driven through signed requests and the fake Slack, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.blocks.handover import HandoverMeta
from bot.clock import ManualClock
from bot.fakeslack.driver import SlackDriver
from bot.fakeslack.server import FakeSlack
from bot.storage.db import Database
from bot.storage.models import FacilitationRequest, PlannedSession
from tests.conftest import FAC, MEMBERS, SET_CHANNEL
from tests.helpers import create_set, field_errors, forge_submission, settle, texts
from tests.test_rota import facilitators, session_start, set_rota
from tests.test_sessions_calendar import listing, move_to, refusal

A, B, C, D, E = MEMBERS


def session_ids(db: Database) -> list[int]:
    with db.read() as s:
        return list(s.scalars(select(PlannedSession.id).order_by(PlannedSession.starts_at)))


def hand_over(
    driver: SlackDriver,
    slack: FakeSlack,
    user: str,
    session_id: int,
    ask: str,
    member: str | None = None,
) -> dict[str, str] | None:
    """*Hand over…* under the session in ``/als sessions``, then the form; its field errors."""
    listed = listing(driver, slack, user)
    before = len(slack.calls_to("views.open"))
    driver.click(
        user,
        "als_handover_open",
        channel_id=SET_CHANNEL,
        message_ts=listed.ts,
        value=str(session_id),
    )
    slack.wait_for("views.open", count=before + 1)
    values: dict[str, dict[str, Any]] = {"ask": {"ask_input": ask}}
    if member:
        values["member"] = {"member_input": member}
    errors = field_errors(driver.submit_view(user, values=values))
    settle(slack)
    return errors


def last_dm(slack: FakeSlack, user: str) -> Any:
    return slack.dm_messages(user)[-1]


def channel_texts(slack: FakeSlack) -> str:
    return "\n".join(m.text for m in slack.messages(SET_CHANNEL))


def members_in_turn(driver: SlackDriver, slack: FakeSlack, db: Database) -> list[int]:
    """A weekly set whose members take turns: A, B, C, D facilitate the first four sessions."""
    create_set(driver, slack, cadence="1")
    assert set_rota(driver, slack, "members") is None
    assert facilitators(db) == [A, B, C, D]
    return session_ids(db)


def test_a_hand_over_accepted_after_a_move_and_one_declined(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    ids = members_in_turn(driver, slack, db)
    # Every error in one round: the member is missing.
    assert hand_over(driver, slack, A, ids[0], "member") == {"member": "Choose the member."}
    assert hand_over(driver, slack, A, ids[0], "member", C) is None
    assert "Asked <@" + C + "> to facilitate" in last_dm(slack, A).text
    request = last_dm(slack, C)
    assert f"<@{A}> asks you to facilitate" in request.text

    # The lead moves the session before C answers: the answer follows the session.
    assert move_to(driver, slack, db_session(db, ids[0]), "2026-12-08", "14:00") is None
    driver.click(C, "als_handover_accept", channel_id=request.channel, message_ts=request.ts)
    settle(slack)
    assert facilitators(db)[:2] == [C, B]
    moved = int(datetime(2026, 12, 8, 14, 0, tzinfo=UTC).timestamp())
    done = slack.messages(SET_CHANNEL)[-1].text
    assert f"<@{C}> facilitates" in done and f"in place of <@{A}>" in done
    assert f"<!date^{moved}^" in done
    assert f"<@{C}> facilitates" in last_dm(slack, A).text  # A is told
    # The request's buttons are gone; a second (replayed) click is explained, nothing changes.
    assert "als_handover_accept" not in texts(slack.message(request.channel, request.ts).blocks)  # type: ignore[union-attr]
    with db.read() as s:
        done_id = s.scalar(select(FacilitationRequest.id))
    assert "already taken" in refusal(driver, slack, C, "als_handover_accept", str(done_id))

    # B asks D, who declines: B still facilitates and is told. Someone else's click on the
    # request is refused.
    assert hand_over(driver, slack, B, ids[1], "member", D) is None
    request = last_dm(slack, D)
    with db.read() as s:
        open_id = s.scalar(
            select(FacilitationRequest.id).where(FacilitationRequest.status == "open")
        )
    assert "sent to someone else" in refusal(driver, slack, E, "als_handover_accept", str(open_id))
    driver.click(D, "als_handover_decline", channel_id=request.channel, message_ts=request.ts)
    settle(slack)
    assert "declined" in last_dm(slack, B).text
    assert facilitators(db)[:2] == [C, B]

    # The rota does not take back a session handed over: C keeps it; the others follow it.
    assert set_rota(driver, slack, "members", order=[E]) is None
    assert facilitators(db) == [C, A, B, C]
    # A member who does not facilitate a session cannot hand it over; made-up requests.
    assert "Only the facilitator" in refusal(driver, slack, E, "als_handover_open", str(ids[2]))
    assert "no longer exists" in refusal(driver, slack, C, "als_handover_accept", "999999")


def db_session(db: Database, session_id: int) -> PlannedSession:
    with db.read() as s:
        row = s.get(PlannedSession, session_id)
        assert row is not None
        return row


def refusal_in(driver: SlackDriver, slack: FakeSlack, user: str, message: Any, action: str) -> str:
    before = len(slack.calls_to("response_url"))
    driver.click(user, action, channel_id=message.channel, message_ts=message.ts)
    slack.wait_for("response_url", count=before + 1)
    calls = slack.calls_to("response_url")
    return str(calls[-1].args.get("text", "")) + texts(calls[-1].args.get("blocks"))


def test_two_members_answering_a_stand_in_at_once_leave_one_winner(
    driver: SlackDriver, slack: FakeSlack, db: Database, clock: ManualClock
) -> None:
    ids = members_in_turn(driver, slack, db)
    assert hand_over(driver, slack, B, ids[1], "standin") is None
    call = slack.messages(SET_CHANNEL)[-1]
    assert f"<@{B}> can't facilitate" in call.text and "als_standin_accept" in texts(call.blocks)

    answers = len(slack.calls_to("response_url"))
    start = threading.Barrier(2)

    def stand_in(user: str) -> None:
        start.wait()
        driver.click(user, "als_standin_accept", channel_id=SET_CHANNEL, message_ts=call.ts)

    threads = [threading.Thread(target=stand_in, args=(u,)) for u in (C, D)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slack.wait_for("response_url", count=answers + 2)
    settle(slack)
    winner = facilitators(db)[1]
    assert winner in (C, D)
    loser = D if winner == C else C
    with db.read() as s:
        statuses = list(s.scalars(select(FacilitationRequest.status)))
    assert statuses == ["accepted"]
    said = [
        str(c.args.get("text", ""))
        for c in slack.calls_to("response_url")[answers:]
        if c.args.get("response_type") == "ephemeral" or not c.args.get("replace_original")
    ]
    assert any("already taken" in t for t in said), said
    assert f"<@{winner}> stands in" in slack.message(SET_CHANNEL, call.ts).text  # type: ignore[union-attr]
    assert f"<@{winner}> stands in" in last_dm(slack, B).text
    assert loser not in facilitators(db)[1:2]

    # The lead gives session 4 to E directly; a member's form does not offer it, and a forged
    # submission choosing it is refused.
    assert hand_over(driver, slack, D, ids[3], "standin") is None
    assert "the lead only" not in texts(slack.calls_to("views.open")[-1].args["view"]["blocks"])
    values = {
        "ask": {"ask_input": {"type": "radio_buttons", "selected_option": {"value": "assign"}}},
        "member": {"member_input": {"type": "users_select", "selected_user": E}},
    }
    forged = forge_submission(
        driver, slack, D, "als_handover", values, HandoverMeta(session_id=ids[3]).dump()
    )
    errors = field_errors(forged)
    assert errors is not None and "Only the set's lead" in errors["member"]
    assert hand_over(driver, slack, FAC, ids[3], "assign", E) is None
    assert facilitators(db)[3] == E
    assert f"<@{E}> facilitates" in channel_texts(slack) and "given by the lead" in channel_texts(
        slack
    )
    # D, whose session it was, is told too.
    assert f"in place of <@{D}>, given by the lead" in last_dm(slack, D).text

    # Once a session has started it can no longer be handed over.
    assert hand_over(driver, slack, A, ids[0], "standin") is None
    call = slack.messages(SET_CHANNEL)[-1]
    clock.set(session_start(1))
    told = refusal_in(driver, slack, C, call, "als_standin_accept")
    assert "has started" in told
    assert facilitators(db)[0] == A
