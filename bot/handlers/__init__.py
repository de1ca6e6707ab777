"""Thin Bolt listeners, by surface. ``register_all`` wires them into an app."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import actions, agenda, commands, errors, events, topics, views


def register_all(app: App) -> None:
    for module in (commands, views, actions, topics, agenda, events, errors):
        module.register(app)
