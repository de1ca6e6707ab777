"""Thin Bolt listeners, by surface. ``register_all`` wires them into an app."""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import actions, commands, errors, events, views


def register_all(app: App) -> None:
    for module in (commands, views, actions, events, errors):
        module.register(app)
