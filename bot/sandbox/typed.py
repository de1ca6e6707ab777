"""What a person typed in a modal that came back with field errors: Slack keeps it on screen,
so the sandbox draws the view with its submitted state in place of the initial values."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

#: An element's state key and the initial key it stands for, by element type.
_KEYS: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "static_select": ("selected_option", "initial_option"),
    "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "checkboxes": ("selected_options", "initial_options"),
    "multi_static_select": ("selected_options", "initial_options"),
    "multi_external_select": ("selected_options", "initial_options"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}


def with_typed(view: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``view`` with each input showing what was submitted (``state.values``), not its
    initial value: an emptied field shows empty, a cleared choice shows none."""
    out = copy.deepcopy(dict(view))
    for block in out.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        keys = _KEYS.get(str(element.get("type")))
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
