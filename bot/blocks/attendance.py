"""Attendance: the Coming / Can't come buttons under a session, the "Can't come" form, the
confirmations, and who is coming as the facilitator sees it (names, never reasons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.common import Message, context, md, render, simple, text_field
from bot.blocks.messages import session_when
from bot.blocks.meta import Meta, key
from bot.blocks.text import count, escape, mention, mentions
from bot.domain.attendance import REASON_MAX, Answer
from bot.ids import COMMAND, PRESENT_PREFIX, ActionId, CallbackId
from bot.services.views import ApologyDraft, Attendance, AwayOutcome, Presence, RsvpOutcome

REASON = "reason"
REASON_INPUT = "reason_input"


def rsvp_elements(session_id: int) -> list[ButtonElement]:
    value = str(session_id)
    return [
        ButtonElement(text="Coming", action_id=ActionId.RSVP_COMING, value=value),
        ButtonElement(text="Can't come", action_id=ActionId.RSVP_APOLOGIES, value=value),
    ]


def rsvp_buttons(session_id: int) -> ActionsBlock:
    return ActionsBlock(block_id=f"rsvp_{session_id}", elements=rsvp_elements(session_id))


def my_answer(answer: str | None) -> str:
    """The reader's own answer for a session, in a few words."""
    if answer == Answer.COMING:
        return "you're coming"
    if answer == Answer.APOLOGIES:
        return "you sent apologies"
    return "you haven't said if you're coming"


def attendance_line(att: Attendance) -> str:
    """Who is coming (the facilitator's view): counts and names, never reasons."""
    coming = f" ({mentions(list(att.coming))})" if att.coming else ""
    parts = [f"{count(len(att.coming), 'member')} coming{coming}"]
    if att.apologies:
        late = f", {len(att.late)} late" if att.late else ""
        parts.append(f"apologies from {mentions(list(att.apologies))}{late}")
    if att.away:
        parts.append(f"away: {mentions(list(att.away))}")
    if att.waiting:
        parts.append(f"not answered: {mentions(list(att.waiting))}")
    return "; ".join(parts)


# -- time away ------------------------------------------------------------------------------
UNTIL = "until"
UNTIL_INPUT = "until_input"
AWAY_USAGE = (
    f"`{COMMAND} away until 2027-01-15`: no topic prompts or nudges until then, and your "
    f"sessions up to that day count as apologies. `{COMMAND} away off` ends it early."
)


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def away_line(away: dict[str, date]) -> str:
    """Who in a set is away, and until when (what the set sees)."""
    return "Away: " + ", ".join(
        f"{mention(user)} until {day_text(day)}" for user, day in sorted(away.items())
    )


def away_controls(until: date | None) -> list[Block]:
    """The Home tab's control for time away: set it, or end it."""
    if until is not None:
        return [
            SectionBlock(
                block_id="away",
                text=MarkdownTextObject(
                    text=f":palm_tree: You're away until *{day_text(until)}*: no prompts or "
                    "nudges, and your sessions until then count as apologies."
                ),
                accessory=ButtonElement(text="I'm back", action_id=ActionId.AWAY_OFF, value="off"),
            )
        ]
    return [
        SectionBlock(
            block_id="away",
            text=MarkdownTextObject(
                text="Going away? Pause your prompts and send apologies at once."
            ),
            accessory=ButtonElement(text="Away until…", action_id=ActionId.AWAY_OPEN, value="away"),
        )
    ]


@dataclass(frozen=True)
class AwayMeta(Meta):
    """The time-away form carries nothing: the date is what was picked."""


def away_modal() -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=CallbackId.AWAY,
        title=PlainTextObject(text="Time away"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=AwayMeta().dump(),
        blocks=[
            InputBlock(
                block_id=UNTIL,
                label="Away until (the last day away)",
                element=DatePickerElement(action_id=UNTIL_INPUT),
            ),
            context(
                "Until then: no topic prompts, nudges or report-back reminders, and your "
                "sessions count as apologies. Your sets see that you're away, not why."
            ),
        ],
    )
    view.validate_json()
    return view.to_dict()


def parse_away(view: dict[str, Any]) -> date | None:
    values = (view.get("state") or {}).get("values") or {}
    picked = ((values.get(UNTIL) or {}).get(UNTIL_INPUT) or {}).get("selected_date")
    try:
        return date.fromisoformat(picked) if isinstance(picked, str) else None
    except ValueError:
        return None


def away_confirmation(outcome: AwayOutcome) -> Message:
    sets = ", ".join(f"*{escape(n)}*" for n in outcome.set_names)
    if outcome.until is None:
        return simple(f"Welcome back: prompts and reminders for {sets} resume.")
    return simple(
        f":palm_tree: You're away until *{day_text(outcome.until)}* in {sets}: no topic "
        "prompts or nudges until then, and your sessions up to that day count as apologies. "
        f"`{COMMAND} away off` ends it early."
    )


@dataclass(frozen=True)
class ApologyMeta(Meta):
    """The session a "Can't come" form is about (a claim, checked again on submit)."""

    session_id: int = key("s")


def apologies_modal(draft: ApologyDraft) -> dict[str, Any]:
    when = session_when(draft.session)
    blocks: list[Any] = [
        md(f"*{escape(draft.set_name)}*, {when}: you can't come."),
        text_field(
            REASON,
            REASON_INPUT,
            "Why (optional)",
            max_length=REASON_MAX,
            optional=True,
            initial=draft.reason,
        ),
        context("Only you see the reason. The set sees that you sent apologies."),
    ]
    if draft.late:
        blocks.append(
            context(
                f":hourglass: The set agreed on {count(draft.notice_hours, 'hour')} notice: "
                "your apologies are taken, and marked late."
            )
        )
    view = View(
        type="modal",
        callback_id=CallbackId.APOLOGIES,
        title=PlainTextObject(text="Apologies"),
        submit=PlainTextObject(text="Send apologies"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=ApologyMeta(session_id=draft.session.id).dump(),
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


def parse_apologies(view: dict[str, Any]) -> str | None:
    values = (view.get("state") or {}).get("values") or {}
    typed = ((values.get(REASON) or {}).get(REASON_INPUT) or {}).get("value")
    return typed if isinstance(typed, str) else None


def rsvp_confirmation(outcome: RsvpOutcome) -> Message:
    when = session_when(outcome.session)
    name = escape(outcome.set_name)
    if outcome.answer == Answer.COMING:
        return simple(f":white_check_mark: You're coming to *{name}*, {when}. See you there.")
    late = " They are marked late (less notice than the set agreed)." if outcome.late else ""
    return simple(
        f"Your apologies for *{name}*, {when}, are sent.{late} You can still say you're "
        "coming until the session starts."
    )


# -- who came -------------------------------------------------------------------------------
MAX_CHECKBOXES = 10  # Slack's limit per checkbox group


def presence_message(presence: Presence) -> Message:
    """To the facilitator after a session: a checklist of members, preset, and Save."""
    when = session_when(presence.session)
    text = f"Who came to *{escape(presence.set_name)}*, {when}?"
    blocks: list[Block] = [
        md(text),
        context("Preset from who said they were coming, presented or reported back."),
    ]
    members = list(presence.members)
    for n, start in enumerate(range(0, len(members), MAX_CHECKBOXES)):
        chunk = members[start : start + MAX_CHECKBOXES]
        options = [_person_option(u) for u in chunk]
        ticked = [o for o, u in zip(options, chunk, strict=True) if u in presence.present]
        blocks.append(
            ActionsBlock(
                block_id=f"present_{n}",
                elements=[
                    CheckboxesElement(
                        action_id=f"{PRESENT_PREFIX}{n}",
                        options=options,
                        initial_options=ticked or None,
                    )
                ],
            )
        )
    blocks.append(
        ActionsBlock(
            block_id="present_save",
            elements=[
                ButtonElement(
                    text="Save attendance",
                    action_id=ActionId.ATTENDANCE_SAVE,
                    value=str(presence.session.id),
                    style="primary",
                )
            ],
        )
    )
    return Message(text=text, blocks=render(blocks))


def _person_option(user: str) -> Option:
    return Option(text=MarkdownTextObject(text=mention(user)), value=user)


def ticked_people(state: dict[str, Any]) -> list[str]:
    """The members ticked in a checklist message's state (``body.state.values``)."""
    out: list[str] = []
    for block_id, per_block in (state.get("values") or {}).items():
        if not str(block_id).startswith("present_") or not isinstance(per_block, dict):
            continue
        for action_id, value in per_block.items():
            if str(action_id).startswith(PRESENT_PREFIX) and isinstance(value, dict):
                out.extend(
                    o["value"]
                    for o in value.get("selected_options") or []
                    if isinstance(o, dict) and isinstance(o.get("value"), str)
                )
    return out


def presence_saved(presence: Presence) -> Message:
    when = session_when(presence.session)
    text = (
        f":clipboard: Attendance of *{escape(presence.set_name)}*, {when}: "
        f"{len(presence.present)} of {count(len(presence.members), 'member')} came"
        + (f" ({mentions(list(presence.present))})." if presence.present else ".")
    )
    return simple(text)


def tally_line(tally: dict[str, tuple[int, int]]) -> str:
    """Each member's attendance so far (the facilitator's Home)."""
    return "*Attendance so far:* " + ", ".join(
        f"{mention(user)} {came} of {held}" for user, (came, held) in sorted(tally.items())
    )
