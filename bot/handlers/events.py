"""Events API listeners: one for every event the manifest subscribes to; and the middleware
that notices a workspace marked uninstalled sending requests again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from bot.blocks.forget import forget_offer
from bot.deps import Deps
from bot.handlers.kit import Kit, Request
from bot.services.workspaces import TOKENS_REVOKED

log = logging.getLogger("bot.handlers")

#: Events Slack sends as the app loses its workspace: they prove nothing about being installed.
_LEAVING = ("app_uninstalled", "tokens_revoked")


def home_opened(r: Request, event: dict[str, Any]) -> None:
    user = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user, str):
        return  # the Messages tab: nothing to render
    r.out.homes(r.team_id, [user])


def uninstalled(r: Request, event: dict[str, Any]) -> None:
    """The app was removed: its tokens go at once and nothing more is sent; the data is kept
    for the grace period, so a reinstall resumes (then the scheduler deletes it)."""
    r.deps.tokens.forget(r.team_id)
    r.deps.workspaces.uninstalled(r.team_id)


def tokens_revoked(r: Request, event: dict[str, Any]) -> None:
    """The bot's token was revoked: stop sending to the workspace at once (the scheduler
    tries the token again now and then, and resumes when it works). User tokens, which the
    app does not use, do not matter."""
    tokens = event.get("tokens")
    if not (isinstance(tokens, dict) and tokens.get("bot")):
        return
    r.deps.tokens.forget(r.team_id)
    if r.deps.workspaces.stop_sending(r.team_id, TOKENS_REVOKED):
        log.error("stopped sending for a workspace: %s", TOKENS_REVOKED)


def user_changed(r: Request, event: dict[str, Any]) -> None:
    """Someone's profile changed: if they are a member and their time zone moved, their
    reminders follow it (quiet hours are theirs); if Slack deleted them, their leads are
    offered to have them forgotten."""
    user = event.get("user")
    if not isinstance(user, dict):
        return
    user_id, tz = user.get("id"), user.get("tz")
    if isinstance(user_id, str) and isinstance(tz, str):
        r.deps.workspaces.member_zone_changed(r.team_id, user_id, tz)
    if isinstance(user_id, str) and user.get("deleted") is True:
        offer_forget(r, user_id)


def offer_forget(r: Request, user_id: str) -> None:
    """Slack deleted or deactivated a member: their sets' leads are offered to have them
    forgotten (a workspace admin carries it out, checked on the click)."""
    for offer in r.deps.forget.offers(r.team_id, user_id):
        r.out.dm(offer.lead_id, forget_offer(user_id, offer.set_names))


def note_installed(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
    """Global middleware: a signed request from a workspace marked uninstalled proves the app
    is installed there again (the service looks at most once a minute per team)."""
    event = body.get("event")
    leaving = isinstance(event, dict) and event.get("type") in _LEAVING
    deps = context.get("deps")
    team = context.team_id
    if not leaving and team and isinstance(deps, Deps):
        try:
            if deps.workspaces.request_from(team):
                log.warning("workspace %s is installed again", team)
        except Exception as exc:  # the request itself must still be answered
            log.warning("could not check the workspace's installation: %s", type(exc).__name__)
    next()


#: The events the manifest subscribes to, and their listeners (any other event is answered 200
#: and dropped: ``Kit.ignore_other_events``).
LISTENERS = {
    "app_home_opened": home_opened,
    "app_uninstalled": uninstalled,
    "tokens_revoked": tokens_revoked,
    "user_change": user_changed,
}
EVENTS = tuple(LISTENERS)


def register(kit: Kit) -> None:
    kit.middleware(note_installed)
    for name, listener in LISTENERS.items():
        kit.event(name)(listener)
