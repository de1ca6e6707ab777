"""Hand-overs and stand-ins: the facilitator's form, the request a member gets, the stand-in
call in the channel, and what everyone is told once someone takes the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    RadioButtonsElement,
    UserSelectElement,
)

from bot.blocks.common import Message, context, md, render, simple
from bot.blocks.forms import modal, option, value
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta
from bot.blocks.text import escape, mention
from bot.domain.rota import Ask
from bot.ids import COMMAND, ActionId, CallbackId
from bot.services.views import Handover, HandoverDraft

ASK, ASK_INPUT = "ask", "ask_input"
MEMBER, MEMBER_INPUT = "member", "member_input"
LABELS = {
    Ask.MEMBER: "Ask a member to take it (they accept or decline)",
    Ask.STANDIN: "Skip my turn: ask the set for a stand-in (the first to accept takes it)",
    Ask.ASSIGN: "Give it to a member now (the lead only)",
}


@dataclass(frozen=True)
class HandoverMeta(Meta):
    """The session the form hands over (a claim: the service checks who may)."""

    session_id: int


def _where(h: Handover | HandoverDraft) -> str:
    return f"*{escape(h.set.name)}*'s session of {session_when(h.session)}"


def handover_modal(draft: HandoverDraft) -> dict[str, Any]:
    asks = [Ask.MEMBER, Ask.STANDIN] + ([Ask.ASSIGN] if draft.lead else [])
    options = [option(LABELS[a], a.value) for a in asks]
    now = mention(draft.current) if draft.current else "nobody"
    blocks: list[Block] = [
        md(f"{_where(draft)}\nFacilitator now: {now}."),
        InputBlock(
            block_id=ASK,
            label="What would you like?",
            element=RadioButtonsElement(
                action_id=ASK_INPUT, options=options, initial_option=options[0]
            ),
        ),
        InputBlock(
            block_id=MEMBER,
            label="Member",
            optional=True,
            hint="For a hand-over to one member.",
            element=UserSelectElement(action_id=MEMBER_INPUT, placeholder="Choose a member"),
        ),
        context("The session keeps its new facilitator whatever the rota says."),
    ]
    meta = HandoverMeta(session_id=draft.session.id).dump()
    return modal(CallbackId.HANDOVER, "Hand over a session", "Send", meta, blocks)


def parse_handover(view: dict[str, Any]) -> tuple[Ask, str | None]:
    chosen = (value(view, ASK, ASK_INPUT).get("selected_option") or {}).get("value")
    ask = Ask(chosen) if chosen in {a.value for a in Ask} else Ask.MEMBER
    member = value(view, MEMBER, MEMBER_INPUT).get("selected_user")
    return ask, member if isinstance(member, str) and member else None


def handover_request(h: Handover) -> Message:
    """The member asked: Accept / Decline."""
    text = f"{mention(h.asked_by)} asks you to facilitate {_where(h)}."
    return Message(
        text=text,
        blocks=render(
            [
                md(text),
                ActionsBlock(
                    block_id=f"handover_{h.request_id}",
                    elements=[
                        ButtonElement(
                            text="Accept",
                            action_id=ActionId.HANDOVER_ACCEPT,
                            value=str(h.request_id),
                            style="primary",
                        ),
                        ButtonElement(
                            text="Decline",
                            action_id=ActionId.HANDOVER_DECLINE,
                            value=str(h.request_id),
                        ),
                    ],
                ),
            ]
        ),
    )


def standin_call(h: Handover) -> Message:
    """The channel: who stands in? The first member to accept takes the session."""
    text = f"{mention(h.asked_by)} can't facilitate {_where(h)}: who stands in?"
    return Message(
        text=text,
        blocks=render(
            [
                md(f":raised_hand: {text}"),
                ActionsBlock(
                    block_id=f"standin_{h.request_id}",
                    elements=[
                        ButtonElement(
                            text="I'll stand in",
                            action_id=ActionId.STANDIN_ACCEPT,
                            value=str(h.request_id),
                            style="primary",
                        )
                    ],
                ),
                context("The first member to accept facilitates it."),
            ]
        ),
    )


def handover_asked(h: Handover) -> Message:
    """The facilitator's confirmation of what they asked."""
    if h.ask == Ask.STANDIN:
        return simple(f"Asked the set in its channel for a stand-in for {_where(h)}.")
    return simple(
        f"Asked {mention(h.asked_of or '')} to facilitate {_where(h)}. You facilitate it until "
        "they accept."
    )


def handover_done(h: Handover) -> Message:
    """Someone facilitates the session now (the channel, and the people concerned)."""
    how = "stands in" if h.ask == Ask.STANDIN else "facilitates"
    before = h.previous or h.asked_by
    why = f"in place of {mention(before)}" + (
        f", given by the lead, {mention(h.asked_by)}" if h.ask == Ask.ASSIGN else ""
    )
    return simple(
        f"{mention(h.taken_by or '')} {how} {_where(h)} ({why}). "
        f"`{COMMAND} sessions` shows every session's facilitator."
    )


def handover_declined(h: Handover) -> Message:
    return simple(
        f"{mention(h.asked_of or '')} declined to facilitate {_where(h)}: you still facilitate "
        f"it. `{COMMAND} sessions` lets you ask someone else."
    )


def you_declined(h: Handover) -> Message:
    return simple(f"You declined to facilitate {_where(h)}. {mention(h.asked_by)} is told.")
