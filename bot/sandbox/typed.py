"""What a person typed in a modal that came back with field errors: Slack keeps it on screen,
so the sandbox draws the view with its submitted state in place of the initial values."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bot.fakeslack.driver import STATE_KEYS


def with_typed(view: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``view`` with each input showing what was submitted (``state.values``), not its
    initial value: an emptied field shows empty, a cleared choice shows none."""
    out = copy.deepcopy(dict(view))
    for block in out.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        keys = STATE_KEYS.get(str(element.get("type")))
        state = (values.get(str(block.get("block_id"))) or {}).get(str(element.get("action_id")))
        if keys is None or not isinstance(state, Mapping):
            continue
        state_key, initial_key = keys
        typed = state.get(state_key)
        if typed in (None, "", []):
            element.pop(initial_key, None)
        else:
            element[initial_key] = typed
    return out
