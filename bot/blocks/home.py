"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock
from slack_sdk.models.views import View

from bot.blocks.actions import action_buttons, target_text
from bot.blocks.attendance import (
    attendance_line,
    away_controls,
    away_line,
    my_answer,
    rsvp_buttons,
    tally_line,
)
from bot.blocks.common import clip, context, header, md
from bot.blocks.live import part_title
from bot.blocks.messages import agree_button, agreement_summary, session_when
from bot.blocks.review import last_review_line, trend_blocks
from bot.blocks.text import channel_link, escape, mention, mentions
from bot.domain.topics import TopicStatus
from bot.ids import COMMAND, ActionId
from bot.services.views import Dashboard, LiveBrief, SetInfo, TopicOverview

MAX_SETS_SHOWN = 3  # at most 27 blocks each, within the 100 of a view
MAX_ACTIONS_SHOWN = 4


def _topic_blocks(lset: SetInfo, overview: TopicOverview, *, facilitating: bool) -> list[Block]:
    if overview.session is None:
        return []
    when = session_when(overview.session)
    blocks: list[Block] = []
    if overview.participates:
        mine = overview.mine
        if mine is not None and mine.status == TopicStatus.SUBMITTED:
            seen = "shared with the set" if mine.shared else "private: the set sees the title only"
            line, label = (
                f"Your topic for {when}: *{escape(mine.title)}* ({seen})",
                "Edit your topic",
            )
        elif mine is not None and mine.status == TopicStatus.DRAFT:
            line, label = (
                f"Your topic for {when}: *{escape(mine.title)}* (draft, not submitted yet)",
                "Finish your topic",
            )
        elif mine is not None and mine.status == TopicStatus.NO_TOPIC:
            line, label = f"Your topic for {when}: no topic this time", "Change"
        else:
            line, label = f"Your topic for {when}: not started", "Prepare your topic"
        blocks.append(md(line))
        blocks.append(
            ActionsBlock(
                block_id=f"topic_{lset.id}",
                elements=[
                    ButtonElement(text=label, action_id=ActionId.TOPIC_OPEN, value=str(lset.id))
                ],
            )
        )
    if facilitating:
        blocks.append(
            md(
                f"*Topics for {when}:* {len(overview.submitted)} in ({mentions(list(overview.submitted))}); "
                f"no topic: {mentions(list(overview.no_topic))}; waiting for: {mentions(list(overview.waiting))}"
            )
        )
    return blocks


def _vote_blocks(board: Dashboard) -> list[Block]:
    vote = board.vote
    if vote is None:
        return []
    when = session_when(vote.session)
    if not vote.can_vote:
        return [md(f":ballot_box_with_ballot: The agenda vote for {when} is open.")]
    left = vote.budget - vote.used
    return [
        md(
            f":ballot_box_with_ballot: The agenda vote for {when} is open: you have used "
            f"{vote.used} of your {vote.budget} votes ({left} left)."
        ),
        ActionsBlock(
            block_id=f"vote_{board.set.id}",
            elements=[
                ButtonElement(text="Vote", action_id=ActionId.VOTE_OPEN, value=str(vote.vote_id))
            ],
        ),
    ]


def _action_blocks(board: Dashboard) -> list[Block]:
    if not board.actions:
        return []
    blocks: list[Block] = [md(f"*Your open actions* ({len(board.actions)})")]
    for action in board.actions[:MAX_ACTIONS_SHOWN]:
        status = "not reported yet" if action.report is None else "reported"
        blocks.append(
            md(f"• {escape(clip(action.text, 300))}{target_text(action.target)} · {status}")
        )
        blocks.append(action_buttons(action, home=True))
    if len(board.actions) > MAX_ACTIONS_SHOWN:
        blocks.append(context(f"`{COMMAND} actions` lists all of them."))
    return blocks


def _facilitator_blocks(board: Dashboard) -> list[Block]:
    lines = []
    state = board.round
    if state is not None and state.members:
        done = len(state.members) - len(state.waiting)
        lines.append(
            f"*Report-backs for {session_when(state.session)}:* {done} of {len(state.members)} "
            f"members with actions have reported; waiting for: {mentions(list(state.waiting))}"
        )
    logs = board.logs
    if logs is not None and logs.session is not None:
        lines.append(
            f"*Learning log about {session_when(logs.session)}:* {len(logs.written)} of "
            f"{logs.members} members have written an entry."
        )
    return [md("\n".join(lines))] if lines else []


def _next_steps(board: Dashboard) -> list[Block]:
    """The facilitator's buttons for what they do next in the set."""
    lset = board.set
    value = str(lset.id)
    buttons = []
    if lset.next_session is not None and not board.agenda_started:
        buttons.append(
            ButtonElement(
                text="Open the agenda vote",
                action_id=ActionId.HOME_OPEN_VOTE,
                value=value,
                style="primary",
            )
        )
    state = board.round
    if state is not None and state.id is None and state.members:
        buttons.append(
            ButtonElement(
                text="Start the report-back round", action_id=ActionId.HOME_ROUND, value=value
            )
        )
    buttons.append(ButtonElement(text="Sessions", action_id=ActionId.HOME_SESSIONS, value=value))
    return [ActionsBlock(block_id=f"next_{lset.id}", elements=buttons)]


def _evidence(lset: SetInfo) -> ActionsBlock:
    """Everyone's: the set's report, and one's own goal."""
    value = str(lset.id)
    return ActionsBlock(
        block_id=f"evidence_{lset.id}",
        elements=[
            ButtonElement(text="Set report", action_id=ActionId.REPORT_OPEN, value=value),
            ButtonElement(text="My goal", action_id=ActionId.GOAL_MINE, value=value),
        ],
    )


def _welcome() -> list[Block]:
    """Home for someone in no set yet: what the bot is for, and how to start one."""
    return [
        md(
            "*Action learning, run in Slack.* A set is 5-7 people and a facilitator who meet "
            "every few weeks, for months, to work on real problems by asking questions rather "
            "than giving advice. I keep the set's ground rules, collect topics privately before "
            "each session, run a fair agenda vote, and follow up the actions each presenter "
            "commits to."
        ),
        md("*Facilitating a set?* Create it here: pick its channel, its people and when it meets."),
        ActionsBlock(
            block_id="start",
            elements=[
                ButtonElement(
                    text="Create a set",
                    action_id=ActionId.HOME_CREATE_SET,
                    value="new",
                    style="primary",
                )
            ],
        ),
        context(
            "*Joining a set?* It shows here once its facilitator adds you; you'll get its "
            "ground rules to agree to in a message."
        ),
    ]


def live_text(live: LiveBrief) -> str:
    """The set's session running now: its part and stage, as its message names them, and
    where it runs (its message, or the channel when no link is known)."""
    where = (
        f"<{live.link}|Go to the session>" if live.link else f"in {channel_link(live.channel_id)}"
    )
    part = escape(clip(part_title(live.position, live.parts, live.title), 200))
    return f":red_circle: *The session is running now:* {part} · *{live.stage.label}* · {where}"


def role_text(lset: SetInfo, user_id: str) -> str:
    """The reader's part in the set: who facilitates its next session, and who leads it."""
    following = lset.next_session
    lead = lset.facilitator_id
    facilitator = following.facilitator(lead) if following else lead
    if facilitator == user_id:
        return "you facilitate" if lead == user_id else "you facilitate the next session"
    if lead == user_id:
        return f"you lead; {mention(facilitator or '')} facilitates the next session"
    return f"facilitator {mention(facilitator or '')}"


def turns_text(lset: SetInfo, user_id: str) -> str:
    """A member's coming turns as facilitator ("You facilitate on ...")."""
    if lset.facilitator_id == user_id:
        return ""
    turns = [x for x in lset.upcoming if x.facilitator_id == user_id]
    if not turns:
        return ""
    return "\nYou facilitate on " + ", ".join(session_when(x) for x in turns[:3])


def home_view(user_id: str, boards: list[Dashboard]) -> dict[str, Any]:
    sets = [b.set for b in boards]
    overviews = {b.set.id: b.topics for b in boards}
    extra = {b.set.id: b for b in boards}
    blocks: list[Block] = [header("Your Action Learning Sets")]
    if not sets:
        blocks.extend(_welcome())
    else:
        mine = [s.away[user_id] for s in sets if user_id in s.away]
        blocks.extend(away_controls(max(mine) if mine else None))
    for lset in sets[:MAX_SETS_SHOWN]:
        board = extra[lset.id]
        facilitating = board.facilitating
        blocks.append(DividerBlock())
        blocks.append(
            md(
                f"*{escape(lset.name)}* in {channel_link(lset.channel_id)} "
                f"({role_text(lset, user_id)})\n"
                + (f"{live_text(board.live)}\n" if board.live is not None else "")
                + f"Next session: {session_when(lset.next_session)}"
                + (f"\nPlace: {escape(lset.place)}" if lset.place else "")
                + turns_text(lset, user_id)
            )
        )
        if lset.away:
            blocks.append(context(away_line(lset.away)))
        if board.can_answer and lset.next_session is not None:
            away = lset.away.get(user_id)
            answer = (
                "you're away"
                if board.my_answer is None and away and away >= lset.next_session.local_date
                else my_answer(board.my_answer)
            )
            blocks.append(md(f"For the next session, {answer}."))
            blocks.append(rsvp_buttons(lset.next_session.id))
        if facilitating and board.attendance is not None:
            blocks.append(md(f"*Who is coming:* {attendance_line(board.attendance)}"))
        if facilitating and board.tally:
            blocks.append(context(tally_line(board.tally)))
        if board.review is not None:
            if facilitating:
                blocks.extend(trend_blocks(board.review))
            elif (line := last_review_line(board.review)) is not None:
                blocks.append(context(line))
        if user_id not in lset.agreed_ids:
            blocks.append(md("You have not agreed to this set's ground rules yet."))
            blocks.append(ActionsBlock(block_id=f"agree_{lset.id}", elements=[agree_button(lset)]))
        if facilitating:
            blocks.append(md(agreement_summary(lset)))
        if overviews and lset.id in overviews:
            blocks.extend(_topic_blocks(lset, overviews[lset.id], facilitating=facilitating))
        blocks.extend(_vote_blocks(board))
        blocks.extend(_action_blocks(board))
        if facilitating:
            blocks.extend(_facilitator_blocks(board))
            blocks.extend(_next_steps(board))
        blocks.append(_evidence(lset))
    if len(sets) > MAX_SETS_SHOWN:
        blocks.append(context(f"…and {len(sets) - MAX_SETS_SHOWN} more sets."))
    blocks.append(context(f"`{COMMAND} help` lists everything I can do."))
    view = View(type="home", blocks=blocks)
    view.validate_json()
    return view.to_dict()
