"""Block Kit validation (the checks Slack's servers make) and lookup helpers.

:func:`validate_blocks` and :func:`validate_view` return a list of error
strings formatted like Slack's own ``invalid_blocks`` / ``invalid_arguments``
errors (``"must be less than 76 characters [json-pointer:/blocks/0/text/text]"``).
An empty list means the payload is valid.

Validation is done twice: by :mod:`slack_sdk.models` (``Block.parse`` /
``View``, whose ``to_dict()`` raises :class:`SlackObjectFormationError`) and by
explicit rules below that cover what slack_sdk does not check (unique ids,
surface restrictions, option limits, empty texts, unknown types, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = [
    "BLOCK_TYPES",
    "ELEMENT_TYPES",
    "STATEFUL_ELEMENT_TYPES",
    "Surface",
    "find_action",
    "iter_elements",
    "validate_blocks",
    "validate_view",
]

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}

#: Block types accepted per surface.
BLOCK_TYPES: dict[str, frozenset[str]] = {
    "message": frozenset(
        {
            "section",
            "divider",
            "image",
            "actions",
            "context",
            "header",
            "rich_text",
            "video",
            "file",
            "markdown",
            "call",
            "table",
        }
    ),
    "modal": frozenset(
        {
            "section",
            "divider",
            "image",
            "actions",
            "context",
            "header",
            "input",
            "rich_text",
            "video",
        }
    ),
    "home": frozenset(
        {
            "section",
            "divider",
            "image",
            "actions",
            "context",
            "header",
            "input",
            "rich_text",
            "video",
        }
    ),
}
_ALL_BLOCK_TYPES = frozenset().union(*BLOCK_TYPES.values()) | {"input"}

_SELECTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
_INPUT_ONLY = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "file_input",
        "rich_text_input",
    }
)
_PICKERS = frozenset({"checkboxes", "radio_buttons", "datepicker", "timepicker", "datetimepicker"})

#: Interactive element types allowed in each container.
INPUT_BLOCK_ELEMENTS = _SELECTS | _INPUT_ONLY | _PICKERS
ACTIONS_BLOCK_ELEMENTS = (
    _SELECTS | _PICKERS | {"button", "overflow", "workflow_button", "rich_text_input"}
)
SECTION_ACCESSORIES = _SELECTS | _PICKERS | {"button", "overflow", "image", "workflow_button"}

#: Every element type this module knows.
ELEMENT_TYPES = INPUT_BLOCK_ELEMENTS | ACTIONS_BLOCK_ELEMENTS | SECTION_ACCESSORIES

#: Elements that carry a value in ``view.state.values``.
STATEFUL_ELEMENT_TYPES = INPUT_BLOCK_ELEMENTS

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _fmt(message: str, pointer: str) -> str:
    return f"{message} [json-pointer:{pointer}]"


class _Checker:
    """Accumulates errors while walking one blocks array."""

    def __init__(self, surface: Surface, root: str) -> None:
        self.surface = surface
        self.root = root
        self.errors: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    # ------------------------------------------------------------------ utils
    def err(self, message: str, pointer: str) -> None:
        text = _fmt(message, pointer)
        if text not in self.errors:
            self.errors.append(text)

    def max_len(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.err(f"must be less than {limit + 1} characters", pointer)

    def string(
        self,
        obj: Mapping[str, Any],
        key: str,
        pointer: str,
        *,
        limit: int | None = None,
        required: bool = False,
    ) -> None:
        if key not in obj or obj[key] is None:
            if required:
                self.err(f"missing required field: {key}", pointer)
            return
        value = obj[key]
        if not isinstance(value, str):
            self.err("expected string", f"{pointer}/{key}")
            return
        if limit is not None:
            self.max_len(value, limit, f"{pointer}/{key}")

    def text_obj(
        self, obj: Any, pointer: str, *, limit: int | None = None, plain_only: bool = False
    ) -> None:
        """Check a composition text object (``plain_text`` / ``mrkdwn``)."""
        if not isinstance(obj, Mapping):
            self.err("must be a text object", pointer)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.err(f"must be one of {', '.join(allowed)}", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str):
            self.err("missing required field: text", pointer)
            return
        if not text:
            self.err("must be more than 0 characters", f"{pointer}/text")
        if limit is not None:
            self.max_len(text, limit, f"{pointer}/text")

    def optional_text(
        self, obj: Mapping[str, Any], key: str, pointer: str, *, limit: int, plain_only: bool = True
    ) -> None:
        if obj.get(key) is not None:
            self.text_obj(obj[key], f"{pointer}/{key}", limit=limit, plain_only=plain_only)

    # -------------------------------------------------------------- elements
    def option(self, opt: Any, pointer: str, *, plain_only: bool) -> None:
        if not isinstance(opt, Mapping):
            self.err("must be an option object", pointer)
            return
        self.text_obj(opt.get("text"), f"{pointer}/text", limit=75, plain_only=plain_only)
        self.string(opt, "value", pointer, limit=150, required=True)
        self.optional_text(opt, "description", pointer, limit=75, plain_only=plain_only)
        self.string(opt, "url", pointer, limit=3000)

    def options(
        self,
        el: Mapping[str, Any],
        pointer: str,
        *,
        max_items: int,
        plain_only: bool = True,
        groups: bool = False,
    ) -> set[str]:
        """Validate ``options`` (or ``option_groups``); returns the option values."""
        values: set[str] = set()
        opts = el.get("options")
        grp = el.get("option_groups") if groups else None
        if opts is None and grp is None:
            if el.get("type") in (
                "static_select",
                "multi_static_select",
                "overflow",
                "checkboxes",
                "radio_buttons",
            ):
                self.err(
                    "must provide either options or option_groups"
                    if groups
                    else "missing required field: options",
                    pointer,
                )
            return values
        if opts is not None and grp is not None:
            self.err("must provide either options or option_groups, not both", pointer)
        if opts is not None:
            if not isinstance(opts, list) or not opts:
                self.err("must provide at least 1 items", f"{pointer}/options")
            else:
                if len(opts) > max_items:
                    self.err(f"must provide at most {max_items} items", f"{pointer}/options")
                for i, opt in enumerate(opts):
                    self.option(opt, f"{pointer}/options/{i}", plain_only=plain_only)
                    if isinstance(opt, Mapping) and isinstance(opt.get("value"), str):
                        values.add(opt["value"])
        if grp is not None:
            if not isinstance(grp, list) or not grp:
                self.err("must provide at least 1 items", f"{pointer}/option_groups")
                return values
            if len(grp) > 100:
                self.err("must provide at most 100 items", f"{pointer}/option_groups")
            for g, group in enumerate(grp):
                gp = f"{pointer}/option_groups/{g}"
                if not isinstance(group, Mapping):
                    self.err("must be an option group object", gp)
                    continue
                self.text_obj(group.get("label"), f"{gp}/label", limit=75, plain_only=True)
                g_opts = group.get("options")
                if not isinstance(g_opts, list) or not g_opts:
                    self.err("must provide at least 1 items", f"{gp}/options")
                    continue
                if len(g_opts) > 100:
                    self.err("must provide at most 100 items", f"{gp}/options")
                for i, opt in enumerate(g_opts):
                    self.option(opt, f"{gp}/options/{i}", plain_only=True)
                    if isinstance(opt, Mapping) and isinstance(opt.get("value"), str):
                        values.add(opt["value"])
        return values

    def initial_options(self, el: Mapping[str, Any], pointer: str, values: set[str]) -> None:
        init = el.get("initial_option")
        if isinstance(init, Mapping) and values and init.get("value") not in values:
            self.err("initial_option must match one of the options", f"{pointer}/initial_option")
        inits = el.get("initial_options")
        if isinstance(inits, list):
            for i, opt in enumerate(inits):
                if isinstance(opt, Mapping) and values and opt.get("value") not in values:
                    self.err(
                        "initial_options must match the options", f"{pointer}/initial_options/{i}"
                    )

    def confirm(self, obj: Any, pointer: str) -> None:
        if not isinstance(obj, Mapping):
            self.err("must be a confirmation dialog object", pointer)
            return
        self.text_obj(obj.get("title"), f"{pointer}/title", limit=100, plain_only=True)
        self.text_obj(obj.get("text"), f"{pointer}/text", limit=300)
        self.text_obj(obj.get("confirm"), f"{pointer}/confirm", limit=30, plain_only=True)
        self.text_obj(obj.get("deny"), f"{pointer}/deny", limit=30, plain_only=True)

    def element(self, el: Any, pointer: str, allowed: frozenset[str]) -> None:
        if not isinstance(el, Mapping):
            self.err("must be an element object", pointer)
            return
        kind = el.get("type")
        if kind not in ELEMENT_TYPES:
            self.err(f"unknown element type: {kind!r}", f"{pointer}/type")
            return
        if kind not in allowed:
            self.err(f"element type {kind!r} is not allowed here", f"{pointer}/type")
        if "action_id" in el:
            action_id = el["action_id"]
            if not isinstance(action_id, str) or not action_id:
                self.err("must be a non-empty string", f"{pointer}/action_id")
            else:
                self.max_len(action_id, 255, f"{pointer}/action_id")
                if action_id in self.action_ids:
                    self.err(f"duplicate action_id: {action_id}", f"{pointer}/action_id")
                self.action_ids.add(action_id)
        if el.get("confirm") is not None:
            self.confirm(el["confirm"], f"{pointer}/confirm")
        self.optional_text(el, "placeholder", pointer, limit=150)

        if kind == "button":
            self.text_obj(el.get("text"), f"{pointer}/text", limit=75, plain_only=True)
            self.string(el, "value", pointer, limit=2000)
            self.string(el, "url", pointer, limit=3000)
            self.string(el, "accessibility_label", pointer, limit=75)
            style = el.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.err("must be one of primary, danger", f"{pointer}/style")
        elif kind in ("static_select", "multi_static_select"):
            values = self.options(el, pointer, max_items=100, groups=True)
            self.initial_options(el, pointer, values)
        elif kind == "overflow":
            if isinstance(el.get("options"), list) and len(el["options"]) < 2:
                self.err("must provide at least 2 items", f"{pointer}/options")
            self.options(el, pointer, max_items=5)
        elif kind in ("checkboxes", "radio_buttons"):
            values = self.options(el, pointer, max_items=10, plain_only=False)
            self.initial_options(el, pointer, values)
        elif kind == "plain_text_input":
            self._plain_text_input(el, pointer)
        elif kind == "number_input":
            if not isinstance(el.get("is_decimal_allowed"), bool):
                self.err("missing required field: is_decimal_allowed", pointer)
        elif kind == "datepicker":
            init = el.get("initial_date")
            if init is not None and not (isinstance(init, str) and _DATE_RE.match(init)):
                self.err("must be a date in the format YYYY-MM-DD", f"{pointer}/initial_date")
        elif kind == "timepicker":
            init = el.get("initial_time")
            if init is not None and not (isinstance(init, str) and _TIME_RE.match(init)):
                self.err("must be a time in the format HH:mm", f"{pointer}/initial_time")
        elif kind == "image":
            if el.get("image_url") is None and el.get("slack_file") is None:
                self.err("must provide either image_url or slack_file", pointer)
            self.string(el, "image_url", pointer, limit=3000)
            self.string(el, "alt_text", pointer, required=True, limit=2000)
        elif kind == "workflow_button":
            self.text_obj(el.get("text"), f"{pointer}/text", limit=75, plain_only=True)
        if kind.startswith("multi_") and "max_selected_items" in el:
            mx = el["max_selected_items"]
            if not isinstance(mx, int) or mx < 1:
                self.err("must be at least 1", f"{pointer}/max_selected_items")

    def _plain_text_input(self, el: Mapping[str, Any], pointer: str) -> None:
        max_length = el.get("max_length")
        min_length = el.get("min_length")
        if max_length is not None and (
            not isinstance(max_length, int) or not 1 <= max_length <= 3000
        ):
            self.err("must be between 1 and 3000", f"{pointer}/max_length")
            max_length = None
        if min_length is not None and (
            not isinstance(min_length, int) or not 0 <= min_length <= 3000
        ):
            self.err("must be between 0 and 3000", f"{pointer}/min_length")
            min_length = None
        if isinstance(min_length, int) and isinstance(max_length, int) and min_length > max_length:
            self.err("min_length must be less than or equal to max_length", pointer)
        init = el.get("initial_value")
        if init is not None:
            if not isinstance(init, str):
                self.err("expected string", f"{pointer}/initial_value")
            else:
                limit = max_length if isinstance(max_length, int) else 3000
                self.max_len(init, limit, f"{pointer}/initial_value")

    # ---------------------------------------------------------------- blocks
    def blocks(self, blocks: Any) -> None:
        if not isinstance(blocks, list):
            self.err("must be an array", self.root)
            return
        limit = MAX_BLOCKS[self.surface]
        if len(blocks) > limit:
            self.err(f"must provide at most {limit} items", self.root)
        for i, block in enumerate(blocks):
            self.block(block, f"{self.root}/{i}")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, Mapping):
            self.err("must be a block object", pointer)
            return
        kind = block.get("type")
        if kind not in _ALL_BLOCK_TYPES:
            self.err(f"unknown block type: {kind!r}", f"{pointer}/type")
            return
        if kind == "input" and self.surface == "message":
            self.err("input blocks are not allowed in messages", f"{pointer}/type")
        elif kind not in BLOCK_TYPES[self.surface] and kind != "input":
            self.err(f"block type {kind!r} is not allowed in a {self.surface}", f"{pointer}/type")
        self.action_ids = set()  # Slack: action_id unique within its containing block
        if "block_id" in block:
            block_id = block["block_id"]
            if not isinstance(block_id, str) or not block_id:
                self.err("must be a non-empty string", f"{pointer}/block_id")
            else:
                self.max_len(block_id, 255, f"{pointer}/block_id")
                if block_id in self.block_ids:
                    self.err(f"duplicate block_id: {block_id}", f"{pointer}/block_id")
                self.block_ids.add(block_id)
        getattr(self, f"_block_{kind}", lambda b, p: None)(block, pointer)
        self._slack_sdk(block, pointer)

    def _slack_sdk(self, block: Mapping[str, Any], pointer: str) -> None:
        try:
            parsed = Block.parse(dict(block))
            if parsed is None:
                self.err("slack_sdk: unsupported block", pointer)
                return
            parsed.to_dict()  # validates recursively
        except SlackObjectFormationError as exc:
            self.err(f"slack_sdk: {exc}", pointer)
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            self.err(f"slack_sdk: cannot parse block ({exc})", pointer)

    def _block_section(self, block: Mapping[str, Any], pointer: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            self.err("must provide either text or fields", pointer)
        if text is not None:
            self.text_obj(text, f"{pointer}/text", limit=3000)
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.err("must provide at least 1 items", f"{pointer}/fields")
            else:
                if len(fields) > 10:
                    self.err("must provide at most 10 items", f"{pointer}/fields")
                for i, f in enumerate(fields):
                    self.text_obj(f, f"{pointer}/fields/{i}", limit=2000)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{pointer}/accessory", SECTION_ACCESSORIES)

    def _block_header(self, block: Mapping[str, Any], pointer: str) -> None:
        self.text_obj(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)

    def _block_image(self, block: Mapping[str, Any], pointer: str) -> None:
        if block.get("image_url") is None and block.get("slack_file") is None:
            self.err("must provide either image_url or slack_file", pointer)
        self.string(block, "image_url", pointer, limit=3000)
        self.string(block, "alt_text", pointer, required=True, limit=2000)
        self.optional_text(block, "title", pointer, limit=2000)

    def _block_context(self, block: Mapping[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.err("must provide at least 1 items", f"{pointer}/elements")
            return
        if len(elements) > 10:
            self.err("must provide at most 10 items", f"{pointer}/elements")
        for i, el in enumerate(elements):
            ep = f"{pointer}/elements/{i}"
            if isinstance(el, Mapping) and el.get("type") in ("plain_text", "mrkdwn"):
                self.text_obj(el, ep)
            else:
                self.element(el, ep, frozenset({"image"}))

    def _block_actions(self, block: Mapping[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.err("must provide at least 1 items", f"{pointer}/elements")
            return
        if len(elements) > 25:
            self.err("must provide at most 25 items", f"{pointer}/elements")
        for i, el in enumerate(elements):
            self.element(el, f"{pointer}/elements/{i}", ACTIONS_BLOCK_ELEMENTS)

    def _block_input(self, block: Mapping[str, Any], pointer: str) -> None:
        self.text_obj(block.get("label"), f"{pointer}/label", limit=2000, plain_only=True)
        self.optional_text(block, "hint", pointer, limit=2000)
        if block.get("element") is None:
            self.err("missing required field: element", pointer)
        else:
            self.element(block["element"], f"{pointer}/element", INPUT_BLOCK_ELEMENTS)

    def _block_rich_text(self, block: Mapping[str, Any], pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.err("missing required field: elements", pointer)

    def _block_markdown(self, block: Mapping[str, Any], pointer: str) -> None:
        text = block.get("text")
        if not isinstance(text, str) or not text:
            self.err("must be more than 0 characters", f"{pointer}/text")
        else:
            self.max_len(text, 12000, f"{pointer}/text")

    def _block_video(self, block: Mapping[str, Any], pointer: str) -> None:
        for key in ("alt_text", "thumbnail_url", "video_url"):
            self.string(block, key, pointer, required=True)
        self.text_obj(block.get("title"), f"{pointer}/title", limit=200, plain_only=True)


def validate_blocks(blocks: Any, *, surface: Surface = "message") -> list[str]:
    """Validate a blocks array for ``surface`` ("message", "modal" or "home").

    Returns Slack-style error strings; an empty list means the blocks are valid.
    """
    checker = _Checker(surface, "/blocks")
    checker.blocks(blocks)
    return checker.errors


def validate_view(view: Any) -> list[str]:
    """Validate a view payload (``views.open``/``push``/``update``/``publish``).

    Checks the view-level rules (type, title/submit/close lengths, ``submit``
    required with input blocks, ``private_metadata``/``callback_id``/
    ``external_id`` lengths) and then its blocks with :func:`validate_blocks`.
    """
    if not isinstance(view, Mapping):
        return [_fmt("must be a view object", "/view")]
    errors: list[str] = []

    def err(message: str, pointer: str) -> None:
        text = _fmt(message, pointer)
        if text not in errors:
            errors.append(text)

    kind = view.get("type")
    if kind not in ("modal", "home"):
        err("must be one of modal, home", "/view/type")
        return errors
    helper = _Checker(kind, "/view/blocks")
    if kind == "modal":
        if view.get("title") is None:
            err("missing required field: title", "/view")
        else:
            helper.text_obj(view["title"], "/view/title", limit=24, plain_only=True)
    elif view.get("title") is not None:
        helper.text_obj(view["title"], "/view/title", limit=24, plain_only=True)
    for key in ("submit", "close"):
        if view.get(key) is not None:
            helper.text_obj(view[key], f"/view/{key}", limit=24, plain_only=True)
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        helper.string(view, key, "/view", limit=limit)
    blocks = view.get("blocks")
    if blocks is None:
        err("missing required field: blocks", "/view")
    else:
        has_input = isinstance(blocks, list) and any(
            isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
        )
        if kind == "modal" and has_input and view.get("submit") is None:
            err("submit is required when a modal contains input blocks", "/view/submit")
        helper.blocks(blocks)
    for e in helper.errors:
        if e not in errors:
            errors.append(e)
    # slack_sdk's own view-level checks (blocks are validated per block above).
    try:
        fields: dict[str, Any] = {
            k: view.get(k)
            for k in (
                "type",
                "title",
                "submit",
                "close",
                "private_metadata",
                "callback_id",
                "external_id",
            )
        }
        View(**fields, blocks=list(blocks) if isinstance(blocks, list) else None).validate_json()
    except SlackObjectFormationError as exc:
        err(f"slack_sdk: {exc}", "/view")
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        err(f"slack_sdk: cannot parse view ({exc})", "/view")
    return errors


# --------------------------------------------------------------------- lookup
def iter_elements(blocks: Sequence[Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield ``(block, element)`` for every interactive element in ``blocks``.

    Covers section accessories, ``actions``/``context`` elements and ``input``
    block elements.
    """
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates: list[Any] = []
        if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        elif block.get("type") == "input" and isinstance(block.get("element"), dict):
            candidates.append(block["element"])
        elif block.get("type") in ("actions", "context", "context_actions"):
            candidates.extend(block.get("elements") or [])
        for el in candidates:
            if isinstance(el, dict) and "action_id" in el:
                yield block, el


def _blocks_of(blocks_or_view: Any) -> list[Any]:
    if isinstance(blocks_or_view, Mapping):
        return list(blocks_or_view.get("blocks") or [])
    if isinstance(blocks_or_view, Sequence) and not isinstance(blocks_or_view, str):
        return list(blocks_or_view)
    raise TypeError("expected a blocks list, a view dict or a message dict")


def find_action(blocks_or_view: Any, action_id: str) -> tuple[str | None, dict[str, Any]]:
    """Find the element with ``action_id`` in a blocks list, view or message dict.

    Returns ``(block_id, element)``; raises :class:`LookupError` listing the
    available action ids when there is no such element.
    """
    blocks = _blocks_of(blocks_or_view)
    seen: list[str] = []
    for block, el in iter_elements(blocks):
        if el.get("action_id") == action_id:
            return block.get("block_id"), el
        seen.append(str(el.get("action_id")))
    raise LookupError(f"no element with action_id {action_id!r}; available: {seen}")
