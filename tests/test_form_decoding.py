"""The front door's form decoding (``bot.web.unquote_plus``) reads every value as urllib does:
Slack's well-formed forms through its fast path, anything else through urllib."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus
from urllib.parse import unquote_plus as urllib_unquote_plus

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.web import parse, unquote_plus

#: What a hostile form may hold: escapes good and bad, quoted-printable's own syntax, line
#: breaks, pluses, non-ASCII.
_FORM_ALPHABET = st.sampled_from([*"%=+&aZ09fF \r\n_\x00é€", "%2", "%zz", "=\r\n", "%E2%82"])


@settings(max_examples=300, derandomize=True)
@given(st.text())
@example('{"a": "b c+d=e&f%g\\u0000"}')
def test_what_slack_encodes_is_read_back_as_urllib_reads_it(value: str) -> None:
    for encoded in (quote_plus(value), quote(value, safe="")):
        assert unquote_plus(encoded) == urllib_unquote_plus(encoded) == value


@settings(max_examples=300, derandomize=True)
@given(st.lists(_FORM_ALPHABET).map("".join))
@example("%3d%3D%e2%82%ac")
@example("%GG%4")
@example("a=%41")
def test_any_other_value_is_read_as_urllib_reads_it(value: str) -> None:
    assert unquote_plus(value) == urllib_unquote_plus(value)


def test_a_click_is_parsed_as_bolt_would() -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "name": "50% + 5 = 55 & more é"},
        "trigger_id": "1.2.3",
    }
    body = ("payload=" + quote_plus(json.dumps(payload))).encode()
    assert parse(body, "application/x-www-form-urlencoded")[1] == payload
