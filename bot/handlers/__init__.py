"""Thin Bolt listeners, one module per feature, each written with the listener kit
(``bot.handlers.kit``) and registered by its ``register(kit)``. No feature module imports
another."""

from __future__ import annotations

from bot.handlers import (
    actions,
    agenda,
    attendance,
    ballot,
    calendar,
    events,
    exports,
    forget,
    goals,
    handover,
    help,
    learning,
    live,
    programme,
    questions,
    report,
    reportback,
    review,
    rota,
    sets,
    topics,
)
from bot.handlers.kit import Kit
from bot.handlers.matching import use_body_matchers

FEATURES = (
    help,
    sets,
    topics,
    agenda,
    ballot,
    actions,
    reportback,
    learning,
    calendar,
    attendance,
    rota,
    handover,
    review,
    questions,
    live,
    goals,
    report,
    programme,
    exports,
    forget,
    events,
)


def register_all(kit: Kit) -> None:
    for module in FEATURES:
        module.register(kit)
    kit.catch_all()
    use_body_matchers(kit.app)
