"""The ballot's count options are made and checked once, then rendered as slack_sdk renders
them, each time as a new dict."""

from __future__ import annotations

from slack_sdk.models.blocks import Option, PlainTextObject

from bot.blocks.agenda import _count_options


def test_count_options_render_as_slack_sdk_renders_them() -> None:
    for cap in range(6):
        options = _count_options(cap)
        assert [o.to_dict() for o in options] == [
            Option(text=PlainTextObject(text=label), value=str(n)).to_dict()
            for n, label in enumerate(
                ["No votes", "1 vote", *(f"{n} votes" for n in range(2, cap + 1))][: cap + 1]
            )
        ]
        assert _count_options(cap) is options  # made once per cap


def test_a_rendered_option_is_a_new_dict_each_time() -> None:
    option = _count_options(2)[1]
    first = option.to_dict()
    first["text"]["text"] = "changed"
    first["value"] = "9"
    assert option.to_dict() == {"text": {"type": "plain_text", "text": "1 vote"}, "value": "1"}
