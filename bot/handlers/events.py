"""Events API listeners: one for every event the manifest subscribes to; and the middleware
that notices a workspace marked uninstalled sending requests again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.handlers.common import publish_home, team_of
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded
from bot.services.workspaces import TOKENS_REVOKED

log = logging.getLogger("bot.handlers")

EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked", "user_change")
#: Events Slack sends as the app loses its workspace: they prove nothing about being installed.
_LEAVING = ("app_uninstalled", "tokens_revoked")


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab: nothing to render
    publish_home(client, deps, team_of(context, body), event["user"])


def handle_app_uninstalled(body: dict[str, Any], context: BoltContext, deps: Deps) -> None:
    deps.workspaces.uninstalled(team_of(context, body))


def handle_tokens_revoked(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """The bot's token was revoked: stop sending to the workspace at once (the scheduler
    tries the token again now and then, and resumes when it works). User tokens, which the
    app does not use, do not matter."""
    tokens = event.get("tokens")
    if not (isinstance(tokens, dict) and tokens.get("bot")):
        return
    if deps.workspaces.stop_sending(team_of(context, body), TOKENS_REVOKED):
        log.error("stopped sending for a workspace: %s", TOKENS_REVOKED)


def handle_user_change(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """Someone's profile changed: if they are a member and their time zone moved, their
    reminders follow it (quiet hours are theirs)."""
    user = event.get("user")
    if not isinstance(user, dict):
        return
    user_id, tz = user.get("id"), user.get("tz")
    if isinstance(user_id, str) and isinstance(tz, str):
        deps.workspaces.member_zone_changed(team_of(context, body), user_id, tz)


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


def register(app: App) -> None:
    app.middleware(note_installed)
    app.event("app_home_opened")(guarded(handle_app_home_opened))
    app.event("app_uninstalled")(guarded(handle_app_uninstalled))
    app.event("tokens_revoked")(guarded(handle_tokens_revoked))
    app.event("user_change")(guarded(handle_user_change))
