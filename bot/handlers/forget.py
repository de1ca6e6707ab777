"""``/als forget me`` (erase oneself, after a confirmation listing what goes), ``/als forget
@person`` (a workspace admin, for a person Slack deleted), and the lead's offer button."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks.forget import forget_confirm, forgotten, nothing_left
from bot.handlers.kit import Kit, Request
from bot.ids import COMMAND, ActionId, Sub

SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,31}")
MENTION = re.compile(r"<@([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>")
USAGE = (
    f"`{COMMAND} forget me` erases everything you wrote in this workspace's sets and takes you "
    "out of them; it shows you what goes and asks you to confirm first."
)


def user_claim(action: dict[str, Any], body: dict[str, Any]) -> str | None:
    """A Slack user id a button carries: a claim, checked again by the service."""
    value = action.get("value")
    return value if isinstance(value, str) and SLACK_USER.fullmatch(value) else None


def slack_says(r: Request, subject: str) -> tuple[bool, bool]:
    """(the asker is a workspace admin or owner, ``subject`` is deleted), asked of Slack now."""
    if subject == r.user_id:
        return False, False
    r.directory.forget(subject)  # a deactivation must not wait for the cache
    me, them = r.directory.user(r.user_id), r.directory.user(subject)
    return bool(me and me.is_admin), them is None or them.deleted


def confirm_for(r: Request, subject: str) -> None:
    admin, gone = slack_says(r, subject)
    own = subject == r.user_id
    held = r.deps.forget.holdings(r.team_id, r.user_id, subject, admin=admin, gone=gone)
    r.tell(nothing_left(subject, own=own) if held.empty else forget_confirm(held, subject, own=own))


def forget_me(r: Request, words: list[str]) -> None:
    confirm_for(r, r.user_id)


def forget_other(r: Request, words: list[str]) -> None:
    found = MENTION.fullmatch(words[1]) if len(words) == 2 else None
    if found is None:
        r.answer(USAGE)
    else:
        confirm_for(r, found.group(1))


def confirmed(r: Request, subject: str) -> None:
    admin, gone = slack_says(r, subject)
    own = subject == r.user_id
    done = r.deps.forget.forget(r.team_id, r.user_id, subject, admin=admin, gone=gone)
    answer = (
        nothing_left(subject, own=own)
        if done.held.empty
        else forgotten(done.held, subject, own=own)
    )
    if r.can_replace():
        r.replace(answer)
    else:
        r.tell(answer)
    r.out.refresh_votes(done.open_votes)
    r.out.homes(r.team_id, [subject, *(u for info in done.sets for u in info.member_ids)])


def cancelled(r: Request, _: bool) -> None:
    r.delete_clicked()


def register(kit: Kit) -> None:
    kit.subcommand(Sub.FORGET, "me")(forget_me)
    kit.subcommand(Sub.FORGET, "*")(forget_other)
    kit.subcommand(Sub.FORGET)(forget_other)
    kit.button(ActionId.FORGET_OFFER, parse=user_claim)(confirm_for)
    kit.button(ActionId.FORGET_CONFIRM, parse=user_claim)(confirmed)
    kit.button(ActionId.FORGET_CANCEL, parse=lambda _, __: True)(cancelled)
