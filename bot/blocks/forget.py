"""Forget me: the confirmation that lists what goes, the answers, and the lead's offer for a
person Slack deleted."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, PlainTextObject

from bot.blocks.common import Message, clip, md, render
from bot.blocks.text import escape, mention
from bot.domain.forget import Holdings, holdings_lines
from bot.ids import COMMAND, ActionId

NOTHING_LEFT = "There is nothing of yours left to forget in this workspace."
KEPT = (
    "What stays, with no name on it: the counts the sets' figures are made of (sessions "
    "attended, actions done, review scores, goal ratings, closed votes' tallies). Messages "
    "already posted in channels stay in Slack."
)


def _what_goes(h: Holdings, whose: str) -> str:
    lines = [f"• {line}" for line in holdings_lines(h)]
    if h.sets:
        lines.append(f"• {whose} place in {', '.join(f'*{escape(n)}*' for n in h.sets)}")
    if not lines:
        lines.append(f"• {whose} name on the sets' records (attendance, answers)")
    return "\n".join(lines)


def forget_confirm(h: Holdings, subject: str, *, own: bool) -> Message:
    """The confirmation: exactly what goes, counted; nothing happens before the click."""
    whom = "you" if own else mention(subject)
    title = "Forget me?" if own else "Forget this person?"
    text = (
        f"*{title}* This erases, for good, everything {whom} wrote in this workspace's sets:\n"
        + _what_goes(h, "your" if own else "their")
        + f"\n{KEPT}"
    )
    blocks = [
        md(text),
        ActionsBlock(
            block_id="forget",
            elements=[
                ButtonElement(
                    text="Forget me" if own else "Forget them",
                    action_id=ActionId.FORGET_CONFIRM,
                    value=subject,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Erase for good?",
                        text=PlainTextObject(
                            text=clip("This cannot be undone. Nothing can be restored.", 300)
                        ),
                        confirm="Erase",
                        deny="Keep",
                        style="danger",
                    ),
                ),
                ButtonElement(text="Cancel", action_id=ActionId.FORGET_CANCEL, value="cancel"),
            ],
        ),
    ]
    return Message(text=title, blocks=render(blocks))


def nothing_left(subject: str, *, own: bool) -> Message:
    if own:
        return Message(text=NOTHING_LEFT)
    return Message(text=f"There is nothing of {mention(subject)} left to forget in this workspace.")


def forgotten(h: Holdings, subject: str, *, own: bool) -> Message:
    whom = "You are" if own else f"{mention(subject)} is"
    sets = f" and left {', '.join(f'*{escape(n)}*' for n in h.sets)}" if h.sets else ""
    return Message(text=f"Done. {whom} forgotten: the texts are erased{sets}.")


def forget_offer(subject: str, set_names: Sequence[str]) -> Message:
    """To a set's lead: Slack says a member was deleted or deactivated."""
    names = ", ".join(f"*{escape(n)}*" for n in set_names)
    text = (
        f"{mention(subject)} was deactivated in Slack. They were in {names}. A workspace admin "
        "can erase what they wrote (the set's figures keep their counts, with no name). "
        f"Nothing happens unless someone confirms; `{COMMAND} help` for more."
    )
    blocks = [
        md(text),
        ActionsBlock(
            block_id="forget_offer",
            elements=[
                ButtonElement(text="Forget them…", action_id=ActionId.FORGET_OFFER, value=subject)
            ],
        ),
    ]
    return Message(text=f"{mention(subject)} was deactivated in Slack", blocks=render(blocks))
