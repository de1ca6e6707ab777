"""Personal goals: the form to write one's goal, the form to rate one's progress, and the
private answers (only the author ever sees the goal's text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
)

from bot.blocks.common import Message, clip, context, md, render, text_field
from bot.blocks.forms import modal, scale_field, scale_value, value
from bot.blocks.meta import Meta
from bot.blocks.text import escape
from bot.domain import goals as gl
from bot.domain.review import THRESHOLD
from bot.ids import COMMAND, ActionId, CallbackId
from bot.services.views import GoalView

GOAL, GOAL_INPUT = "goal", "goal_input"
RATING, RATING_INPUT = "rating", "rating_input"
NOTE, NOTE_INPUT = "note", "note_input"
PRIVATE = (
    "Only you see your goal. Reports count ratings, never the text, and show no figure from "
    f"fewer than {THRESHOLD} members."
)


@dataclass(frozen=True)
class GoalMeta(Meta):
    """The set the goal form is about (a claim: the service checks the member)."""

    set_id: int


def write_button(set_id: int, has_goal: bool) -> ButtonElement:
    return ButtonElement(
        text="Change your goal" if has_goal else "Write your goal for the programme",
        action_id=ActionId.GOAL_OPEN,
        value=str(set_id),
    )


def rate_button(set_id: int, rated: bool) -> ButtonElement:
    return ButtonElement(
        text="Change your rating" if rated else "Rate progress on your goal",
        action_id=ActionId.GOAL_RATE_OPEN,
        value=str(set_id),
    )


def goal_modal(view: GoalView) -> dict[str, Any]:
    blocks: list[Block] = [
        md(
            f"*{escape(view.set_name)}*: what do you want to be able to do by the end of the "
            "programme? One goal, in your words."
        ),
        text_field(
            GOAL,
            GOAL_INPUT,
            "Your goal",
            max_length=gl.GOAL_MAX,
            initial=view.goal,
            multiline=True,
            placeholder="By the end, I want to be able to...",
        ),
        context(PRIVATE),
    ]
    return modal(CallbackId.GOAL, "Your goal", "Save", GoalMeta(set_id=view.set_id).dump(), blocks)


def rating_modal(view: GoalView) -> dict[str, Any]:
    blocks: list[Block] = [
        md(clip(f"*Your goal in {escape(view.set_name)}*\n>{escape(view.goal or '')}", 3000)),
        scale_field(RATING, RATING_INPUT, "How far did you get?", gl.SCALE, view.rating),
        text_field(
            NOTE,
            NOTE_INPUT,
            "One line on it",
            max_length=gl.NOTE_MAX,
            initial=view.note,
            optional=True,
        ),
        context(PRIVATE),
    ]
    meta = GoalMeta(set_id=view.set_id).dump()
    return modal(CallbackId.GOAL_RATING, "Your progress", "Save", meta, blocks)


def parse_goal(view: dict[str, Any]) -> str:
    raw = value(view, GOAL, GOAL_INPUT).get("value")
    return raw if isinstance(raw, str) else ""


def parse_rating(view: dict[str, Any]) -> tuple[int | None, str]:
    rating = scale_value(view, RATING, RATING_INPUT)
    note = value(view, NOTE, NOTE_INPUT).get("value")
    return rating, note if isinstance(note, str) else ""


def goal_message(view: GoalView) -> Message:
    """``/als goal`` when the form is not opened, and the confirmation after a save: the
    member's own goal, privately, with what they can do now."""
    lines = []
    if view.saved:
        lines.append(":white_check_mark: Saved.")
    if view.goal:
        lines.append(f"*Your goal in {escape(view.set_name)}*\n>{escape(view.goal)}")
    else:
        lines.append(f"You have no goal in *{escape(view.set_name)}*.")
    if view.rating:
        lines.append(f"Your progress: *{view.rating}* of 5.")
    if view.writable and view.writable_until:
        lines.append(f"You can change it until {view.writable_until:%d %b %Y}.")
    elif not view.writable and view.goal:
        lines.append("Goals are written in the programme's first month: yours stays as it is.")
    elif not view.writable:
        lines.append(
            "Goals are written in the programme's first month, which is over: talk to your "
            "facilitator if you want to set one."
        )
    buttons = []
    if view.writable:
        buttons.append(write_button(view.set_id, bool(view.goal)))
    if view.goal:
        buttons.append(rate_button(view.set_id, view.rating is not None))
    blocks: list[Block] = [md(clip("\n".join(lines), 3000))]
    if buttons:
        blocks.append(ActionsBlock(block_id="goal_actions", elements=buttons))
    blocks.append(context(PRIVATE + f" `{COMMAND} goal review` rates your progress."))
    return Message(text="Your goal", blocks=render(blocks))
