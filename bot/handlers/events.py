"""Events API listeners: one for every event the manifest subscribes to."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.handlers.common import publish_home, team_of
from bot.handlers.deps import Deps
from bot.handlers.errors import guarded

EVENTS = ("app_home_opened", "app_uninstalled")


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab: nothing to render
    publish_home(client, deps, team_of(context, body), event["user"])


def handle_app_uninstalled(body: dict[str, Any], context: BoltContext, deps: Deps) -> None:
    deps.workspaces.uninstalled(team_of(context, body))


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(handle_app_home_opened))
    app.event("app_uninstalled")(guarded(handle_app_uninstalled))
