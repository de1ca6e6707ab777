"""Thin Bolt listeners, by surface. ``register_all`` wires them into an app."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import (
    actions,
    agenda,
    calendar,
    commands,
    errors,
    events,
    loop,
    topics,
    views,
)


def register_all(app: App) -> None:
    for module in (commands, views, actions, topics, agenda, loop, calendar, events, errors):
        module.register(app)
