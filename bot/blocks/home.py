"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock
from slack_sdk.models.views import View

from bot.blocks.common import context, header, md
from bot.blocks.messages import agree_button, agreement_summary, session_when
from bot.domain.topics import TopicStatus
from bot.ids import COMMAND, ActionId
from bot.services.views import SetInfo, TopicOverview
from bot.slack.text import channel_link, escape, mention, mentions

MAX_SETS_SHOWN = 10  # at most 8 blocks each, within the 100 of a view


def _topic_blocks(lset: SetInfo, user_id: str, overview: TopicOverview) -> list[Block]:
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
    if lset.facilitator_id == user_id:
        blocks.append(
            md(
                f"*Topics for {when}:* {len(overview.submitted)} in ({mentions(list(overview.submitted))}); "
                f"no topic: {mentions(list(overview.no_topic))}; waiting for: {mentions(list(overview.waiting))}"
            )
        )
    return blocks


def home_view(
    user_id: str, sets: list[SetInfo], overviews: dict[int, TopicOverview] | None = None
) -> dict[str, Any]:
    blocks: list[Block] = [header("Your Action Learning Sets")]
    if not sets:
        blocks.append(
            md(
                "You're not in a set yet. A facilitator creates one by running "
                f"`{COMMAND} setup` in the set's (private) channel."
            )
        )
    for lset in sets[:MAX_SETS_SHOWN]:
        facilitating = lset.facilitator_id == user_id
        role = (
            "you facilitate"
            if facilitating
            else f"facilitator {mention(lset.facilitator_id or '')}"
        )
        blocks.append(DividerBlock())
        blocks.append(
            md(
                f"*{escape(lset.name)}* in {channel_link(lset.channel_id)} ({role})\n"
                f"Next session: {session_when(lset.next_session)}"
                + (f"\nPlace: {escape(lset.place)}" if lset.place else "")
            )
        )
        if user_id not in lset.agreed_ids:
            blocks.append(md("You have not agreed to this set's ground rules yet."))
            blocks.append(ActionsBlock(block_id=f"agree_{lset.id}", elements=[agree_button(lset)]))
        if facilitating:
            blocks.append(md(agreement_summary(lset)))
        if overviews and lset.id in overviews:
            blocks.extend(_topic_blocks(lset, user_id, overviews[lset.id]))
    if len(sets) > MAX_SETS_SHOWN:
        blocks.append(context(f"…and {len(sets) - MAX_SETS_SHOWN} more sets."))
    blocks.append(context(f"`{COMMAND} help` lists everything I can do."))
    view = View(type="home", blocks=blocks)
    view.validate_json()
    return view.to_dict()
