"""The question bank, privately (``/als questions``): cue cards for members, and the
facilitator's process questions for who facilitates."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks.common import Message, clip, context, header, md, render
from bot.blocks.text import escape
from bot.domain.questions import Card
from bot.ids import COMMAND
from bot.services.views import QuestionCards

USAGE = (
    f"`{COMMAND} questions` shows the question bank; the set's lead adds one with "
    f"`{COMMAND} questions add <stage> <question>` (stages: clarifying, open, actions, framing, "
    "action_planning, group, learning)."
)


def _card(card: Card) -> Block:
    lines = [f"*{escape(card.title)}* (`{card.key}`)"]
    if card.cue:
        lines.append(f"_{escape(card.cue)}_")
    lines.extend(f"• {escape(q)}" for q in card.questions)
    lines.extend(f"• {escape(q)} _(your set's)_" for q in card.added)
    return md(clip("\n".join(lines), 3000))


def question_cards(cards: QuestionCards, note: str | None = None) -> Message:
    blocks: list[Block] = []
    if note:
        blocks.append(md(note))
    blocks.append(header(f"Questions, not advice: {cards.set.name}"))
    blocks.append(
        context(
            "Open questions help the presenter think: what, how, who, when; one at a time, in "
            "their words. Only you see this."
        )
    )
    blocks.extend(_card(c) for c in cards.bank.members)
    if cards.facilitating:
        blocks.append(header("For the facilitator: process questions"))
        blocks.extend(_card(c) for c in cards.bank.facilitator)
    if cards.lead:
        blocks.append(context(USAGE))
    return Message(text=f"The question bank of {escape(cards.set.name)}", blocks=render(blocks))
