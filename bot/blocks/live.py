"""The live session in the agenda's thread: one message per part (the opening, each topic, the
closing) showing its stages, the current one with what it asks of the presenter and of the
members and when its time is up; the facilitator's controls; the private cue cards; the
presenter's question form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ConfirmObject

from bot.blocks.common import Message, clip, context, header, md, render, text_field
from bot.blocks.forms import modal, value
from bot.blocks.meta import Meta
from bot.blocks.text import date_token, escape, mention, mentions
from bot.domain.live import Stage, Step
from bot.domain.questions import Card
from bot.ids import ActionId, CallbackId
from bot.services.views import LiveCue, LiveState

QUESTION, QUESTION_INPUT = "question", "question_input"
QUESTION_MAX = 500


@dataclass(frozen=True)
class QuestionMeta(Meta):
    """The part the presenter's question is for (a claim: the service checks the presenter)."""

    part_id: int


def part_title(position: int, parts: int, title: str) -> str:
    """A part as its message names it (plain text: the topic's title is not escaped)."""
    if position == 0:
        return "Opening"
    if position == parts - 1:
        return "Closing"
    return f"Topic {position}: {title}"


def _title(state: LiveState) -> str:
    return part_title(state.part.position, state.parts, state.part.title)


def _stage_line(state: LiveState, step: Step, index: int) -> str:
    now = state.clock.step
    mark = "✓" if index < now or state.clock.ended else ("▶" if index == now else "·")
    return f"{mark} {step.stage.label} · {step.minutes} min"


def _time_left(state: LiveState) -> str:
    clock = state.clock
    if clock.paused:
        left = (clock.paused_left or 0) // 60
        return f":double_vertical_bar: *Time-out*: the clock is stopped ({left} min left on this stage)."
    assert clock.deadline is not None
    return f"Time is up at {date_token(clock.deadline, '{time}', clock.deadline.strftime('%H:%M UTC'))}."


def _current(state: LiveState) -> list[Block]:
    stage = state.current.stage
    lines = [f"*Now: {stage.label}*"]
    if stage.presenter_does and state.part.presenter_id:
        lines.append(f"Presenter ({mention(state.part.presenter_id)}): {stage.presenter_does}")
    lines.append(f"Members: {stage.members_do}")
    if stage == Stage.REPORT_BACK and state.round_link:
        lines.append(f"<{state.round_link}|The report-back round's message>")
    lines.append(_time_left(state))
    return [md(clip("\n".join(lines), 3000))]


def _controls(state: LiveState) -> ActionsBlock:
    value = state.value
    stage = state.current.stage
    last = state.part.position == state.parts - 1
    buttons = [
        ButtonElement(
            text="Next stage", action_id=ActionId.LIVE_NEXT, value=value, style="primary"
        ),
        ButtonElement(text="+5 min", action_id=ActionId.LIVE_EXTEND, value=value),
        ButtonElement(
            text="Resume" if state.clock.paused else "Time-out",
            action_id=ActionId.LIVE_RESUME if state.clock.paused else ActionId.LIVE_TIME_OUT,
            value=value,
        ),
        ButtonElement(
            text="End session" if last else "End topic",
            action_id=ActionId.LIVE_END if last else ActionId.LIVE_END_PART,
            value=value,
            confirm=ConfirmObject(
                title="End the session?" if last else "End this topic?",
                text="The closing review comes next, privately."
                if last
                else "The set moves on to what comes next.",
                confirm="End",
                deny="Not yet",
            ),
        ),
    ]
    if stage.cue_card:
        buttons.append(
            ButtonElement(text="Help me ask", action_id=ActionId.LIVE_HELP, value=str(state.id))
        )
    buttons.append(
        ButtonElement(
            text="Facilitator prompts", action_id=ActionId.LIVE_PROMPTS, value=str(state.id)
        )
    )
    if stage == Stage.ACTIONS and state.part.topic_id is not None:
        buttons.append(
            ButtonElement(
                text="Commit actions",
                action_id=ActionId.COMMIT_OPEN,
                value=str(state.part.topic_id),
            )
        )
    if state.part.presenter_id and not state.part.question:
        buttons.append(
            ButtonElement(
                text="Add your question",
                action_id=ActionId.LIVE_QUESTION_OPEN,
                value=str(state.part.id),
            )
        )
    return ActionsBlock(block_id=f"live_{state.part.id}", elements=buttons)


def live_message(state: LiveState) -> Message:
    part = state.part
    title = _title(state)
    blocks: list[Block] = [header(clip(title, 150))]
    if part.question:
        blocks.append(md(clip(f":pushpin: *The question:* {escape(part.question)}", 3000)))
    if part.presenter_id:
        blocks.append(context(f"Presenter: {mention(part.presenter_id)} · {part.minutes} min"))
    if part.position == 0 and state.facilitator_id:
        blocks.append(context(f"Facilitator: {mention(state.facilitator_id)}"))
    if part.position == 0 and state.skipped:
        blocks.append(
            context(
                f"Not presenting today (can't come): {mentions(list(state.skipped))}. Their "
                "minutes go to the other topics."
            )
        )
    first = next(i for i, s in enumerate(state.steps) if s.part == part.position)
    blocks.append(
        md(
            clip(
                "\n".join(
                    _stage_line(state, step, first + i) for i, step in enumerate(state.stages)
                ),
                3000,
            )
        )
    )
    if state.here:
        blocks.extend(_current(state))
        blocks.append(_controls(state))
        fallback = f"{title}: {state.current.stage.label}"
    elif state.done:
        ended = state.clock.ended and part.position == state.parts - 1
        blocks.append(context("Session ended. Thank you." if ended else "Done."))
        fallback = f"{title}: done"
    else:
        blocks.append(context("Comes later."))
        fallback = title
    return Message(text=clip(escape(fallback), 300), blocks=render(blocks))


def _card(card: Card) -> Block:
    lines = [f"*{escape(card.title)}*"]
    if card.cue:
        lines.append(f"_{escape(card.cue)}_")
    lines.extend(f"• {escape(q)}" for q in (*card.questions, *card.added))
    return md(clip("\n".join(lines), 3000))


def cue_message(cue: LiveCue) -> Message:
    """Only visible to the member (or the facilitator) who asked."""
    if cue.facilitator:
        intro = f"Process questions for *{cue.stage.label.lower()}*: only you see these."
    else:
        intro = (
            f"*{cue.stage.label}*: one open question at a time, in the presenter's words. "
            "Only you see this."
        )
    blocks: list[Block] = [md(intro), *(_card(c) for c in cue.cards)]
    return Message(text=f"Questions for {cue.stage.label.lower()}", blocks=render(blocks))


def question_modal(part_id: int, current: str) -> dict[str, Any]:
    blocks: list[Block] = [
        text_field(
            QUESTION,
            QUESTION_INPUT,
            "The question you want help with",
            max_length=QUESTION_MAX,
            initial=current or None,
            multiline=True,
            placeholder="How can I ...?",
        ),
        context("It is pinned at the top of your topic's message in the thread, for the set."),
    ]
    return modal(
        CallbackId.LIVE_QUESTION,
        "Your question",
        "Pin it",
        QuestionMeta(part_id=part_id).dump(),
        blocks,
    )


def parse_question(view: dict[str, Any]) -> str:
    raw = value(view, QUESTION, QUESTION_INPUT).get("value")
    return raw if isinstance(raw, str) else ""


def live_started(where: str) -> Message:
    return Message(text=f"The session has started: it runs in {where}.")
