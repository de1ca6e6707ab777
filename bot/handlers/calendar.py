"""The sessions calendar: ``/als sessions``, and the facilitator's Move / Cancel / Add."""

from __future__ import annotations

from typing import Any

from bot.blocks.calendar import (
    SessionMeta,
    calendar_list,
    change_confirmation,
    feed_answer,
    file_comment,
    parse_session,
    session_modal,
)
from bot.handlers.kit import Kit, Request
from bot.ical import session_file
from bot.ids import ActionId, CallbackId, Sub
from bot.ids import SessionField as F
from bot.services.views import SessionChange


def sessions(r: Request, words: list[str]) -> None:
    r.answer(calendar_list(r.deps.calendar.calendar(r.team_id, r.user_id, r.channel_id)))


def sessions_from_home(r: Request, set_id: int) -> None:
    """The facilitator's "Sessions" on their Home tab: the calendar, in their DM with the bot
    (a Home tab click has nowhere else to answer)."""
    channel = r.deps.sets.channel_of(r.team_id, set_id)
    r.tell(calendar_list(r.deps.calendar.calendar(r.team_id, r.user_id, channel)))


def feed(r: Request, words: list[str]) -> None:
    """``/als calendar`` (``reset``: a new link; the old one stops)."""
    reset = len(words) > 1 and words[1].lower() == "reset"
    base = r.deps.public_url
    if base is None:
        r.answer(feed_answer(None))
        return
    token = r.deps.feeds.link(r.team_id, r.user_id, reset=reset)
    r.answer(feed_answer(f"{base}/calendar/{token}.ics", reset=reset))


def send_file(r: Request, _: bool) -> None:
    """ "Send me the next session as a file": an ``.ics`` in the member's DM."""
    found = r.deps.feeds.next_session(r.team_id, r.user_id)
    if found is None:
        r.tell("No session is planned yet: nothing to send.")
        return
    r.out.upload(
        r.user_id,
        "als-session.ics",
        session_file(found),
        f"{found.set_name}: next session",
        file_comment(found.set_name, found.session.starts_at),
    )


def move(r: Request, session_id: int) -> None:
    r.open_modal(session_modal(r.deps.calendar.start_move(r.team_id, r.user_id, session_id)))


def add(r: Request, set_id: int) -> None:
    r.open_modal(session_modal(r.deps.calendar.start_add(r.team_id, r.user_id, set_id)))


def cancel(r: Request, session_id: int) -> None:
    change = r.deps.calendar.cancel(r.team_id, r.user_id, session_id)
    if r.can_replace():  # the list it was clicked in, redrawn
        r.replace(change_confirmation(change))
    else:
        r.out.dm(r.user_id, change_confirmation(change))
    r.out.session_changed(change)


def save_session(r: Request, meta: SessionMeta, view: dict[str, Any]) -> SessionChange:
    day, at = parse_session(view)
    if meta.session_id is None:
        return r.deps.calendar.add(r.team_id, r.user_id, meta.set_id, day, at)
    return r.deps.calendar.move(r.team_id, r.user_id, meta.session_id, day, at)


def session_saved(r: Request, change: SessionChange) -> None:
    confirmation = change_confirmation(change)
    r.out.ephemeral_or_dm(change.set.channel_id, r.user_id, confirmation)
    r.out.session_changed(change)


def register(kit: Kit) -> None:
    kit.subcommand(Sub.SESSIONS)(sessions)
    kit.subcommand(Sub.CALENDAR)(feed)
    kit.button(ActionId.CALENDAR_FILE, parse=lambda _, __: True)(send_file)
    kit.button(ActionId.HOME_SESSIONS)(sessions_from_home)
    kit.button(ActionId.SESSION_MOVE)(move)
    kit.button(ActionId.SESSION_ADD)(add)
    kit.button(ActionId.SESSION_CANCEL)(cancel)
    kit.submission(
        CallbackId.SESSION,
        SessionMeta,
        save=save_session,
        then=session_saved,
        field=F.DATE,
        damaged="This form is damaged. Close it and run /als sessions again.",
        failed="Something went wrong on my side and nothing was changed. Please try again.",
    )
