"""The sandbox's Block Kit / mrkdwn renderer: every block and element type, mrkdwn, date tokens
in the viewer's zone, that user text cannot inject HTML, and every message and view the bot
builds renders without an "unsupported" placeholder. No database, no Slack."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.blocks import actions as act
from bot.blocks import (
    agenda,
    calendar,
    home,
    learning,
    messages,
    reminders,
    reportback,
    setup,
    topics,
)
from bot.blocks import help as help_blocks
from bot.blocks import live as live_blocks
from bot.blocks.common import simple
from bot.domain import live as lv
from bot.domain.agenda import VoteRules
from bot.domain.questions import Card
from bot.domain.reminders import Kind
from bot.domain.topics import TopicStatus
from bot.ids import Sub
from bot.sandbox.render import (
    EMOJI,
    RenderContext,
    blocks_html,
    message_html,
    mrkdwn,
    mrkdwn_plain,
    plain_text,
    safe_url,
    text_object,
    view_html,
)
from bot.services.views import (
    ActionInfo,
    AgendaEntry,
    Airtime,
    Calendar,
    CommitDraft,
    CommitOutcome,
    Context,
    Dashboard,
    LiveCue,
    LiveState,
    LogCount,
    LogDraft,
    LogInfo,
    OpenAction,
    Panel,
    PartInfo,
    ReportDraft,
    ReportInfo,
    ReportOutcome,
    RoundMember,
    RoundState,
    SessionChange,
    SessionDraft,
    SessionInfo,
    SetInfo,
    SetupOutcome,
    TopicDraft,
    TopicInfo,
    TopicOutcome,
    TopicOverview,
    VoteBrief,
    VoteState,
)


# ----------------------------------------------------------------------------- a tiny DOM
@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (and self) matching ``tag``, class ``cls`` and attributes (``data_x``
        means ``data-x``)."""
        want = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k) == v for k, v in want.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} matches for {tag} .{cls} {attrs}"
        return found[0]

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)


VOID = {"br", "hr", "img", "input"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


ALLOWED_TAGS = {
    "#root",
    "div",
    "span",
    "b",
    "i",
    "s",
    "code",
    "pre",
    "blockquote",
    "br",
    "a",
    "time",
    "hr",
    "button",
    "select",
    "option",
    "optgroup",
    "input",
    "textarea",
    "label",
    "img",
    "figure",
    "figcaption",
    "ul",
    "ol",
    "li",
}


def parse(fragment: str) -> Node:
    """Parse (well-formed: every tag closed in order) and check that nothing is live: known
    tags only, no event handlers or inline styles, links and images http(s)/mailto only."""
    builder = _Builder()
    builder.feed(fragment)
    builder.close()
    assert builder.stack == [builder.root], "unclosed tags"
    for node in builder.root.iter():
        assert node.tag in ALLOWED_TAGS, node.tag
        for key, value in node.attrs.items():
            assert not key.startswith("on"), key
            assert key not in ("style", "srcdoc", "formaction", "action"), key
            if key in ("href", "src", "data-url"):
                assert urlsplit(value or "").scheme in ("http", "https", "mailto"), value
    return builder.root


USERS = {"U1": "Ann Viewer", "U2": "Bob", "U3": "Cleo", "UX": "<script>alert('x')</script>"}
CHANNELS = {"C1": "als-demo", "C2": "general"}
CTX = RenderContext(viewer_id="U1", tz="Europe/London", users=USERS, channels=CHANNELS)


def md(text: str, ctx: RenderContext = CTX) -> Node:
    return parse(mrkdwn(text, ctx))


def blocks(*items: dict[str, Any], errors: dict[str, str] | None = None) -> Node:
    return parse(blocks_html(list(items), CTX, errors=errors))


def element(el: dict[str, Any], block_id: str = "b1") -> Node:
    """``el`` rendered as an actions block's element (or an input's, for input-only types)."""
    if el["type"] in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        root = blocks({"type": "input", "block_id": block_id, "label": pt("L"), "element": el})
    else:
        root = blocks({"type": "actions", "block_id": block_id, "elements": [el]})
    return root


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mk(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def opt(text: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"text": pt(text), "value": value, **extra}


# ---------------------------------------------------------------------------------- mrkdwn
def test_bold_italic_strike_and_code() -> None:
    root = md("*bold* _italic_ ~gone~ `co*de*` plain")
    assert root.one("b").text == "bold"
    assert root.one("i").text == "italic"
    assert root.one("s").text == "gone"
    code = root.one("code", "sb-code")
    assert code.text == "co*de*"  # no formatting inside code
    assert not code.all("b")


def test_formatting_needs_word_boundaries() -> None:
    root = md("snake_case_name 2*3*4 a_b_ ~ not ~ * spaced *")
    assert not root.all("i") and not root.all("b") and not root.all("s")
    assert root.text == "snake_case_name 2*3*4 a_b_ ~ not ~ * spaced *"


def test_nested_formatting_and_formatted_tokens() -> None:
    root = md("*bold _and italic_* · *<@U2>*")
    bolds = root.all("b")
    assert bolds[0].one("i").text == "and italic"
    assert bolds[1].one("span", "sb-user").text == "@Bob"


def test_code_block_keeps_text_and_newlines() -> None:
    html = mrkdwn("before\n```\nline *one*\n<@U2> &lt;x&gt;\n```\nafter", CTX)
    root = parse(html)
    pre = root.one("pre", "sb-pre")
    assert pre.text == "line *one*\n<@U2> <x>\n"
    assert not pre.all("b") and not pre.all("span")
    assert "before" in root.text and "after" in root.text
    assert html.startswith("before<pre")


def test_quotes() -> None:
    root = md("intro\n> first *q*\n&gt; second\nout")
    quote = root.one("blockquote", "sb-quote")
    assert quote.text == "first qsecond"
    assert quote.one("b").text == "q"
    assert len(quote.all("br")) == 1
    assert root.text == "introfirst qsecondout"
    rest = md("a\n>>> all\nof *this*")
    assert rest.one("blockquote").text == "allof this"


def test_line_breaks() -> None:
    root = md("one\ntwo\nthree")
    assert len(root.all("br")) == 2


def test_entities_are_decoded_once() -> None:
    root = md("a &amp; b &lt;tag&gt; &amp;lt; &quot;")
    assert root.text == "a & b <tag> &lt; &quot;"
    assert not root.all("tag")


def test_links() -> None:
    root = md("<https://example.com/a?x=1&amp;y=2|The *site*> and <http://plain.org>")
    first, second = root.all("a")
    assert first.attrs["href"] == "https://example.com/a?x=1&y=2"
    assert first.text == "The *site*"
    assert "sb-link" in first.classes
    assert first.attrs["rel"] == "noopener noreferrer"
    assert first.attrs["target"] == "_blank"
    assert second.attrs["href"] == "http://plain.org" and second.text == "http://plain.org"


def test_mailto_and_bare_links() -> None:
    root = md("<mailto:ann@example.com|Ann> <mailto:bob@example.com> see https://x.org/p?q=1.")
    a, b, c = root.all("a")
    assert (a.attrs["href"], a.text) == ("mailto:ann@example.com", "Ann")
    assert (b.attrs["href"], b.text) == ("mailto:bob@example.com", "bob@example.com")
    assert c.attrs["href"] == "https://x.org/p?q=1"
    assert root.text.endswith("https://x.org/p?q=1.")


def test_unsafe_links_are_text() -> None:
    for url in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,&lt;b&gt;x",
        "vbscript:x",
        "file:///etc/passwd",
        "https:no-host",
    ):
        root = md(f"<{url}|click me>")
        assert not root.all("a"), url
        assert root.one("span", "sb-link-blocked").text == "click me"
    assert not md("<javascript:alert(1)>").all("a")


def test_user_mentions() -> None:
    root = md("<@U2> <@U1> <@U404> <@U2|fake name>")
    spans = root.all("span", "sb-user")
    assert [s.text for s in spans] == ["@Bob", "@Ann Viewer", "@U404", "@Bob"]
    assert [s.attrs["data-user-id"] for s in spans] == ["U2", "U1", "U404", "U2"]
    assert "sb-mention-me" in spans[1].classes
    assert "sb-mention-me" not in spans[0].classes
    assert all("sb-mention" in s.classes for s in spans)


def test_channel_mentions() -> None:
    root = md("<#C1> <#C9|named> <#C8> <#C2|stale>")
    spans = root.all("span", "sb-channel")
    assert [s.text for s in spans] == ["#als-demo", "#named", "#C8", "#general"]
    assert spans[0].attrs["data-channel-id"] == "C1"


def test_broadcasts_are_inert() -> None:
    root = md("<!here> <!channel> <!everyone> <!here|@here>")
    spans = root.all("span", "sb-broadcast")
    assert [s.text for s in spans] == ["@here", "@channel", "@everyone", "@here"]
    assert not root.all("a")


def test_usergroups_and_unknown_specials() -> None:
    root = md("<!subteam^S123|@coaches> <!subteam^S456> <!weird|shown> <!odd>")
    groups = root.all("span", "sb-usergroup")
    assert [g.text for g in groups] == ["@coaches", "@S456"]
    assert "shown" in root.text and "<!odd>" in root.text


def test_emoji() -> None:
    assert md(":warning: :white_check_mark: :no_such_emoji: at 10:00:").text == (
        "⚠️ ✅ :no_such_emoji: at 10:00:"
    )


def test_unknown_angle_text_is_literal() -> None:
    root = md("a <b>bold?</b> <not a link> c")
    assert root.text == "a <b>bold?</b> <not a link> c"
    assert not root.all("b")


def test_mrkdwn_plain() -> None:
    text = "*Hi* <@U2>, see <https://x.org|this> on <!date^1796637600^{date_num}|x>\n> q"
    assert mrkdwn_plain(text, CTX) == "Hi @Bob, see this on 2026-12-07\nq"


def test_plain_text_and_text_objects() -> None:
    assert plain_text("<b>&amp; :tada:</b>") == "&lt;b&gt;&amp;amp; 🎉&lt;/b&gt;"
    assert text_object(None, CTX) == ""
    assert text_object({"type": "plain_text", "text": "*no* :tada:", "emoji": False}, CTX) == (
        "*no* :tada:"
    )
    assert parse(text_object(pt("a\nb"), CTX)).all("br")
    assert parse(text_object(mk("*yes*"), CTX)).one("b").text == "yes"


def test_safe_url() -> None:
    assert safe_url("https://a.b/c") == "https://a.b/c"
    assert safe_url("mailto:a@b.c") == "mailto:a@b.c"
    for bad in ("javascript:x", " java\tscript:x", "//host/x", "/relative", "https://a b", None):
        assert safe_url(bad) is None, bad


# ------------------------------------------------------------------------------ date tokens
EPOCH = 1796637600  # 2026-12-07 10:00 UTC, a Monday


def _time(text: str, tz: str = "UTC") -> str:
    ctx = RenderContext(viewer_id="U1", tz=tz, users=USERS, channels=CHANNELS)
    return md(text, ctx).text


@pytest.mark.parametrize(
    ("tokens", "shown"),
    [
        ("{date_num}", "2026-12-07"),
        ("{date}", "December 7th, 2026"),
        ("{date_short}", "Dec 7, 2026"),
        ("{date_long}", "Monday, December 7th, 2026"),
        ("{date_pretty}", "December 7th, 2026"),
        ("{date_short_pretty}", "Dec 7, 2026"),
        ("{date_long_pretty}", "Monday, December 7th, 2026"),
        ("{date_long_full}", "December 7, 2026"),
        ("{date_slash}", "07/12/2026"),
        ("{day_divider_pretty}", "Monday, December 7th, 2026"),
        ("{time}", "10:00"),
        ("{time_secs}", "10:00:00"),
        ("{date_long_pretty} at {time}", "Monday, December 7th, 2026 at 10:00"),
        ("Due {date_short}, {time}!", "Due Dec 7, 2026, 10:00!"),
    ],
)
def test_date_tokens(tokens: str, shown: str) -> None:
    assert _time(f"<!date^{EPOCH}^{tokens}|fallback>") == shown


@pytest.mark.parametrize(
    ("day", "suffix"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (31, "31st")],
)  # fmt: skip
def test_date_ordinals(day: int, suffix: str) -> None:
    epoch = int(datetime(2026, 12, day, 12, tzinfo=UTC).timestamp())
    assert _time(f"<!date^{epoch}^{{date}}|x>") == f"December {suffix}, 2026"


def test_date_tokens_follow_the_viewer_across_dst() -> None:
    # Europe moves to summer time on 29 March 2026, the US on 8 March.
    before = int(datetime(2026, 3, 28, 12, 0, tzinfo=UTC).timestamp())
    after = int(datetime(2026, 3, 30, 12, 0, tzinfo=UTC).timestamp())
    token = "<!date^{}^{{date_short}} {{time}}|fb>"
    assert _time(token.format(before), "Europe/London") == "Mar 28, 2026 12:00"
    assert _time(token.format(after), "Europe/London") == "Mar 30, 2026 13:00"
    assert _time(token.format(before), "America/New_York") == "Mar 28, 2026 08:00"
    assert _time(token.format(after), "America/New_York") == "Mar 30, 2026 08:00"
    # Autumn: Sydney starts summer time on 4 October 2026, London ends it on 25 October.
    oct3 = int(datetime(2026, 10, 3, 12, 0, tzinfo=UTC).timestamp())
    oct26 = int(datetime(2026, 10, 26, 12, 0, tzinfo=UTC).timestamp())
    assert _time(token.format(oct3), "Australia/Sydney") == "Oct 3, 2026 22:00"
    assert _time(token.format(oct26), "Australia/Sydney") == "Oct 26, 2026 23:00"
    assert _time(token.format(oct3), "Europe/London") == "Oct 3, 2026 13:00"
    assert _time(token.format(oct26), "Europe/London") == "Oct 26, 2026 12:00"


def test_date_token_changes_day_with_the_zone() -> None:
    epoch = int(datetime(2026, 12, 7, 2, 30, tzinfo=UTC).timestamp())
    token = f"<!date^{epoch}^{{date_long}} at {{time}}|fb>"
    assert _time(token, "America/Los_Angeles") == "Sunday, December 6th, 2026 at 18:30"
    assert _time(token, "Asia/Tokyo") == "Monday, December 7th, 2026 at 11:30"


def test_date_token_markup() -> None:
    root = md(f"<!date^{EPOCH}^{{time}}|fb>")
    node = root.one("time", "sb-date")
    assert node.attrs["datetime"] == "2026-12-07T10:00:00+00:00"


def test_date_token_fallbacks() -> None:
    assert _time(f"<!date^{EPOCH}^{{nonsense}}|the fallback &amp; more>") == ("the fallback & more")
    assert _time("<!date^soon^{time}|later>") == "later"
    assert _time("<!date^99999999999999999999^{time}|too far>") == "too far"
    assert _time(f"<!date^{EPOCH}|no tokens>") == "no tokens"
    root = md(f"<!date^{EPOCH}^{{bad}}|<script>x</script>>")
    assert not root.all("script")


def test_date_token_bad_zone_uses_utc() -> None:
    assert _time(f"<!date^{EPOCH}^{{time}}|fb>", "Not/AZone") == "10:00"


def test_date_token_links() -> None:
    root = md(f"<!date^{EPOCH}^{{date_num}}^https://cal.example/e?id=1|fb>")
    link = root.one("a", "sb-link")
    assert link.attrs["href"] == "https://cal.example/e?id=1"
    assert link.one("time").text == "2026-12-07"
    unsafe = md(f"<!date^{EPOCH}^{{date_num}}^javascript:alert(1)|fb>")
    assert not unsafe.all("a") and unsafe.text == "2026-12-07"


# ---------------------------------------------------------------------------------- blocks
def test_header_divider_and_context() -> None:
    root = blocks(
        {"type": "header", "text": pt("Agenda :tada:")},
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "https://img.example/a.png", "alt_text": "pic"},
                mk("*when* <@U2>"),
                pt("plain *not bold*"),
            ],
        },
    )
    assert root.one("div", "sb-header").text == "Agenda 🎉"
    assert root.one("hr", "sb-divider")
    context = root.one("div", "sb-context")
    img = context.one("img", "sb-context-image")
    assert (img.attrs["src"], img.attrs["alt"]) == ("https://img.example/a.png", "pic")
    texts = context.all("div", "sb-context-text")
    assert texts[0].one("b").text == "when"
    assert texts[1].text == "plain *not bold*" and not texts[1].all("b")
    assert all("sb-block" in n.classes for n in root.one("div", "sb-blocks").children)  # type: ignore[union-attr]


def test_section_text_fields_and_accessory() -> None:
    root = blocks(
        {
            "type": "section",
            "block_id": "sec",
            "text": mk("*Title*"),
            "fields": [mk("*A*\none"), pt("B")],
            "accessory": {
                "type": "button",
                "action_id": "go",
                "text": pt("Go"),
                "value": "7",
            },
        }
    )
    section = root.one("div", "sb-section")
    assert section.one("div", "sb-section-text").one("b").text == "Title"
    fields = section.one("div", "sb-fields").all("div", "sb-field")
    assert [f.text for f in fields] == ["Aone", "B"]
    button = section.one("div", "sb-accessory").one("button")
    assert button.attrs["data-block-id"] == "sec"
    assert button.attrs["data-action-id"] == "go"


def test_section_without_block_id_gives_empty_block_id() -> None:
    root = blocks(
        {
            "type": "section",
            "text": mk("x"),
            "accessory": {"type": "button", "action_id": "a", "text": pt("B")},
        },
        {"type": "actions", "elements": [{"type": "button", "action_id": "b", "text": pt("C")}]},
    )
    assert [b.attrs["data-block-id"] for b in root.all("button")] == ["", ""]
    assert [b.attrs["data-value"] for b in root.all("button")] == ["", ""]


def test_image_block() -> None:
    root = blocks(
        {
            "type": "image",
            "image_url": "https://img.example/b.png",
            "alt_text": "a chart",
            "title": pt("Votes"),
        },
        {"type": "image", "image_url": "javascript:alert(1)", "alt_text": "evil"},
    )
    first, second = root.all("figure", "sb-image")
    assert first.one("figcaption", "sb-image-title").text == "Votes"
    assert first.one("img", "sb-image-img").attrs["alt"] == "a chart"
    assert not second.all("img")
    assert second.one("span", "sb-image-missing").text == "evil"


def test_rich_text_block() -> None:
    root = blocks(
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "user", "user_id": "U2"},
                        {"type": "text", "text": " says "},
                        {"type": "text", "text": "hi", "style": {"bold": True, "italic": True}},
                        {"type": "link", "url": "https://x.org", "text": "x"},
                        {"type": "emoji", "name": "tada"},
                        {"type": "broadcast", "range": "channel"},
                        {"type": "channel", "channel_id": "C1"},
                        {
                            "type": "date",
                            "timestamp": EPOCH,
                            "format": "{date_short}",
                            "fallback": "fb",
                        },
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "ordered",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "1"}]},
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "2"}]},
                    ],
                },
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "<pre>"}]},
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
            ],
        }
    )
    rich = root.one("div", "sb-rich-text")
    assert rich.one("span", "sb-user").text == "@Bob"
    assert rich.one("i").one("b").text == "hi"
    assert rich.one("a").attrs["href"] == "https://x.org"
    assert "🎉" in rich.text
    assert rich.one("span", "sb-broadcast").text == "@channel"
    assert rich.one("span", "sb-channel").text == "#als-demo"
    assert rich.one("time").text == "Dec 7, 2026"
    assert [li.text for li in rich.one("ol", "sb-rich-list").all("li")] == ["1", "2"]
    assert rich.one("pre").text == "<pre>"
    assert rich.one("blockquote").text == "quoted"


def test_unknown_blocks_and_elements_are_placeholders() -> None:
    root = blocks(
        {"type": "video", "title": pt("v")},
        {"type": "actions", "block_id": "a", "elements": [{"type": "workflow_button"}]},
        {"type": "section", "fields": 5},  # malformed: must not raise
        "not a block",  # type: ignore[arg-type]
        {"type": "<img src=x onerror=alert(1)>"},
    )
    texts = [n.text for n in root.all(cls="sb-unsupported")]
    assert texts == [
        "unsupported block: video",
        "unsupported element: workflow_button",
        "unsupported block: section (malformed)",
        "unsupported block: str",
        "unsupported block: <img src=x onerror=alert(1)>",
    ]


def test_blocks_wrapper_marks_views() -> None:
    assert parse(blocks_html([], CTX)).one("div", "sb-blocks")
    in_view = parse(blocks_html([], CTX, in_view=True)).one("div", "sb-blocks")
    assert "sb-view-blocks" in in_view.classes


# -------------------------------------------------------------------------------- elements
def test_buttons() -> None:
    root = blocks(
        {
            "type": "actions",
            "block_id": "acts",
            "elements": [
                {
                    "type": "button",
                    "action_id": "a1",
                    "text": pt("Go"),
                    "value": "1",
                    "style": "primary",
                },
                {"type": "button", "action_id": "a2", "text": pt("Drop"), "style": "danger"},
                {
                    "type": "button",
                    "action_id": "a3",
                    "text": pt("Site"),
                    "url": "https://example.com/x",
                },
                {"type": "button", "action_id": "a4", "text": pt("Bad"), "url": "javascript:x"},
            ],
        }
    )
    go, drop, site, bad = root.one("div", "sb-actions").all("button")
    assert go.classes == ["sb-button", "sb-primary"]
    assert drop.classes == ["sb-button", "sb-danger"]
    assert site.classes == ["sb-button"]
    for b, action in zip((go, drop, site, bad), ("a1", "a2", "a3", "a4"), strict=True):
        assert b.attrs["data-action-id"] == action
        assert b.attrs["data-block-id"] == "acts"
        assert b.attrs["data-type"] == "button"
        assert b.attrs["type"] == "button"
    assert go.attrs["data-value"] == "1" and go.text == "Go"
    assert site.attrs["data-url"] == "https://example.com/x"
    assert "data-url" not in bad.attrs and "data-url" not in go.attrs
    assert "data-confirm" not in go.attrs


def test_button_confirm() -> None:
    root = element(
        {
            "type": "button",
            "action_id": "close",
            "text": pt("Close"),
            "value": "9",
            "confirm": {
                "title": pt('Close "it"?'),
                "text": mk("*Really* close <@U2>'s vote? <b>x</b>"),
                "confirm": pt("Close"),
                "deny": pt("Not yet"),
                "style": "danger",
            },
        }
    )
    data = json.loads(root.one("button").attrs["data-confirm"] or "")
    assert data == {
        "title": 'Close "it"?',
        "text": "Really close @Bob's vote? <b>x</b>",
        "confirm": "Close",
        "deny": "Not yet",
        "style": "danger",
    }


def test_overflow() -> None:
    root = element(
        {
            "type": "overflow",
            "action_id": "more",
            "options": [opt("Edit", "e"), opt("Docs", "d", url="https://docs.example")],
        }
    )
    select = root.one("select", "sb-overflow")
    assert select.attrs["data-type"] == "overflow"
    assert select.attrs["data-action-id"] == "more"
    options = select.all("option")
    assert [(o.attrs["value"], o.text) for o in options] == [
        ("", "⋯"),
        ("e", "Edit"),
        ("d", "Docs"),
    ]
    assert options[2].attrs["data-url"] == "https://docs.example"


def test_static_select_placeholder_and_initial() -> None:
    empty = element(
        {
            "type": "static_select",
            "action_id": "s",
            "placeholder": pt("Pick one"),
            "options": [opt("One", "1"), opt("Two", "2")],
        }
    ).one("select")
    assert empty.attrs["data-type"] == "static_select"
    assert "multiple" not in empty.attrs
    first = empty.all("option")[0]
    assert (first.attrs["value"], first.text, "selected" in first.attrs) == ("", "Pick one", True)
    chosen = element(
        {
            "type": "static_select",
            "action_id": "s",
            "options": [opt("One", "1"), opt("Two", "2")],
            "initial_option": opt("Two", "2"),
        }
    ).one("select")
    options = chosen.all("option")
    assert [o.attrs["value"] for o in options] == ["1", "2"]  # no empty option
    assert [("selected" in o.attrs) for o in options] == [False, True]


def test_static_select_option_groups() -> None:
    select = element(
        {
            "type": "static_select",
            "action_id": "s",
            "option_groups": [
                {"label": pt("Odd"), "options": [opt("One", "1")]},
                {"label": pt("Even"), "options": [opt("Two", "2")]},
            ],
            "initial_option": opt("One", "1"),
        }
    ).one("select")
    groups = select.all("optgroup")
    assert [g.attrs["label"] for g in groups] == ["Odd", "Even"]
    assert "selected" in groups[0].one("option").attrs


def test_multi_static_select() -> None:
    select = element(
        {
            "type": "multi_static_select",
            "action_id": "m",
            "placeholder": pt("Choose"),
            "options": [opt("A", "a"), opt("B", "b"), opt("C", "c")],
            "initial_options": [opt("A", "a"), opt("C", "c")],
        }
    ).one("select")
    assert "multiple" in select.attrs
    assert select.attrs["data-type"] == "multi_static_select"
    assert [o.attrs["value"] for o in select.all("option") if "selected" in o.attrs] == ["a", "c"]


def test_users_selects() -> None:
    single = element(
        {"type": "users_select", "action_id": "u", "initial_user": "U2"}, block_id="fac"
    ).one("select")
    options = single.all("option")
    # Sorted by name; the values are user ids; no empty option when there is an initial user.
    assert [o.text for o in options] == ["<script>alert('x')</script>", "Ann Viewer", "Bob", "Cleo"]
    assert [o.attrs["value"] for o in options if "selected" in o.attrs] == ["U2"]
    assert single.attrs["data-block-id"] == "fac"
    empty = element({"type": "users_select", "action_id": "u"}).one("select")
    assert empty.all("option")[0].attrs["value"] == ""
    multi = element(
        {
            "type": "multi_users_select",
            "action_id": "m",
            "initial_users": ["U3", "U404"],
            "placeholder": pt("Choose the members"),
        }
    ).one("select")
    assert "multiple" in multi.attrs
    assert multi.attrs["data-placeholder"] == "Choose the members"
    chosen = [(o.attrs["value"], o.text) for o in multi.all("option") if "selected" in o.attrs]
    assert chosen == [("U3", "Cleo"), ("U404", "U404")]  # unknown ids shown as the id


def test_conversation_and_channel_selects() -> None:
    conv = element(
        {"type": "conversations_select", "action_id": "c", "initial_conversation": "C2"}
    ).one("select")
    assert [(o.attrs["value"], o.text) for o in conv.all("option")] == [
        ("C1", "#als-demo"),
        ("C2", "#general"),
    ]
    assert "selected" in conv.all("option")[1].attrs
    chan = element({"type": "channels_select", "action_id": "c"}).one("select")
    assert chan.attrs["data-type"] == "channels_select"
    assert chan.all("option")[0].attrs["value"] == ""
    multi = element(
        {"type": "multi_channels_select", "action_id": "c", "initial_channels": ["C1"]}
    ).one("select")
    assert "multiple" in multi.attrs
    assert [o.attrs["value"] for o in multi.all("option") if "selected" in o.attrs] == ["C1"]
    multi_conv = element(
        {"type": "multi_conversations_select", "action_id": "c", "initial_conversations": ["C2"]}
    ).one("select")
    assert [o.attrs["value"] for o in multi_conv.all("option") if "selected" in o.attrs] == ["C2"]


def test_date_and_time_pickers() -> None:
    date_input = element(
        {"type": "datepicker", "action_id": "d", "initial_date": "2026-12-07"}
    ).one("input")
    assert (date_input.attrs["type"], date_input.attrs["value"]) == ("date", "2026-12-07")
    assert date_input.attrs["data-type"] == "datepicker"
    assert "value" not in element({"type": "datepicker", "action_id": "d"}).one("input").attrs
    time_input = element({"type": "timepicker", "action_id": "t", "initial_time": "09:30"}).one(
        "input"
    )
    assert (time_input.attrs["type"], time_input.attrs["value"]) == ("time", "09:30")
    assert time_input.attrs["data-type"] == "timepicker"
    dt = element({"type": "datetimepicker", "action_id": "dt", "initial_date_time": EPOCH}).one(
        "input"
    )
    assert (dt.attrs["type"], dt.attrs["value"]) == ("datetime-local", "2026-12-07T10:00")


def test_plain_text_inputs() -> None:
    single = element(
        {
            "type": "plain_text_input",
            "action_id": "t",
            "initial_value": "hello",
            "max_length": 80,
            "placeholder": pt("e.g. x"),
        }
    ).one("input")
    assert single.attrs["type"] == "text"
    assert (single.attrs["value"], single.attrs["maxlength"]) == ("hello", "80")
    assert single.attrs["placeholder"] == "e.g. x"
    assert single.attrs["data-type"] == "plain_text_input"
    multi = element(
        {
            "type": "plain_text_input",
            "action_id": "t",
            "multiline": True,
            "initial_value": "line 1\n</textarea><script>x</script>",
            "max_length": 3000,
        }
    ).one("textarea")
    assert multi.text == "line 1\n</textarea><script>x</script>"
    assert multi.attrs["maxlength"] == "3000"
    assert multi.attrs["data-action-id"] == "t"
    bare = element({"type": "plain_text_input", "action_id": "t"}).one("input")
    assert "maxlength" not in bare.attrs and "value" not in bare.attrs


def test_number_input() -> None:
    whole = element(
        {
            "type": "number_input",
            "action_id": "n",
            "is_decimal_allowed": False,
            "min_value": "1",
            "max_value": "9",
            "initial_value": "3",
        }
    ).one("input")
    assert (whole.attrs["type"], whole.attrs["step"], whole.attrs["value"]) == ("number", "1", "3")
    assert (whole.attrs["min"], whole.attrs["max"]) == ("1", "9")
    decimal = element({"type": "number_input", "action_id": "n", "is_decimal_allowed": True})
    assert decimal.one("input").attrs["step"] == "any"


def test_checkboxes() -> None:
    root = element(
        {
            "type": "checkboxes",
            "action_id": "c",
            "options": [
                opt("One", "1", description=pt("first")),
                {"text": mk("*Two*"), "value": "2"},
            ],
            "initial_options": [{"text": mk("*Two*"), "value": "2"}],
        },
        block_id="cb",
    )
    box = root.one("div", "sb-checkboxes")
    assert (box.attrs["data-type"], box.attrs["data-action-id"], box.attrs["data-block-id"]) == (
        "checkboxes",
        "c",
        "cb",
    )
    inputs = box.all("input")
    assert [(i.attrs["type"], i.attrs["value"], "checked" in i.attrs) for i in inputs] == [
        ("checkbox", "1", False),
        ("checkbox", "2", True),
    ]
    assert all("data-action-id" not in i.attrs for i in inputs)
    labels = box.all("label", "sb-choice")
    assert labels[0].one("span", "sb-choice-desc").text == "first"
    assert labels[1].one("span", "sb-choice-text").one("b").text == "Two"


def test_radio_buttons() -> None:
    radio = {
        "type": "radio_buttons",
        "action_id": "r",
        "options": [opt("Yes", "y"), opt("No", "n")],
        "initial_option": opt("No", "n"),
    }
    root = blocks(
        {"type": "actions", "block_id": "one", "elements": [radio]},
        {"type": "actions", "block_id": "two", "elements": [{**radio, "initial_option": None}]},
    )
    first, second = root.all("div", "sb-radio-buttons")
    assert first.attrs["data-type"] == "radio_buttons"
    inputs = first.all("input")
    assert [(i.attrs["type"], i.attrs["value"], "checked" in i.attrs) for i in inputs] == [
        ("radio", "y", False),
        ("radio", "n", True),
    ]
    names = {i.attrs["name"] for i in first.all("input")}
    other = {i.attrs["name"] for i in second.all("input")}
    assert len(names) == 1 and len(other) == 1 and names != other
    assert not any("checked" in i.attrs for i in second.all("input"))


def test_image_element() -> None:
    root = blocks(
        {
            "type": "section",
            "text": mk("x"),
            "accessory": {"type": "image", "image_url": "https://i.example/a.png", "alt_text": "a"},
        }
    )
    img = root.one("img", "sb-image-element")
    assert (img.attrs["src"], img.attrs["alt"]) == ("https://i.example/a.png", "a")


def test_input_block() -> None:
    root = blocks(
        {
            "type": "input",
            "block_id": "name",
            "label": pt("Set name"),
            "hint": pt("Short"),
            "optional": True,
            "dispatch_action": True,
            "element": {"type": "plain_text_input", "action_id": "name_input"},
        },
        {
            "type": "input",
            "block_id": "when",
            "label": pt("Date"),
            "element": {"type": "datepicker", "action_id": "d"},
        },
        errors={"when": "Pick a <b>date</b> in the future.", "elsewhere": "ignored"},
    )
    first, second = root.all("div", "sb-input")
    assert first.attrs["data-block-id"] == "name"
    label = first.one("label", "sb-label")
    assert label.text == "Set name (optional)"
    assert label.one("span", "sb-optional")
    control = first.one("input")
    assert label.attrs["for"] == control.attrs["id"]
    assert control.attrs["data-block-id"] == "name"
    assert control.attrs["data-action-id"] == "name_input"
    assert first.one("div", "sb-hint").text == "Short"
    assert not first.all(cls="sb-error")
    error = second.one("div", "sb-error")
    assert error.attrs["data-error-for"] == "when"
    assert error.text == "Pick a <b>date</b> in the future."
    assert not second.all("span", "sb-optional")
    assert len(root.all(cls="sb-error")) == 1


def test_input_block_with_choices_is_labelled() -> None:
    root = blocks(
        {
            "type": "input",
            "block_id": "who",
            "label": pt("Who"),
            "element": {"type": "radio_buttons", "action_id": "r", "options": [opt("A", "a")]},
        }
    )
    label = root.one("label", "sb-label")
    group = root.one("div", "sb-radio-buttons")
    assert group.attrs["aria-labelledby"] == label.attrs["id"]
    assert group.attrs["data-block-id"] == "who"


# ------------------------------------------------------------------------- views, messages
def test_modal_view() -> None:
    view = {
        "id": "V123",
        "type": "modal",
        "callback_id": "setup",
        "title": pt("Set up a set"),
        "submit": pt("Create set"),
        "close": pt("Back"),
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": pt("Name"),
                "element": {"type": "plain_text_input", "action_id": "n"},
            }
        ],
    }
    root = parse(view_html(view, CTX, errors={"name": "Required."}))
    modal = root.one("div", "sb-modal")
    assert (modal.attrs["data-view-id"], modal.attrs["data-callback-id"]) == ("V123", "setup")
    assert modal.one("div", "sb-modal-title").text == "Set up a set"
    assert modal.one(cls="sb-error", data_error_for="name").text == "Required."
    close = modal.one("button", "sb-modal-close")
    assert (close.attrs["data-role"], close.text) == ("close", "Back")
    submit = modal.one("button", "sb-modal-submit")
    assert (submit.attrs["data-role"], submit.text) == ("submit", "Create set")
    assert "sb-view-blocks" in modal.one("div", "sb-blocks").classes


def test_modal_without_submit_or_close() -> None:
    root = parse(view_html({"type": "modal", "title": pt("Vote"), "blocks": []}, CTX))
    assert root.one("button", "sb-modal-close").text == "Cancel"
    assert not root.all("button", "sb-modal-submit")
    assert root.one("div", "sb-modal").attrs["data-view-id"] == ""


def test_home_view() -> None:
    view = {"id": "VH", "type": "home", "blocks": [{"type": "header", "text": pt("Home")}]}
    root = parse(view_html(view, CTX))
    home_div = root.one("div", "sb-home")
    assert home_div.attrs["data-view-id"] == "VH"
    assert home_div.one("div", "sb-header").text == "Home"
    assert not root.all("button") and not root.all(cls="sb-modal")


def test_message_with_and_without_blocks() -> None:
    with_blocks = parse(
        message_html({"text": "fallback", "blocks": [{"type": "divider"}], "ts": "1.2"}, CTX)
    )
    message = with_blocks.one("div", "sb-message")
    assert message.attrs == {"class": "sb-message"}  # the page's own wrapper carries data-ts
    assert message.one("hr") and "fallback" not in message.text
    text_only = parse(message_html({"text": "*hi* <@U2>", "blocks": []}, CTX))
    body = text_only.one("div", "sb-message").one("div", "sb-message-text")
    assert body.one("b").text == "hi" and "@Bob" in body.text
    raw = parse(message_html({"text": "*hi*", "mrkdwn": False}, CTX))
    assert raw.text == "*hi*"


# ------------------------------------------------------------------------------- injection
EVIL = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</option></select><script>x</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<javascript:alert(1)|click>",
    "<!channel> <!here> <!everyone>",
    "\ue000" + "0" + "\ue001 placeholder forgery",
]


@pytest.mark.parametrize("evil", EVIL)
def test_user_text_cannot_inject(evil: str) -> None:
    ctx = RenderContext(
        viewer_id=evil,
        tz=evil,
        users={"U2": evil, evil: evil},
        channels={"C1": evil},
    )
    confirm = {"title": pt(evil), "text": mk(evil), "confirm": pt(evil), "deny": pt(evil)}
    view = {
        "id": evil,
        "type": "modal",
        "callback_id": evil,
        "title": pt(evil),
        "submit": pt(evil),
        "close": pt(evil),
        "blocks": [
            {"type": "header", "text": pt(evil)},
            {
                "type": "section",
                "block_id": evil,
                "text": mk(f"*{evil}* <@U2> <#C1> <@{evil}> {evil}"),
                "fields": [mk(evil), pt(evil)],
                "accessory": {
                    "type": "button",
                    "action_id": evil,
                    "text": pt(evil),
                    "value": evil,
                    "url": evil,
                    "confirm": confirm,
                },
            },
            {"type": "context", "elements": [mk(evil), pt(evil)]},
            {
                "type": "actions",
                "block_id": evil,
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": evil,
                        "placeholder": pt(evil),
                        "options": [opt(evil, evil)],
                        "confirm": confirm,
                    },
                    {"type": "overflow", "action_id": evil, "options": [opt(evil, evil, url=evil)]},
                    {"type": "users_select", "action_id": evil, "initial_user": evil},
                    {"type": "datepicker", "action_id": evil, "initial_date": evil},
                    {"type": evil},
                ],
            },
            {
                "type": "input",
                "block_id": evil,
                "label": pt(evil),
                "hint": pt(evil),
                "element": {
                    "type": "plain_text_input",
                    "action_id": evil,
                    "multiline": True,
                    "initial_value": evil,
                    "placeholder": pt(evil),
                },
            },
            {
                "type": "input",
                "block_id": "b2",
                "label": pt("x"),
                "element": {
                    "type": "checkboxes",
                    "action_id": evil,
                    "options": [{"text": mk(evil), "value": evil, "description": pt(evil)}],
                    "initial_options": [{"text": mk(evil), "value": evil}],
                },
            },
            {"type": "image", "image_url": evil, "alt_text": evil, "title": pt(evil)},
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": evil},
                            {"type": "link", "url": evil, "text": evil},
                            {"type": "user", "user_id": evil},
                            {"type": "emoji", "name": evil},
                        ],
                    }
                ],
            },
        ],
    }
    outputs = [
        view_html(view, ctx, errors={evil: evil, "b2": evil}),
        message_html({"text": evil}, ctx),
        message_html({"text": evil, "blocks": view["blocks"]}, ctx),
        view_html({**view, "type": "home"}, ctx),
    ]
    for out in outputs:
        root = parse(out)  # no script tag, no handler, only safe URLs
        assert not root.all("script")
        for node in root.iter():
            for key, value in node.attrs.items():
                if key in ("data-action-id", "data-block-id", "data-value"):
                    assert value == evil or value in ("", "b2"), (key, value)
                if key == "data-confirm":
                    assert json.loads(value or "")["title"] == evil
        assert "javascript:" not in "".join(
            str(n.attrs.get(k)) for n in root.iter() for k in ("href", "src", "data-url")
        )
    # Broadcasts stay inert text; nothing is linked.
    root = parse(outputs[1])
    if "<!channel>" in evil:
        assert [s.text for s in root.all("span", "sb-broadcast")] == [
            "@channel",
            "@here",
            "@everyone",
        ]


def test_injected_text_is_shown_as_text() -> None:
    root = md('hi <script>alert(1)</script> "><img src=x onerror=alert(1)>')
    assert root.text == 'hi <script>alert(1)</script> "><img src=x onerror=alert(1)>'
    assert not root.all("img") and not root.all("script")


# ---------------------------------------------------------------- everything the bot builds
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _session(n: int = 1, *, day: int = 7) -> SessionInfo:
    return SessionInfo(
        id=n,
        starts_at=datetime(2026, 12, day, 10, tzinfo=UTC),
        duration_minutes=180,
        local_date=date(2026, 12, day),
        local_time=time(10, 0),
        timezone="Europe/London",
        revision=2 if n == 2 else 1,
        extra=n == 3,
    )


SESSION = _session()
NAUGHTY = "Leaders & <b>co</b> *set* <!channel>"


def _set(**over: Any) -> SetInfo:
    base: dict[str, Any] = {
        "id": 1,
        "team_id": "T1",
        "channel_id": "C1",
        "name": NAUGHTY,
        "timezone": "Europe/London",
        "anchor_date": date(2026, 12, 7),
        "session_time": time(10, 0),
        "cadence_weeks": 4,
        "session_minutes": 180,
        "place": "https://meet.example/room?a=1&b=2",
        "facilitator_id": "U1",
        "facilitator_participates": False,
        "member_ids": ("U1", "U2", "U3"),
        "ground_rules": "Confidentiality.\n<script>alert(1)</script>",
        "rules_version": 1,
        "agreed_ids": frozenset({"U1", "U2"}),
        "upcoming": (SESSION, _session(2, day=14)),
        "programme_sessions": 6,
        "programme_ends_on": date(2027, 6, 1),
    }
    base.update(over)
    return SetInfo(**base)


SET = _set()


def _topic(n: int, author: str, *, shared: bool = True, status: str = "submitted") -> TopicInfo:
    return TopicInfo(
        id=n,
        set_id=1,
        session_id=1,
        author_id=author,
        status=status,
        title=f"Topic {n} <i>",
        scenario="Line one\n> not a quote <@U9>",
        question="What *now*?",
        tried="Things",
        shared=shared,
        carried=n == 3,
        submitted_at=NOW,
    )


TOPICS = (_topic(1, "U2"), _topic(2, "U3", shared=False), _topic(3, "U1"))
RULES = VoteRules(budget=3, cap=2)


def _vote(status: str) -> VoteState:
    return VoteState(
        id=5,
        set=SET,
        session=SESSION,
        status=status,
        channel_id="C1",
        message_ts="1.1",
        rules=RULES,
        topics=TOPICS,
        voters=2,
        eligible=3,
        agenda=(AgendaEntry(TOPICS[0], 1, 60, 4), AgendaEntry(TOPICS[1], 2, 45, 1)),
        carried_over=(TOPICS[2],),
        rule_text="3 topics",
        airtime=(Airtime("U2", 1, 60),),
    )


def _action(n: int, *, report: bool = False, target: date | None = date(2027, 1, 1)) -> ActionInfo:
    return ActionInfo(
        id=n,
        set_id=1,
        set_name=NAUGHTY,
        channel_id="C1",
        owner_id="U1",
        committed_at=SESSION,
        position=n - 1,
        text=f"Call <@U2> & co #{n}",
        target=target,
        shared=n % 2 == 1,
        status="open",
        report=ReportInfo(n, 1, "partly", "happened", "learned") if report else None,
    )


ACTIONS = (_action(1), _action(2, report=True, target=None))
ROUND = RoundState(
    id=1,
    set=SET,
    session=SESSION,
    channel_id="C1",
    message_ts="2.2",
    members=(
        RoundMember("U2", (("Shared <x>", "done"), ("Other", None)), 2, 1),
        RoundMember("U3", (), 1, 1),
    ),
)
LOG = LogInfo(1, 1, NAUGHTY, SESSION, "about <issue>", "about *set*", NOW)
CAL = Calendar(set=SET, sessions=(SESSION, _session(2, day=14), _session(3, day=21)), facilitator=True, now=NOW)  # fmt: skip


def _reminder(kind: Kind) -> Context:
    return Context(
        kind=kind,
        set_id=1,
        set_name=NAUGHTY,
        channel_id="C1",
        target="U2",
        session_id=1,
        starts_at=SESSION.starts_at,
        ends_at=SESSION.ends_at,
        facilitator_id="U1",
        topics_in=2,
        reports_in=1,
        reporters=3,
        actions=(OpenAction(1, "Do <it>", True), OpenAction(2, "Private", False)),
    )


def _dashboard(user_set: SetInfo) -> Dashboard:
    return Dashboard(
        set=user_set,
        topics=TopicOverview(
            session=SESSION,
            participates=True,
            mine=TOPICS[2],
            submitted=("U2",),
            no_topic=("U3",),
            waiting=(),
        ),
        actions=(*ACTIONS, _action(3), _action(4), _action(5)),
        vote=VoteBrief(vote_id=5, session=SESSION, can_vote=True, budget=3, used=1),
        round=ROUND,
        logs=LogCount(session=SESSION, written=("U2",), members=3),
    )


def _outcome(**over: Any) -> SetupOutcome:
    base: dict[str, Any] = {"set": SET, "created": True}
    base.update(over)
    return SetupOutcome(**base)


LIVE_STEPS = lv.plan(15, [60, 45], 15, (5, 5, 8, 2, 2))


def _live(step: int, position: int, **over: Any) -> LiveState:
    """The live session at ``step``, as the message of its part ``position`` draws it."""
    topic = 0 < position < 3
    part = PartInfo(
        id=position + 1,
        position=position,
        title=f"Topic {position} <i>" if topic else "",
        presenter_id="U2" if topic else None,
        minutes=60 if topic else 15,
        question="What *now*? <@U9>" if position == 1 else None,
        topic_id=position if topic else None,
        message_ts=f"3.{position}",
    )
    base: dict[str, Any] = {
        "id": 7,
        "set": SET,
        "session": SESSION,
        "facilitator_id": "U1",
        "steps": LIVE_STEPS,
        "clock": lv.Clock(step, SESSION.starts_at + timedelta(minutes=5)),
        "revision": 3,
        "part": part,
        "parts": 4,
        "thread_ts": "1.1",
        "channel_id": "C1",
        "skipped": ("U3",) if position == 0 else (),
    }
    base.update(over)
    return LiveState(**base)


def _step(stage: lv.Stage, part: int = 1) -> int:
    return next(i for i, s in enumerate(LIVE_STEPS) if s.stage == stage and s.part == part)


CARD = Card("clarifying", "Clarifying <questions>", "Facts, *not* solutions.", ("What happened?",))


def _live_messages() -> dict[str, Any]:
    clarifying = _step(lv.Stage.CLARIFYING)
    return {
        "live opening": live_blocks.live_message(_live(0, 0)),
        "live opening done": live_blocks.live_message(_live(clarifying, 0)),
        "live topic questions": live_blocks.live_message(_live(clarifying, 1)),
        "live topic actions": live_blocks.live_message(_live(_step(lv.Stage.ACTIONS), 1)),
        "live topic later": live_blocks.live_message(_live(clarifying, 2)),
        "live time-out": live_blocks.live_message(
            _live(clarifying, 1, clock=lv.Clock(clarifying, None, paused_left=300))
        ),
        "live closing": live_blocks.live_message(_live(len(LIVE_STEPS) - 1, 3)),
        "live ended": live_blocks.live_message(
            _live(len(LIVE_STEPS) - 1, 3, clock=lv.Clock(len(LIVE_STEPS) - 1, None, ended=True))
        ),
        "live cue card": live_blocks.cue_message(LiveCue(NAUGHTY, lv.Stage.CLARIFYING, (CARD,))),
        "live prompts": live_blocks.cue_message(
            LiveCue(NAUGHTY, lv.Stage.PRESENTING, (CARD,), facilitator=True)
        ),
        "live started": live_blocks.live_started("the agenda's thread"),
    }


def _bot_views() -> dict[str, dict[str, Any]]:
    draft = TopicDraft(set=SET, session=SESSION, topic=TOPICS[2], note="Note *x*")
    return {
        "setup new": setup.setup_modal(channel_id="C1", caller_id="U1", caller_tz=None, existing=None),
        "setup existing": setup.setup_modal(
            channel_id="C1", caller_id="U1", caller_tz="Europe/Paris", existing=SET
        ),
        "setup more settings": setup.setup_modal(
            channel_id="C1", caller_id="U1", caller_tz=None, existing=SET, more=True
        ),
        "topic": topics.topic_modal(draft),
        "topic several sets": topics.topic_modal(
            TopicDraft(set=SET, session=SESSION, topic=None, choices=(SET, _set(id=2, name="B")))
        ),
        "voting": agenda.voting_modal(
            Panel(5, RULES, TOPICS, "U1", {1: 1}, 2, message="Too <many>"), round_=1
        ),
        "adjust": agenda.adjust_modal(_vote("closed")),
        "notice": agenda.notice_modal("The vote *closed*."),
        "commit": act.commit_modal(
            CommitDraft(SET, SESSION, 1, "Title <x>", 1, ACTIONS, "note", shared=False)
        ),
        "edit action": act.edit_modal(ACTIONS[0]),
        "report new": reportback.report_modal(ReportDraft(ACTIONS[0], SESSION, None)),
        "report again": reportback.report_modal(ReportDraft(ACTIONS[1], SESSION, ACTIONS[1].report)),
        "log": learning.log_modal(LogDraft(SET, SESSION, LOG)),
        "session move": calendar.session_modal(SessionDraft(SET, SESSION, SESSION.local_date, time(10))),
        "session add": calendar.session_modal(SessionDraft(SET, None, None, time(10))),
        "home": home.home_view("U1", [_dashboard(SET), _dashboard(_set(id=2, facilitator_id="U2"))]),
        "home empty": home.home_view("U9", []),
        "live question": live_blocks.question_modal(2, "How do I <say> no?"),
    }  # fmt: skip


def _bot_messages() -> dict[str, dict[str, Any]]:
    change = SessionChange("moved", SET, _session(2, day=14), SESSION, CAL, "U1")
    out = {
        "vote": agenda.vote_message(_vote("open")),
        "vote no topics": agenda.vote_message(
            VoteState(5, SET, SESSION, "open", "C1", None, RULES, (), 0, 3)
        ),
        "agenda closed": agenda.agenda_message(_vote("closed")),
        "agenda confirmed": agenda.agenda_message(_vote("confirmed")),
        "agenda skipped": agenda.agenda_message(_vote("skipped")),
        "welcome": messages.welcome_message(SET),
        "rules": messages.rules_dm(SET),
        "rules again": messages.rules_dm(SET, again=True),
        "rules agreed": messages.rules_agreed_dm(SET, NOW),
        "setup confirmation": messages.setup_confirmation(
            _outcome(), public_channel=True, not_in_channel=["U3"], not_in_set=["U9"]
        ),
        "set updated": messages.set_updated_message(
            _outcome(
                created=False,
                added=("U3",),
                removed=("U9",),
                rules_changed=True,
                schedule_changed=True,
                previous_facilitator="U2",
                cancelled=(SESSION,),
            )
        ),
        "leave": messages.leave_confirm(SET),
        "left": messages.member_left_notice(SET, "U2"),
        "calendar": calendar.calendar_list(CAL, note="Done."),
        "change": calendar.change_message(change),
        "change confirmation": calendar.change_confirmation(change),
        "help": help_blocks.help_message(),
        "unknown": help_blocks.unknown_subcommand("<evil>", next(iter(Sub))),
        "actions": act.actions_list(list(ACTIONS)),
        "no actions": act.actions_list([]),
        "commit confirmation": act.commit_confirmation(
            CommitOutcome(SET, SESSION, 1, "U1", "T <x>", ACTIONS, shared=True)
        ),
        "commit line": act.commit_line(
            CommitOutcome(SET, SESSION, 1, "U1", None, ACTIONS, shared=False)
        ),
        "report confirmation": reportback.report_confirmation(
            ReportOutcome(ACTIONS[1], SESSION, ACTIONS[1].report, ROUND)  # type: ignore[arg-type]
        ),
        "round": reportback.round_message(ROUND),
        "log confirmation": learning.log_confirmation(LOG),
        "log list": learning.log_list([LOG]),
        "topic confirmation": topics.topic_confirmation(
            TopicOutcome(SET, SESSION, TOPICS[1], moved_from=SESSION)
        ),
        "unreachable": reminders.unreachable_notice(NAUGHTY, "U2", False, "<oops>"),
        "simple": simple("Only *you* see <@U2>"),
        **_live_messages(),
    }
    for kind in Kind:
        out[f"reminder {kind.value}"] = reminders.reminder_message(_reminder(kind))
    for status in TopicStatus:
        topic = _topic(9, "U1", status=status.value)
        out[f"topic confirmation {status.value}"] = topics.topic_confirmation(
            TopicOutcome(SET, SESSION, topic, vote_to_refresh=5)
        )
    return {name: message.kwargs() for name, message in out.items()}


NEW_YORK = RenderContext(viewer_id="U1", tz="America/New_York", users=USERS, channels=CHANNELS)


@pytest.mark.parametrize("name", sorted(_bot_views()))
def test_every_bot_view_renders(name: str) -> None:
    view = {"id": "V1", **_bot_views()[name]}
    root = parse(view_html(view, NEW_YORK))
    assert not root.all(cls="sb-unsupported"), name
    assert "unsupported" not in root.text
    assert "<script>" not in view_html(view, NEW_YORK)
    for node in root.iter():
        if "data-action-id" in node.attrs:
            assert node.attrs["data-type"], node.attrs
            assert node.attrs["data-block-id"] is not None
    if view["type"] == "modal":
        modal = root.one("div", "sb-modal")
        assert modal.attrs["data-callback-id"] == view["callback_id"]
        inputs = [b for b in view["blocks"] if b["type"] == "input"]
        assert len(root.all("div", "sb-input")) == len(inputs)
        for block in inputs:
            assert root.one("div", "sb-input", data_block_id=block["block_id"])


@pytest.mark.parametrize("name", sorted(_bot_messages()))
def test_every_bot_message_renders(name: str) -> None:
    message = _bot_messages()[name]
    html = message_html(message, NEW_YORK)
    root = parse(html)
    assert not root.all(cls="sb-unsupported"), name
    assert "unsupported" not in root.text
    assert "<script>" not in html
    # User text (set names) cannot ping the channel: only the inert "@channel" text remains.
    assert not root.all("span", "sb-broadcast"), name


def test_the_live_session_messages_show_their_stage_and_controls() -> None:
    """The live session's part messages (edited in the agenda's thread as the stages move):
    the stage now, what it asks, its controls; End topic/End session ask first."""
    messages = _bot_messages()
    root = parse(message_html(messages["live topic questions"], NEW_YORK))
    assert "📌" in root.text and ":pushpin:" not in root.text
    assert "Now: Clarifying questions" in root.text
    actions = [b.attrs["data-action-id"] for b in root.all("button")]
    assert actions[:4] == [
        "als_live_next",
        "als_live_extend",
        "als_live_time_out",
        "als_live_end_part",
    ]
    assert "als_live_help" in actions and "als_live_prompts" in actions
    end = root.one("button", data_action_id="als_live_end_part")
    confirm = json.loads(end.attrs["data-confirm"] or "{}")
    assert confirm["title"] == "End this topic?" and confirm["confirm"] == "End"
    # The closing: End session, with its own question.
    closing = parse(message_html(messages["live closing"], NEW_YORK))
    end = closing.one("button", data_action_id="als_live_end")
    assert json.loads(end.attrs["data-confirm"] or "{}")["title"] == "End the session?"
    paused = parse(message_html(messages["live time-out"], NEW_YORK))
    assert "⏸️" in paused.text and paused.all("button", data_action_id="als_live_resume")
    later = parse(message_html(messages["live topic later"], NEW_YORK))
    assert "Comes later." in later.text and not later.all("button")
    assert "Session ended" in parse(message_html(messages["live ended"], NEW_YORK)).text


def _shortcodes_in(path: Path) -> set[str]:
    """The ``:emoji:`` shortcodes in a module's strings (not its docstrings)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found.update(re.findall(r":([a-z][a-z0-9_+\-]*):", node.value))
    return found


def test_every_emoji_the_bot_uses_is_drawn() -> None:
    """The renderer knows every ``:emoji:`` the bot's messages use (else it shows literally)."""
    blocks = Path(__file__).resolve().parent.parent / "bot" / "blocks"
    used = set().union(*(_shortcodes_in(p) for p in sorted(blocks.glob("*.py"))))
    assert {"pushpin", "double_vertical_bar", "white_check_mark"} <= used
    assert sorted(used - set(EMOJI)) == []


def test_setup_modal_shows_its_initial_values() -> None:
    view = setup.setup_modal(
        channel_id="C1", caller_id="U1", caller_tz="Europe/Paris", existing=SET, more=True
    )
    root = parse(view_html({"id": "V1", **view}, CTX))
    facilitator = root.one("select", data_type="users_select")
    assert [o.attrs["value"] for o in facilitator.all("option") if "selected" in o.attrs] == ["U1"]
    members = root.one("select", data_type="multi_users_select")
    assert [o.attrs["value"] for o in members.all("option") if "selected" in o.attrs] == [
        "U2",
        "U3",
    ]
    first_date = root.one("div", "sb-input", data_block_id="first_date").one("input")
    assert first_date.attrs["value"] == "2026-12-07"
    assert root.one("input", data_type="timepicker").attrs["value"] == "10:00"
    zone = root.one("select", data_type="static_select", data_block_id="timezone")
    assert [o.attrs["value"] for o in zone.all("option") if "selected" in o.attrs] == [
        "Europe/London"  # the set's zone, not the caller's
    ]
    groups = [g.attrs["label"] for g in zone.all("optgroup")]
    assert "Paris, France" in zone.text and groups[:4] == [
        "UTC",
        "Africa",
        "America: A-O",
        "America: P-Y",
    ]
    rules = root.one("textarea")
    assert rules.text.startswith("Confidentiality.\n<script>")
    assert root.one("button", "sb-modal-submit").text == "Save"
    name = root.one("div", "sb-input", data_block_id="name").one("input")
    assert name.attrs["value"] == NAUGHTY


def test_vote_message_details() -> None:
    root = parse(message_html(agenda.vote_message(_vote("open")).kwargs(), NEW_YORK))
    assert root.one("div", "sb-header").text == "Agenda vote"
    close = next(b for b in root.all("button") if b.text == "Close vote")
    assert json.loads(close.attrs["data-confirm"] or "")["title"] == "Close the vote?"
    vote = next(b for b in root.all("button") if b.text == "Vote")
    assert "sb-primary" in vote.classes and vote.attrs["data-value"] == "5"
    assert vote.attrs["data-block-id"] == "vote_actions"
    # Dates in the viewer's zone (New York): 10:00 UTC is 05:00.
    assert "Monday, December 7th, 2026 at 05:00" in root.text
    # The private topic's preparation is not in the channel message.
    assert "Preparation kept private." in root.text
    assert root.text.count("Line one") == 2  # topics 1 and 3 are shared
    # A user's escaped text shows as typed, and is not a tag.
    assert "Topic 1 <i>" in root.text


def test_home_view_details() -> None:
    view = home.home_view("U1", [_dashboard(SET)])
    root = parse(view_html({"id": "VH", **view}, CTX))
    assert root.one("div", "sb-home").attrs["data-view-id"] == "VH"
    names = [s.text for s in root.all("span", "sb-channel")]
    assert names and set(names) == {"#als-demo"}
    assert root.all("a", "sb-link", href="https://meet.example/room?a=1&b=2")
    buttons = [b.text for b in root.all("button")]
    assert buttons[0] == "Away until…"  # the time-away control, above the sets
    assert buttons[1:3] == ["Edit your topic", "Vote"]


def test_rendering_is_deterministic() -> None:
    """The page re-renders a conversation only when its HTML changes: same blocks, same HTML
    (ids included), while two radio groups in one render keep distinct names."""
    view = {"id": "V1", **_bot_views()["report again"]}
    assert view_html(view, CTX) == view_html(view, CTX)
    home_view = {"id": "VH", **_bot_views()["home"]}
    assert view_html(home_view, CTX) == view_html(home_view, CTX)
    ids = [n.attrs["id"] for n in parse(view_html(view, CTX)).iter() if "id" in n.attrs]
    assert ids and len(ids) == len(set(ids))


def test_the_stylesheet_styles_the_classes_of_a_modals_inputs() -> None:
    """Checkboxes, radio buttons and a field with an error: every class the renderer gives
    them has a rule in the page's stylesheet (they had drifted apart)."""
    from pathlib import Path

    import bot.sandbox

    option = {"text": {"type": "plain_text", "text": "Yes"}, "value": "yes"}
    described = {**option, "value": "no", "description": {"type": "plain_text", "text": "Why"}}
    view = {
        "type": "modal",
        "id": "V1",
        "title": {"type": "plain_text", "text": "Form"},
        "blocks": [
            {
                "type": "input",
                "block_id": "boxes",
                "label": {"type": "plain_text", "text": "Boxes"},
                "element": {"type": "checkboxes", "action_id": "a", "options": [described]},
            },
            {
                "type": "input",
                "block_id": "radios",
                "label": {"type": "plain_text", "text": "Radios"},
                "element": {"type": "radio_buttons", "action_id": "b", "options": [option]},
            },
        ],
    }
    shown = view_html(view, CTX, errors={"radios": "Pick one."})
    classes = set()
    for found in re.findall(r'class="([^"]+)"', shown):
        classes.update(found.split())
    wanted = {"sb-checkboxes", "sb-radio-buttons", "sb-choice", "sb-choice-text"}
    wanted |= {"sb-choice-desc", "sb-has-error", "sb-error", "sb-label"}
    assert wanted <= classes, wanted - classes
    css = (Path(bot.sandbox.__file__).parent / "static" / "style.css").read_text()
    styled = set(re.findall(r"\.(sb-[a-z0-9-]+)", css))
    assert wanted - styled == set()
