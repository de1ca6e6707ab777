"""The closing review: the DM after a session (1-5 and an optional line), its form, what Home
shows of it (counts, and averages from three answers on), and the facilitator's heads-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
)

from bot.blocks.common import Message, clip, context, md, render, text_field
from bot.blocks.forms import modal, scale_field, scale_value, value
from bot.blocks.goals import rate_button, write_button
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta
from bot.blocks.text import count, date_token, escape, mentions
from bot.domain import review as rv
from bot.domain.goals import Nudge
from bot.ids import REVIEW_PREFIX, ActionId, CallbackId
from bot.services.views import Context, ReviewOutcome, ReviewTrend

USEFUL, USEFUL_INPUT = "useful", "useful_input"
NOTE, NOTE_INPUT = "note", "note_input"
SCALE = {1: "1 not useful", 2: "2", 3: "3", 4: "4", 5: "5 very useful"}
ANONYMOUS = (
    "Anonymous: nobody sees who answered what. The set sees the average and how many answered, "
    f"and only once {rv.THRESHOLD} members have."
)


@dataclass(frozen=True)
class ReviewMeta(Meta):
    """The session the review form is about (a claim: the service checks the member)."""

    session_id: int


def review_prompt(
    set_name: str,
    session_id: int,
    starts_at: datetime,
    useful: int | None = None,
    *,
    set_id: int = 0,
    goal: str | None = None,
) -> Message:
    """How useful was the session? Five buttons (a second answer replaces the first) and a
    line on how the set worked."""
    when = date_token(starts_at, "{date_long_pretty}")
    text = f"How useful was the *{escape(set_name)}* session of {when}?"
    mine = f"\nYour answer: *{useful}* of 5. You can change it." if useful else ""
    blocks: list[Block] = [
        md(f"{text} (1 not useful, 5 very useful){mine}"),
        ActionsBlock(
            block_id=f"review_{session_id}",
            elements=[
                ButtonElement(
                    text=str(n),
                    action_id=f"{REVIEW_PREFIX}{n}",
                    value=str(session_id),
                    style="primary" if n == useful else None,
                )
                for n in range(rv.LOWEST, rv.HIGHEST + 1)
            ]
            + [
                ButtonElement(
                    text="Add a line on how the set worked",
                    action_id=ActionId.REVIEW_NOTE,
                    value=str(session_id),
                )
            ],
        ),
        context(ANONYMOUS),
    ]
    if goal in (Nudge.WRITE, Nudge.RATE):
        writing = goal == Nudge.WRITE
        offer = write_button(set_id, has_goal=False) if writing else rate_button(set_id, False)
        blocks.append(ActionsBlock(block_id=f"goal_{session_id}", elements=[offer]))
        blocks.append(
            context(
                "A goal for the programme, for you alone: rate it at the end."
                if writing
                else "The programme's last session: how far did you get with your goal?"
            )
        )
    return Message(text=text, blocks=render(blocks))


def reminder_review(ctx: Context) -> Message:
    return review_prompt(
        ctx.set_name, ctx.session_id, ctx.starts_at, set_id=ctx.set_id, goal=ctx.goal
    )


def review_modal(mine: ReviewOutcome) -> dict[str, Any]:
    blocks: list[Block] = [
        md(f"*{escape(mine.set_name)}*, the session of {session_when(mine.session)}"),
        scale_field(USEFUL, USEFUL_INPUT, "How useful was it?", SCALE, mine.useful),
        text_field(
            NOTE,
            NOTE_INPUT,
            "One line on how the set worked",
            max_length=rv.NOTE_MAX,
            initial=mine.note,
            optional=True,
            placeholder="How well did we listen? Questions or advice?",
        ),
        context(ANONYMOUS),
    ]
    meta = ReviewMeta(session_id=mine.session.id).dump()
    return modal(CallbackId.REVIEW, "Session review", "Save", meta, blocks)


def parse_review(view: dict[str, Any]) -> tuple[int, str]:
    """The score (0: none chosen) and the line."""
    note = value(view, NOTE, NOTE_INPUT).get("value")
    return scale_value(view, USEFUL, USEFUL_INPUT) or 0, note if isinstance(note, str) else ""


def review_saved(mine: ReviewOutcome) -> Message:
    """The DM again, with the member's answer (a form's save is told there too)."""
    return review_prompt(
        mine.set_name,
        mine.session.id,
        mine.session.starts_at,
        mine.useful,
        set_id=mine.set_id,
        goal=mine.goal,
    )


def summary_text(summary: rv.Summary) -> str:
    if summary.average is None:
        return f"{count(summary.answers, 'answer')} (shown from {rv.THRESHOLD})"
    return f"*{summary.average:.1f}* of 5 from {count(summary.answers, 'member')}"


def last_review_line(trend: ReviewTrend) -> str | None:
    """For every member: the last session's review, as the threshold allows."""
    if not trend.sessions:
        return None
    session, summary = trend.sessions[-1]
    return f"How useful the last session was ({session_when(session)}): {summary_text(summary)}"


def trend_blocks(trend: ReviewTrend) -> list[Block]:
    """For the facilitator: the trend over sessions, and the lines of the latest shown one."""
    if not trend.sessions:
        return []
    parts = [
        f"{date_token(s.starts_at, '{date_short}')}: "
        + (f"{m.average:.1f} ({m.answers})" if m.average is not None else f"– ({m.answers})")
        for s, m in trend.sessions
    ]
    blocks: list[Block] = [
        context(clip("Usefulness by session (1-5, answers): " + " · ".join(parts), 2000))
    ]
    if trend.notes:
        lines = "\n".join(f"• {escape(clip(n, rv.NOTE_MAX))}" for n in trend.notes[:5])
        blocks.append(
            md(clip(f"*How the set worked*, in members' words (anonymous):\n{lines}", 3000))
        )
    return blocks


def heads_up_message(ctx: Context) -> Message:
    """Privately to the facilitator: never who rated what."""
    name = f"*{escape(ctx.set_name)}*"
    parts = []
    if ctx.poor_sessions:
        parts.append(rv.POOR_ADVICE)
    if ctx.missing:
        parts.append(
            f"{mentions(list(ctx.missing))} missed the last two sessions. {rv.ABSENT_ADVICE}"
        )
    text = f"A heads-up about {name}."
    return Message(text=text, blocks=render([md(text + "\n" + "\n".join(parts))]))
