"""Block Kit validation rules: one valid and one invalid example per rule."""

from __future__ import annotations

from typing import Any

import pytest

from bot.fakeslack import find_action, validate_blocks, validate_view


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": md(text), **extra}


def button(action_id: str = "go", text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": pt(text), **extra}


def actions(*elements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **extra}


def option(value: str, text: str = "Option") -> dict[str, Any]:
    return {"text": pt(text), "value": value}


def static_select(n: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": pt("Pick"),
        "options": [option(f"v{i}", f"Option {i}") for i in range(n)],
        **extra,
    }


def text_input(**extra: Any) -> dict[str, Any]:
    return {"type": "plain_text_input", "action_id": "txt", **extra}


def input_block(element: dict[str, Any], block_id: str = "b_in", **extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": pt("Label"),
        "element": element,
        **extra,
    }


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "title": pt("Title"), "blocks": blocks}
    if any(b.get("type") == "input" for b in blocks):
        view["submit"] = pt("Save")
    view.update(extra)
    return view


def assert_error(errors: list[str], fragment: str) -> None:
    assert any(fragment in e for e in errors), f"{fragment!r} not in {errors}"


# ------------------------------------------------------------------ valid
def test_realistic_message_is_valid() -> None:
    blocks = [
        {"type": "header", "text": pt("Set 1")},
        section("*Next meeting* Monday", accessory=button("more", "More")),
        {"type": "divider"},
        {"type": "section", "fields": [md("*When*"), md("Monday")]},
        {"type": "context", "elements": [md("Facilitator: <@U1>")]},
        actions(button("yes", "Yes", style="primary", value="1"), static_select(), block_id="acts"),
    ]
    assert validate_blocks(blocks, surface="message") == []


def test_realistic_modal_is_valid() -> None:
    view = modal(
        [
            input_block(text_input(max_length=100, initial_value="abc"), "name"),
            input_block({"type": "users_select", "action_id": "who"}, "who"),
            input_block(
                {"type": "datepicker", "action_id": "d", "initial_date": "2024-05-10"}, "date"
            ),
        ],
        callback_id="cb",
        private_metadata="x" * 3000,
    )
    assert validate_view(view) == []


def test_errors_use_slack_json_pointer_format() -> None:
    errors = validate_blocks([{"type": "header", "text": pt("x" * 151)}], surface="message")
    assert "must be less than 151 characters [json-pointer:/blocks/0/text/text]" in errors


# ------------------------------------------------------------------ counts
@pytest.mark.parametrize(("surface", "limit"), [("message", 50), ("modal", 100), ("home", 100)])
def test_block_count_limits(surface: Any, limit: int) -> None:
    ok = [{"type": "divider"} for _ in range(limit)]
    assert validate_blocks(ok, surface=surface) == []
    assert_error(
        validate_blocks([*ok, {"type": "divider"}], surface=surface),
        f"must provide at most {limit} items",
    )


# ------------------------------------------------------------ identifiers
def test_block_id_unique() -> None:
    assert validate_blocks([section(block_id="a"), section(block_id="b")]) == []
    assert_error(
        validate_blocks([section(block_id="a"), section(block_id="a")]), "duplicate block_id: a"
    )


def test_block_id_length() -> None:
    assert validate_blocks([section(block_id="a" * 255)]) == []
    assert_error(validate_blocks([section(block_id="a" * 256)]), "/blocks/0/block_id")


def test_action_id_unique_within_block() -> None:
    ok = modal([actions(button("a"), button("b"), block_id="x")])
    assert validate_view(ok) == []
    dup = modal([actions(button("a"), button("a"), block_id="x")])
    assert_error(validate_view(dup), "duplicate action_id: a")
    assert_error(validate_blocks([actions(button("a"), button("a"))]), "duplicate action_id")


def test_same_action_id_in_different_blocks_is_allowed() -> None:
    # Slack documents action_id as unique "among all other action_ids in the containing
    # block"; view state is keyed by block_id first, so this is a common, valid pattern.
    rows = [section(f"row {i}", block_id=f"r{i}", accessory=button("remove")) for i in range(3)]
    assert validate_blocks(rows) == []
    inputs = [input_block(text_input(), f"b{i}") for i in range(3)]
    assert validate_view(modal(inputs)) == []


def test_action_id_length() -> None:
    assert validate_blocks([actions(button("a" * 255))]) == []
    assert_error(validate_blocks([actions(button("a" * 256))]), "/elements/0/action_id")


# ---------------------------------------------------------------- section
def test_section_text_length() -> None:
    assert validate_blocks([section("x" * 3000)]) == []
    assert_error(validate_blocks([section("x" * 3001)]), "must be less than 3001 characters")


def test_section_fields_count_and_length() -> None:
    assert validate_blocks([{"type": "section", "fields": [md("f")] * 10}]) == []
    assert_error(
        validate_blocks([{"type": "section", "fields": [md("f")] * 11}]),
        "must provide at most 10 items",
    )
    assert validate_blocks([{"type": "section", "fields": [md("x" * 2000)]}]) == []
    assert_error(
        validate_blocks([{"type": "section", "fields": [md("x" * 2001)]}]),
        "/blocks/0/fields/0/text",
    )


def test_section_needs_text_or_fields() -> None:
    assert_error(validate_blocks([{"type": "section"}]), "must provide either text or fields")


# ----------------------------------------------------------------- header
def test_header_plain_text_and_length() -> None:
    assert validate_blocks([{"type": "header", "text": pt("x" * 150)}]) == []
    assert_error(validate_blocks([{"type": "header", "text": pt("x" * 151)}]), "less than 151")
    assert_error(
        validate_blocks([{"type": "header", "text": md("x")}]),
        "must be one of plain_text [json-pointer:/blocks/0/text/type]",
    )


# ---------------------------------------------------------------- context
def test_context_elements_limit() -> None:
    assert validate_blocks([{"type": "context", "elements": [md("x")] * 10}]) == []
    assert_error(
        validate_blocks([{"type": "context", "elements": [md("x")] * 11}]),
        "must provide at most 10 items",
    )


# ---------------------------------------------------------------- actions
def test_actions_elements_limit() -> None:
    ok = [button(f"b{i}") for i in range(25)]
    assert validate_blocks([actions(*ok)]) == []
    assert_error(validate_blocks([actions(*ok, button("b25"))]), "must provide at most 25 items")


def test_actions_block_rejects_input_only_elements() -> None:
    assert_error(validate_blocks([actions(text_input())]), "not allowed here")


# ---------------------------------------------------------------- buttons
def test_button_text_length() -> None:
    assert validate_blocks([actions(button(text="x" * 75))]) == []
    assert_error(validate_blocks([actions(button(text="x" * 76))]), "less than 76")


def test_button_value_length() -> None:
    assert validate_blocks([actions(button(value="v" * 2000))]) == []
    assert_error(validate_blocks([actions(button(value="v" * 2001))]), "/elements/0/value")


def test_button_url_length() -> None:
    assert validate_blocks([actions(button(url="https://e.x/" + "a" * 2988))]) == []
    assert_error(
        validate_blocks([actions(button(url="https://e.x/" + "a" * 2989))]), "/elements/0/url"
    )


def test_button_style() -> None:
    assert_error(validate_blocks([actions(button(style="green"))]), "primary, danger")


# ---------------------------------------------------------------- options
def test_option_text_and_value_length() -> None:
    good = static_select()
    good["options"][0] = option("v" * 150, "t" * 75)
    assert validate_blocks([actions(good)]) == []
    long_value = static_select()
    long_value["options"][0] = option("v" * 151)
    assert_error(validate_blocks([actions(long_value)]), "/options/0/value")
    long_text = static_select()
    long_text["options"][0] = option("v", "t" * 76)
    assert_error(validate_blocks([actions(long_text)]), "/options/0/text/text")


def test_static_select_option_count() -> None:
    assert validate_blocks([actions(static_select(100))]) == []
    assert_error(validate_blocks([actions(static_select(101))]), "must provide at most 100 items")


def test_initial_option_must_be_an_option() -> None:
    assert validate_blocks([actions(static_select(initial_option=option("v1", "Option 1")))]) == []
    assert_error(
        validate_blocks([actions(static_select(initial_option=option("zz")))]),
        "initial_option must match",
    )


# -------------------------------------------------------- plain_text_input
def test_plain_text_input_max_length() -> None:
    assert validate_view(modal([input_block(text_input(max_length=3000))])) == []
    assert_error(
        validate_view(modal([input_block(text_input(max_length=3001))])), "/element/max_length"
    )


def test_plain_text_input_initial_value_within_max_length() -> None:
    ok = modal([input_block(text_input(max_length=5, initial_value="12345"))])
    assert validate_view(ok) == []
    bad = modal([input_block(text_input(max_length=5, initial_value="123456"))])
    assert_error(validate_view(bad), "/element/initial_value")


# ------------------------------------------------------------------- modal
def test_modal_title_length() -> None:
    assert validate_view(modal([section()], title=pt("x" * 24))) == []
    assert_error(
        validate_view(modal([section()], title=pt("x" * 25))), "[json-pointer:/view/title/text]"
    )


@pytest.mark.parametrize("key", ["submit", "close"])
def test_modal_submit_close_length(key: str) -> None:
    assert validate_view(modal([section()], **{key: pt("x" * 24)})) == []
    assert_error(validate_view(modal([section()], **{key: pt("x" * 25)})), f"/view/{key}/text")


def test_modal_with_input_needs_submit() -> None:
    view = modal([input_block(text_input())])
    assert validate_view(view) == []
    del view["submit"]
    assert_error(validate_view(view), "submit is required")


def test_modal_requires_title() -> None:
    view = modal([section()])
    del view["title"]
    assert_error(validate_view(view), "missing required field: title")


def test_private_metadata_length() -> None:
    assert_error(
        validate_view(modal([section()], private_metadata="x" * 3001)), "/view/private_metadata"
    )


def test_callback_id_length() -> None:
    assert validate_view(modal([section()], callback_id="c" * 255)) == []
    assert_error(validate_view(modal([section()], callback_id="c" * 256)), "/view/callback_id")


def test_view_type() -> None:
    assert validate_view({"type": "home", "blocks": [section()]}) == []
    assert_error(
        validate_view({"type": "dialog", "blocks": [section()]}), "must be one of modal, home"
    )


# -------------------------------------------------------- surfaces / types
def test_input_blocks_not_allowed_in_messages() -> None:
    block = input_block(text_input())
    assert validate_blocks([block], surface="modal") == []
    assert validate_blocks([block], surface="home") == []
    assert_error(validate_blocks([block], surface="message"), "not allowed in messages")


def test_unknown_block_type() -> None:
    assert_error(validate_blocks([{"type": "carousel_of_doom"}]), "unknown block type")


def test_unknown_element_type() -> None:
    assert_error(
        validate_blocks([actions({"type": "slider", "action_id": "s"})]), "unknown element type"
    )


def test_input_block_rejects_button() -> None:
    assert_error(validate_blocks([input_block(button())], surface="modal"), "not allowed here")


def test_text_objects_must_be_non_empty() -> None:
    assert_error(validate_blocks([section("")]), "must be more than 0 characters")
    assert_error(validate_blocks([actions(button(text=""))]), "must be more than 0 characters")


def test_text_object_must_be_object() -> None:
    assert_error(
        validate_blocks([{"type": "section", "text": "plain string"}]), "must be a text object"
    )


def test_blocks_must_be_a_list() -> None:
    assert_error(validate_blocks({"type": "divider"}), "must be an array")


def test_slack_sdk_validation_is_applied() -> None:
    # slack_sdk knows the image block's alt_text limit; our own rule agrees.
    errors = validate_blocks(
        [{"type": "image", "image_url": "https://e.x/i.png", "alt_text": "a" * 2001}]
    )
    assert any(e.startswith("slack_sdk:") for e in errors)


# ------------------------------------------------------------- find_action
def test_find_action_in_blocks_and_views() -> None:
    blocks = [
        section("x", block_id="s1", accessory=button("acc")),
        actions(button("a1"), static_select(), block_id="a"),
        input_block(text_input(), "in"),
    ]
    assert find_action(blocks, "acc") == ("s1", blocks[0]["accessory"])
    assert find_action({"blocks": blocks}, "pick")[0] == "a"
    assert find_action(modal(blocks), "txt")[0] == "in"
    with pytest.raises(LookupError, match="available"):
        find_action(blocks, "missing")
