"""The question bank: cue cards for members during a topic's question stages (clarifying, open,
actions) and process questions for the facilitator (framing, action planning, group
effectiveness, learning). The shared base is the data file ``bot/data/questions.toml``; a set
adds its own (``LearningSet.settings["questions"]``). Pure: reads a packaged file, no Slack,
no SQL."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

QUESTION_MAX = 200
MAX_ADDED = 50  # questions a set may add


@dataclass(frozen=True)
class Card:
    key: str  # the stage or category, as `/als questions add` names it
    title: str
    cue: str
    questions: tuple[str, ...]
    added: tuple[str, ...] = ()  # the set's own


@dataclass(frozen=True)
class Bank:
    members: tuple[Card, ...]
    facilitator: tuple[Card, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in (*self.members, *self.facilitator))


def _cards(raw: dict[str, Any]) -> tuple[Card, ...]:
    return tuple(
        Card(
            key=key,
            title=str(card["title"]),
            cue=str(card.get("cue", "")),
            questions=tuple(str(q) for q in card["questions"]),
        )
        for key, card in raw.items()
    )


@functools.cache
def base() -> Bank:
    """The shared bank, read once from the packaged data file."""
    text = (resources.files("bot.data") / "questions.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return Bank(members=_cards(raw["members"]), facilitator=_cards(raw["facilitator"]))


def added_of(settings: dict[str, Any] | None) -> list[dict[str, str]]:
    """A set's own questions, as stored (anything malformed is left out)."""
    raw = (settings or {}).get("questions")
    if not isinstance(raw, list):
        return []
    return [
        {"stage": q["stage"], "text": q["text"]}
        for q in raw
        if isinstance(q, dict)
        and isinstance(q.get("stage"), str)
        and isinstance(q.get("text"), str)
    ]


def bank_of(settings: dict[str, Any] | None) -> Bank:
    """The shared bank with the set's own questions added to their stages."""
    added = added_of(settings)

    def extend(cards: tuple[Card, ...]) -> tuple[Card, ...]:
        return tuple(
            replace(c, added=tuple(q["text"] for q in added if q["stage"] == c.key)) for c in cards
        )

    shared = base()
    return Bank(members=extend(shared.members), facilitator=extend(shared.facilitator))


def add_problem(stage: str, text: str, already: int) -> str | None:
    """Why this question cannot be added (None: it can)."""
    keys = base().keys
    if stage not in keys:
        return f"There is no stage `{stage[:30]}`: use one of {', '.join(keys)}."
    if not text.strip():
        return "Write the question after the stage."
    if len(text) > QUESTION_MAX:
        return f"At most {QUESTION_MAX} characters."
    if already >= MAX_ADDED:
        return f"The set has {MAX_ADDED} questions of its own already."
    return None
