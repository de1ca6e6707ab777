"""The sessions calendar: ``/als sessions``, the Move / Add a session modal, and the channel
message about a change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DatePickerElement,
    InputBlock,
    PlainTextObject,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.blocks.attendance import attendance_line, my_answer, rsvp_elements
from bot.blocks.common import Message, context, header, md, render
from bot.blocks.messages import length_text, session_when
from bot.blocks.meta import Meta, key
from bot.blocks.text import date_token, escape, mention
from bot.domain.status import SessionChangeKind
from bot.ids import COMMAND, ActionId, CallbackId
from bot.ids import SessionField as F
from bot.services.views import Calendar, SessionChange, SessionDraft, SessionInfo

#: Sessions listed at most (a message holds 50 blocks: 2 per session, plus a few).
MAX_LISTED = 20


def _marks(session: SessionInfo) -> str:
    marks = []
    if session.moved:
        marks.append("moved")
    if session.extra:
        marks.append("extra session")
    return f" · _{', '.join(marks)}_" if marks else ""


def _programme_end(cal: Calendar) -> str:
    lset = cal.set
    parts = []
    if lset.programme_sessions is not None:
        parts.append(f"{lset.programme_sessions} sessions")
    if lset.programme_ends_on is not None:
        parts.append(f"last session on or before {lset.programme_ends_on:%a %d %b %Y}")
    return f" The programme: {', '.join(parts)}." if parts else ""


def session_buttons(
    session_id: int, *, answers: bool = False, facilitator: bool = True
) -> ActionsBlock:
    """Move, Hand over and Cancel for its facilitator; with ``answers``, Coming / Can't come first (for
    every member)."""
    value = str(session_id)
    rsvp = rsvp_elements(session_id) if answers else []
    if not facilitator:
        return ActionsBlock(block_id=f"session_{session_id}", elements=rsvp)
    return ActionsBlock(
        block_id=f"session_{session_id}",
        elements=[
            *rsvp,
            ButtonElement(text="Move", action_id=ActionId.SESSION_MOVE, value=value),
            ButtonElement(text="Hand over…", action_id=ActionId.HANDOVER_OPEN, value=value),
            ButtonElement(
                text="Cancel",
                action_id=ActionId.SESSION_CANCEL,
                value=value,
                style="danger",
                confirm=ConfirmObject(
                    title="Cancel this session?",
                    text="The set is told in the channel, and members already reminded get a "
                    "short notice. This cannot be undone (add a session instead).",
                    confirm="Cancel session",
                    deny="Keep it",
                ),
            ),
        ],
    )


def calendar_list(cal: Calendar, note: str | None = None) -> Message:
    """The set's coming sessions (an ephemeral message); buttons for the facilitator."""
    lset = cal.set
    blocks: list[Block] = []
    if note:
        blocks.append(md(note))
    blocks.append(header(f"Sessions of {lset.name}"))
    if not cal.sessions:
        blocks.append(md("No sessions are planned." + _programme_end(cal)))
    for session in cal.sessions[:MAX_LISTED]:
        started = session.starts_at <= cal.now
        now = " · *in progress*" if started else f" · {my_answer(cal.answers.get(session.id))}"
        who = cal.attendance.get(session.id)
        lead = session.facilitator(lset.facilitator_id)
        blocks.append(
            md(
                f"*{session_when(session)}* · {length_text(session.duration_minutes)}"
                f"{_marks(session)}{now}"
                + (f"\nFacilitator: {mention(lead)}" if lead else "")
                + (f"\n{attendance_line(who)}" if who else ""),
                block_id=f"when_{session.id}",
            )
        )
        if not started:
            mine = session.id in cal.facilitating
            blocks.append(session_buttons(session.id, answers=True, facilitator=mine))
    if len(cal.sessions) > MAX_LISTED:
        blocks.append(context(f"…and {len(cal.sessions) - MAX_LISTED} more."))
    if cal.facilitator:
        blocks.append(
            ActionsBlock(
                block_id="session_add",
                elements=[
                    ButtonElement(
                        text="Add a session",
                        action_id=ActionId.SESSION_ADD,
                        value=str(lset.id),
                        style="primary",
                    )
                ],
            )
        )
    blocks.append(
        context(
            f"Times are shown in your own time zone; the set meets in *{escape(lset.timezone)}*."
            + (_programme_end(cal) if cal.sessions else "")
        )
    )
    text = f"{len(cal.sessions)} coming sessions of {escape(lset.name)}"
    return Message(text=text, blocks=render(blocks))


# -- the feed -------------------------------------------------------------------------------
def _file_button() -> ActionsBlock:
    return ActionsBlock(
        block_id="calendar_file",
        elements=[
            ButtonElement(
                text="Send me the next session as a file",
                action_id=ActionId.CALENDAR_FILE,
                value="next",
            )
        ],
    )


def feed_answer(url: str | None, *, reset: bool = False) -> Message:
    """``/als calendar``: the member's feed link (None: this deployment has no public URL),
    and the offer of the next session as a file."""
    if url is None:
        text = (
            "Calendar feeds need the app served over HTTP at a public address "
            "(`als-bot serve` with `PUBLIC_URL` set); this one runs without one (Socket Mode). "
            "I can send you the next session as a file to add to your calendar instead."
        )
        return Message(text=text, blocks=render([md(text), _file_button()]))
    webcal = "webcal://" + url.split("://", 1)[1]
    first = (
        "Your calendar link is new: the old one has stopped working."
        if reset
        else ("Your private calendar feed of your sets' sessions.")
    )
    text = (
        f"{first} Subscribe to it in your calendar app: <{webcal}|open in your calendar>, or "
        f"copy `{url}`.\nMoves and cancellations follow; it holds times and places only. Keep "
        f"it to yourself: anyone with the link sees your sessions. `{COMMAND} calendar reset` "
        "replaces it."
    )
    return Message(text=text, blocks=render([md(text), _file_button()]))


def file_comment(set_name: str, starts_at: datetime) -> str:
    when = date_token(starts_at, "{date_long_pretty} at {time}", f"{starts_at:%d %b %Y %H:%M} UTC")
    return (
        f"*{escape(set_name)}*, {when}: open the file to add it to your calendar (it will not "
        f"follow later moves; `{COMMAND} calendar` does)."
    )


# -- the modal ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionMeta(Meta):
    """``private_metadata`` of the modal: a claim, re-checked on submit."""

    set_id: int = key("s")
    session_id: int | None = key("p")  # None: add a session


def session_modal(draft: SessionDraft) -> dict[str, Any]:
    lset = draft.set
    moving = draft.session
    intro = (
        f"Move the session of {session_when(moving)} of *{escape(lset.name)}*."
        if moving
        else f"Add an extra session to *{escape(lset.name)}* "
        f"({length_text(lset.session_minutes)}; it does not count towards the programme)."
    )
    blocks: list[Block] = [
        md(intro),
        context(
            f":clock3: The date and time are wall-clock time in the set's time zone, "
            f"*{escape(lset.timezone)}*, not in your own. Each member sees the session in their "
            "own zone."
        ),
        InputBlock(
            block_id=F.DATE,
            label="Date",
            element=DatePickerElement(
                action_id=F.DATE.action_id,
                initial_date=draft.local_date.isoformat() if draft.local_date else None,
            ),
        ),
        InputBlock(
            block_id=F.TIME,
            label=f"Start time ({lset.timezone})"[:2000],
            element=TimePickerElement(
                action_id=F.TIME.action_id, initial_time=draft.local_time.strftime("%H:%M")
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=CallbackId.SESSION,
        title=PlainTextObject(text="Move a session" if moving else "Add a session"),
        submit=PlainTextObject(text="Move" if moving else "Add"),
        close=PlainTextObject(text="Back"),
        private_metadata=SessionMeta(
            set_id=lset.id, session_id=moving.id if moving else None
        ).dump(),
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()


def parse_session(view: dict[str, Any]) -> tuple[date | None, time | None]:
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}

    def value(field: F, key: str) -> str:
        return ((values.get(field.value) or {}).get(field.action_id) or {}).get(key) or ""

    try:
        day: date | None = date.fromisoformat(value(F.DATE, "selected_date"))
    except ValueError:
        day = None
    try:
        at: time | None = time.fromisoformat(value(F.TIME, "selected_time"))
    except ValueError:
        at = None
    return day, at


# -- after a change -------------------------------------------------------------------------
def change_line(change: SessionChange) -> str:
    name = f"*{escape(change.set.name)}*"
    if change.kind == SessionChangeKind.MOVED and change.before is not None:
        return (
            f":calendar: The session of {name} on {session_when(change.before)} has moved to "
            f"*{session_when(change.session)}*."
        )
    if change.kind == SessionChangeKind.CANCELLED:
        return f":no_entry_sign: The session of {name} on *{session_when(change.session)}* is cancelled."
    return (
        f":calendar: An extra session of {name} is planned: *{session_when(change.session)}* "
        f"({length_text(change.session.duration_minutes)})."
    )


def change_message(change: SessionChange) -> Message:
    """The set's channel is told what changed (each reader sees their own time zone)."""
    text = change_line(change)
    return Message(
        text=text,
        blocks=render(
            [
                md(text),
                context(f"Changed by {mention(change.by)}. `{COMMAND} sessions` lists them all."),
            ]
        ),
    )


def change_confirmation(change: SessionChange) -> Message:
    """The facilitator's private confirmation: what changed, and the fresh list."""
    return calendar_list(change.calendar, note=f"Done. {change_line(change)}")
