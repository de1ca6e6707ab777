"""The welcome of someone added to a running set (``bot.domain.newcomers``): a DM that says the
channel's earlier messages predate them, states the contract and how it applies to them now,
and what to do next."""

from __future__ import annotations

from bot.blocks.common import Message, context, header, md, plain, render
from bot.blocks.messages import session_when
from bot.blocks.text import channel_link, escape, mention
from bot.ids import COMMAND
from bot.services.views import SetInfo


def newcomer_dm(lset: SetInfo) -> Message:
    name = escape(lset.name)
    facilitator = mention(lset.facilitator_id) if lset.facilitator_id else "nobody yet"
    blocks = [
        header(f"Welcome to {lset.name}"),
        md(
            f"You have joined *{name}* ({channel_link(lset.channel_id)}), a set that is already "
            f"meeting, facilitated by {facilitator}."
        ),
        md(
            "*The channel's earlier messages predate you.* They were shared under the set's "
            "contract among the people in the set at the time, before you joined. Please treat "
            "them as the set's confidence: don't quote them or take them outside the set, and "
            "leave it to their authors to bring them up again. What I show you (your Home tab, "
            f"`{COMMAND} actions`, the report-back round, exports) starts from when you joined."
        ),
        md("*The set's contract (its ground rules):*"),
        plain(lset.ground_rules),
        md(
            "*How it applies to you now:* from today you are bound by it like everyone else, and "
            "it protects what you bring in the same way: what you share stays in the set, and "
            "your preparation, notes and log are yours. I have sent you the ground rules to agree "
            "to: please agree before the next session."
        ),
        md(
            "*What to do next:*\n"
            f"• Prepare a topic for the next session: `{COMMAND} topic`.\n"
            "• Open my *Home* tab: your set, the next session and your part in it.\n"
            f"• Say whether you are coming, and see the dates: `{COMMAND} sessions`."
        ),
        context(f"Next session: {session_when(lset.next_session)}"),
    ]
    return Message(text=f"Welcome to {escape(lset.name)}", blocks=render(blocks))
