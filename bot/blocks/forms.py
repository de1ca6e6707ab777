"""Helpers shared by the modals: reading a submitted view's state, building a modal."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, Option, PlainTextObject, RadioButtonsElement
from slack_sdk.models.views import View


def values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted view's state: block id -> action id -> what the element holds."""
    return (view.get("state") or {}).get("values") or {}


def value(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    return (values(view).get(block) or {}).get(action) or {}


def date_value(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=text), value=value)


def scale_field(
    block: str, action: str, label: str, scale: dict[int, str], chosen: int | None
) -> InputBlock:
    """A 1-5 (or any numbered) scale as radio buttons, ``chosen`` preselected."""
    options = [option(text, str(n)) for n, text in scale.items()]
    initial = next((o for o in options if o.value == str(chosen)), None) if chosen else None
    return InputBlock(
        block_id=block,
        label=label,
        element=RadioButtonsElement(action_id=action, options=options, initial_option=initial),
    )


def scale_value(view: dict[str, Any], block: str, action: str) -> int | None:
    """The number chosen on a scale field (None: nothing chosen)."""
    raw = (value(view, block, action).get("selected_option") or {}).get("value")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def modal(callback: str, title: str, submit: str, meta: str, blocks: list[Block]) -> dict[str, Any]:
    """A modal with Cancel, checked against Block Kit's limits."""
    view = View(
        type="modal",
        callback_id=callback,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=meta,
        blocks=blocks,
    )
    view.validate_json()
    return view.to_dict()
