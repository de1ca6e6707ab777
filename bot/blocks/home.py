"""The App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock
from slack_sdk.models.views import View

from bot.blocks.common import context, header, md
from bot.blocks.messages import agree_button, agreement_summary, session_when
from bot.ids import COMMAND
from bot.services.views import SetInfo
from bot.slack.text import channel_link, escape, mention

MAX_SETS_SHOWN = 15


def home_view(user_id: str, sets: list[SetInfo]) -> dict[str, Any]:
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
    if len(sets) > MAX_SETS_SHOWN:
        blocks.append(context(f"…and {len(sets) - MAX_SETS_SHOWN} more sets."))
    blocks.append(context(f"`{COMMAND} help` lists everything I can do."))
    view = View(type="home", blocks=blocks)
    view.validate_json()
    return view.to_dict()
