"""Block Kit and Slack mrkdwn rendered to safe HTML for the sandbox page.

Everything that comes from a message, a view or a user is escaped: text with
:func:`html.escape`, attribute values with ``quote=True``. Links are only made for
``http``, ``https`` and ``mailto`` URLs (anything else is shown as text), no event
handler attribute is ever written, and ``<!channel>``/``<!here>``/``<!everyone>`` become
inert text. Unknown block or element types render a small visible placeholder
(``unsupported block: video``) instead of failing.

Contract with the page's JavaScript
-----------------------------------
Every interactive element carries ``data-action-id``, ``data-block-id`` (the block's
``block_id``, or ``""``) and ``data-type`` (the Slack element type); an element with a
``confirm`` object also carries ``data-confirm``: JSON ``{"title", "text", "confirm",
"deny"[, "style"]}`` of plain strings. Buttons carry ``data-value`` (``""`` when the button
has none) and ``data-url`` (only for an http(s)/mailto URL). Selects are ``<select>``
(``multiple`` for ``multi_*``) whose ``<option value>`` is the option value, user id or
channel id; checkboxes and radio buttons are ``<input>`` s inside a container that carries
the data attributes. Input blocks are ``<div class="sb-block sb-input" data-block-id>``
with an ``sb-error`` (``data-error-for``) when ``errors`` names the block. A modal is
``<div class="sb-modal" data-view-id data-callback-id>`` with ``data-role="close"`` and
``data-role="submit"`` footer buttons; a Home tab is ``<div class="sb-home" data-view-id>``.

CSS classes used
----------------
Containers: ``sb-message`` (a message), ``sb-message-text`` (a message without blocks),
``sb-blocks`` (the list of blocks; ``sb-view-blocks`` added inside a view), ``sb-modal``,
``sb-modal-title``, ``sb-modal-body``, ``sb-modal-footer``, ``sb-modal-close``,
``sb-modal-submit``, ``sb-home``.

Blocks (each also has ``sb-block``): ``sb-header``, ``sb-section`` (with
``sb-section-main``, ``sb-section-text``, ``sb-fields``, ``sb-field``, ``sb-accessory``),
``sb-context`` (a row of ``sb-context-image`` and ``sb-context-text``), ``sb-divider``
(an ``<hr>``), ``sb-actions`` (a row of elements), ``sb-input`` (with ``sb-label``,
``sb-optional``, ``sb-hint``, ``sb-error``), ``sb-image`` (``<figure>`` with
``sb-image-title`` and ``sb-image-img``), ``sb-rich-text`` (with ``sb-rich-list``,
``sb-rich-quote``, and ``sb-pre``), ``sb-unsupported`` (the placeholder; also used on a
``<span>`` for an unknown element).

Elements: ``sb-button`` (+ ``sb-primary`` / ``sb-danger``), ``sb-select``
(+ ``sb-multi-select`` on ``multi_*`` selects), ``sb-overflow``, ``sb-datepicker``,
``sb-timepicker``, ``sb-datetimepicker``, ``sb-text-input``, ``sb-textarea``,
``sb-number-input``, ``sb-checkboxes``, ``sb-radio-buttons``, ``sb-choice`` (one
``<label>`` per option, holding the ``<input>``, ``sb-choice-text`` and
``sb-choice-desc``), ``sb-image-element``, ``sb-image-missing`` (alt text of an image whose
URL is not http(s)).

mrkdwn: ``sb-mention`` (+ ``sb-user``, ``sb-channel``, ``sb-usergroup`` or
``sb-broadcast`` for @here/@channel/@everyone; ``sb-mention-me`` when it names the
viewer), ``sb-link``, ``sb-link-blocked`` (a link with a refused scheme, shown as text),
``sb-date`` (a ``<time>``; + ``sb-date-fallback`` when the fallback text is shown),
``sb-code`` (inline), ``sb-pre`` (code block), ``sb-quote`` (``<blockquote>``).
Bold, italic and strike are ``<b>``, ``<i>`` and ``<s>``.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "RenderContext",
    "blocks_html",
    "message_html",
    "mrkdwn",
    "mrkdwn_plain",
    "plain_text",
    "safe_url",
    "text_object",
    "view_html",
]

log = logging.getLogger(__name__)

JsonMap = Mapping[str, Any]


@dataclass(frozen=True)
class RenderContext:
    """Who looks at the page and how to name people and channels."""

    viewer_id: str  # the person looking at the page
    tz: str  # viewer's IANA zone: date tokens are shown in it
    users: Mapping[str, str] = field(default_factory=dict)  # user id -> display name
    channels: Mapping[str, str] = field(default_factory=dict)  # channel id -> name (no #)


# ------------------------------------------------------------------------------ helpers
def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _attrs(pairs: Mapping[str, str | bool | None]) -> str:
    """`` key="value"`` for each pair (escaped); True: a bare attribute; None/False: left out."""
    out = []
    for key, value in pairs.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(f" {key}")
        else:
            out.append(f' {key}="{_esc(value)}"')
    return "".join(out)


def _unslack(text: str) -> str:
    """Undo the three entities Slack text carries (``&amp;`` last, so ``&amp;lt;`` stays)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_counter = itertools.count(1)
_ID_SOURCE: ContextVar[Callable[[], str] | None] = ContextVar("sb_id_source", default=None)


def _uid() -> str:
    """An id for a label's ``for`` target or a radio group's name: unique on the page, and the
    same each time the same blocks are rendered (the page re-renders only changed HTML)."""
    source = _ID_SOURCE.get()
    return source() if source else f"sb-el-{next(_counter)}"


def _id_source(blocks: object) -> Callable[[], str]:
    digest = hashlib.sha1(
        json.dumps(blocks, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()[:10]
    numbers = itertools.count(1)
    return lambda: f"sb-{digest}-{next(numbers)}"


_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) (with a host) or mailto URL, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _BAD_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _SAFE_SCHEMES:
        return None
    if scheme != "mailto" and not parts.netloc:
        return None
    return url


def _unsupported(what: str, kind: object, *, inline: bool = False) -> str:
    tag = "span" if inline else "div"
    extra = "" if inline else "sb-block "
    return f'<{tag} class="{extra}sb-unsupported">unsupported {what}: {_esc(kind)}</{tag}>'


class _TextOf(HTMLParser):
    """The text of an HTML fragment (``<br>`` and block ends become newlines)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or (
            tag in ("blockquote", "pre", "div", "li")
            and self.parts
            and not self.parts[-1].endswith("\n")
        ):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("blockquote", "pre", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_to_text(fragment: str) -> str:
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts).strip()


# -------------------------------------------------------------------------------- emoji
#: The emoji the bot uses, and a few common ones; any other ``:name:`` stays literal.
EMOJI: dict[str, str] = {
    "alarm_clock": "⏰",
    "arrow_right": "➡️",
    "ballot_box_with_ballot": "🗳️",
    "bell": "🔔",
    "books": "📚",
    "bulb": "💡",
    "calendar": "📆",
    "clap": "👏",
    "clipboard": "📋",
    "clock3": "🕒",
    "date": "📅",
    "double_vertical_bar": "⏸️",
    "exclamation": "❗",
    "eyes": "👀",
    "fire": "🔥",
    "handshake": "🤝",
    "heart": "❤️",
    "heavy_check_mark": "✔️",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "information_source": "ℹ️",
    "lock": "🔒",
    "mag": "🔍",
    "memo": "📝",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "pencil": "📝",
    "pencil2": "✏️",
    "palm_tree": "🌴",
    "point_right": "👉",
    "pushpin": "📌",
    "question": "❓",
    "raised_hand": "✋",
    "raised_hands": "🙌",
    "red_circle": "🔴",
    "repeat": "🔁",
    "rocket": "🚀",
    "seedling": "🌱",
    "slightly_smiling_face": "🙂",
    "smile": "😄",
    "speech_balloon": "💬",
    "spiral_calendar_pad": "🗓️",
    "star": "⭐",
    "tada": "🎉",
    "thinking_face": "🤔",
    "thought_balloon": "💭",
    "thumbsup": "👍",
    "+1": "👍",
    "-1": "👎",
    "unlock": "🔓",
    "warning": "⚠️",
    "wave": "👋",
    "white_check_mark": "✅",
    "x": "❌",
}
_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")


def _emoji(escaped: str) -> str:
    return _EMOJI_RE.sub(lambda m: EMOJI.get(m[1], m[0]), escaped)


# ------------------------------------------------------------------------------- dates
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _date(d: datetime) -> str:
    return f"{_MONTHS[d.month - 1]} {_ordinal(d.day)}, {d.year}"


def _date_long(d: datetime) -> str:
    return f"{_WEEKDAYS[d.weekday()]}, {_date(d)}"


#: Slack's date tokens. The "pretty" ones would say today/yesterday/tomorrow relative to the
#: reader's clock; the sandbox has its own clock, so they always show the date.
_DATE_TOKENS: dict[str, Callable[[datetime], str]] = {
    "date_num": lambda d: f"{d:%Y-%m-%d}",
    "date_slash": lambda d: f"{d:%d/%m/%Y}",
    "date": _date,
    "date_pretty": _date,
    "date_short": lambda d: f"{_MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    "date_short_pretty": lambda d: f"{_MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    "date_long": _date_long,
    "date_long_pretty": _date_long,
    "day_divider_pretty": _date_long,
    "date_long_full": lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "time": lambda d: f"{d:%H:%M}",
    "time_secs": lambda d: f"{d:%H:%M:%S}",
}
_DATE_TOKEN_RE = re.compile(r"\{([a-z_]+)\}")


class _UnknownToken(Exception):
    pass


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC


def format_date(epoch: int | float, tokens: str, tz: str) -> str | None:
    """``tokens`` (``"{date_long} at {time}"``) filled in for ``epoch`` in zone ``tz``; None
    when a token is unknown or the time cannot be shown."""
    try:
        when = datetime.fromtimestamp(epoch, _zone(tz))
    except (OverflowError, OSError, ValueError):
        return None

    def fill(m: re.Match[str]) -> str:
        fn = _DATE_TOKENS.get(m[1])
        if fn is None:
            raise _UnknownToken(m[1])
        return fn(when)

    try:
        return _DATE_TOKEN_RE.sub(fill, tokens)
    except _UnknownToken:
        return None


def _time_html(
    epoch: int | float, tokens: str, fallback: str | None, link: str | None, tz: str
) -> str:
    text = format_date(epoch, tokens, tz)
    if text is None:
        return _fallback_date(fallback, tokens)
    iso = datetime.fromtimestamp(epoch, _zone(tz)).isoformat()
    out = f'<time class="sb-date"{_attrs({"datetime": iso})}>{_esc(text)}</time>'
    url = safe_url(link)
    if url:
        attrs = {"href": url, "target": "_blank", "rel": "noopener noreferrer"}
        out = f'<a class="sb-link"{_attrs(attrs)}>{out}</a>'
    return out


def _fallback_date(fallback: str | None, raw: str) -> str:
    return f'<span class="sb-date sb-date-fallback">{_esc(fallback if fallback else raw)}</span>'


def _date_token(spec: str, fallback: str | None, ctx: RenderContext) -> str:
    """``<!date^EPOCH^TOKENS[^LINK]|FALLBACK>`` (``spec`` is what follows ``date^``)."""
    parts = spec.split("^", 2)
    fb = _unslack(fallback) if fallback is not None else None
    try:
        epoch = int(parts[0])
        tokens = _unslack(parts[1])
    except (ValueError, IndexError):
        return _fallback_date(fb, f"<!date^{_unslack(spec)}>")
    link = _unslack(parts[2]) if len(parts) > 2 else None
    return _time_html(epoch, tokens, fb, link, ctx.tz)


# ------------------------------------------------------------------------------ mrkdwn
_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"
_PH_RE = re.compile(f"{_PH_OPEN}(\\d+){_PH_CLOSE}")
_PRE_RE = re.compile(r"```(.*?)```", re.S)
_CODE_RE = re.compile(r"`([^`\n]+)`")
_TOKEN_RE = re.compile(r"<([^<>\n]*)>")
_BARE_URL_RE = re.compile(
    r"\b(?:https?://|mailto:)[^\s<>\ue000\ue001]+?(?=[.,;:!?)\]*_~'\"]*(?:\s|$|\ue000))"
)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BOLD_RE = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC_RE = re.compile(r"(?<!\w)_(?!\s)([^_\n]+?)(?<!\s)_(?!\w)")
_STRIKE_RE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")


def _user_html(user_id: str, ctx: RenderContext) -> str:
    name = ctx.users.get(user_id) or user_id
    me = " sb-mention-me" if user_id == ctx.viewer_id else ""
    return (
        f'<span class="sb-mention sb-user{me}"{_attrs({"data-user-id": user_id})}>'
        f"@{_esc(name)}</span>"
    )


def _channel_html(channel_id: str, label: str | None, ctx: RenderContext) -> str:
    name = ctx.channels.get(channel_id) or label or channel_id
    return (
        f'<span class="sb-mention sb-channel"{_attrs({"data-channel-id": channel_id})}>'
        f"#{_esc(name)}</span>"
    )


def _link_html(url: str, label: str | None) -> str:
    href = safe_url(url)
    shown = label or (url[len("mailto:") :] if url.lower().startswith("mailto:") else url)
    if href is None:
        return f'<span class="sb-link-blocked">{_esc(shown)}</span>'
    attrs = {"href": href, "target": "_blank", "rel": "noopener noreferrer"}
    return f'<a class="sb-link"{_attrs(attrs)}>{_esc(shown)}</a>'


def _token_html(body: str, ctx: RenderContext) -> str:
    """One ``<...>`` of mrkdwn (``body`` is between the brackets, still entity-escaped)."""
    if body.startswith("@"):
        user_id, _, _label = body[1:].partition("|")
        return _user_html(_unslack(user_id), ctx)
    if body.startswith("#"):
        channel_id, _, label = body[1:].partition("|")
        return _channel_html(_unslack(channel_id), _unslack(label) or None, ctx)
    if body.startswith("!"):
        name, sep, label = body[1:].partition("|")
        if name in ("here", "channel", "everyone"):
            return f'<span class="sb-mention sb-broadcast">@{name}</span>'
        if name.startswith("subteam^"):
            shown = _unslack(label) if label else "@" + _unslack(name[len("subteam^") :])
            return f'<span class="sb-mention sb-usergroup">{_esc(shown)}</span>'
        if name.startswith("date^"):
            return _date_token(name[len("date^") :], label if sep else None, ctx)
        return _esc(_unslack(label) if label else f"<{_unslack(body)}>")
    url, _, label = body.partition("|")
    url = _unslack(url)
    if not _SCHEME_RE.match(url):
        return _esc(f"<{_unslack(body)}>")  # not a link: shown as typed
    return _link_html(url, _unslack(label) or None)


def _inline(line: str, ctx: RenderContext) -> str:
    """One line of mrkdwn (no code block, no quote marker) as HTML."""
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"{_PH_OPEN}{len(stash) - 1}{_PH_CLOSE}"

    line = _CODE_RE.sub(
        lambda m: keep(f'<code class="sb-code">{_esc(_unslack(m[1]))}</code>'), line
    )
    line = _TOKEN_RE.sub(lambda m: keep(_token_html(m[1], ctx)), line)
    line = _BARE_URL_RE.sub(lambda m: keep(_link_html(_unslack(m[0]), None)), line)
    line = _emoji(_esc(_unslack(line)))
    line = _BOLD_RE.sub(r"<b>\1</b>", line)
    line = _ITALIC_RE.sub(r"<i>\1</i>", line)
    line = _STRIKE_RE.sub(r"<s>\1</s>", line)
    return _PH_RE.sub(lambda m: stash[int(m[1])], line)


def _lines(segment: str, ctx: RenderContext) -> str:
    """Lines of mrkdwn outside code blocks: ``>`` quotes (``>>>`` quotes the rest) and
    ``<br>`` between lines."""
    groups: list[tuple[bool, list[str]]] = []
    rest_quoted = False
    for raw in segment.split("\n"):
        line, quoted = raw, rest_quoted
        if not quoted:
            for marker in (">>>", "&gt;&gt;&gt;"):
                if line.startswith(marker):
                    line, quoted, rest_quoted = line[len(marker) :], True, True
                    break
            else:
                for marker in (">", "&gt;"):
                    if line.startswith(marker):
                        line, quoted = line[len(marker) :], True
                        break
            if quoted and line.startswith(" "):
                line = line[1:]
        rendered = _inline(line, ctx)
        if groups and groups[-1][0] == quoted:
            groups[-1][1].append(rendered)
        else:
            groups.append((quoted, [rendered]))
    out = []
    for quoted, items in groups:
        body = "<br>".join(items)
        out.append(f'<blockquote class="sb-quote">{body}</blockquote>' if quoted else body)
    return "".join(out)


def mrkdwn(text: str, ctx: RenderContext) -> str:
    """HTML for a mrkdwn string (as Slack shows it to ``ctx.viewer_id``)."""
    if not isinstance(text, str) or not text:
        return ""
    text = text.replace("\r\n", "\n").replace(_PH_OPEN, "\ufffd").replace(_PH_CLOSE, "\ufffd")
    out: list[str] = []
    pos = 0
    for m in _PRE_RE.finditer(text):
        before = text[pos : m.start()]
        if before:
            out.append(_lines(before.removesuffix("\n"), ctx))
        body = m[1].removeprefix("\n")
        out.append(f'<pre class="sb-pre">{_esc(_unslack(body))}</pre>')
        pos = m.end()
        if text.startswith("\n", pos):
            pos += 1
    if pos < len(text):
        out.append(_lines(text[pos:], ctx))
    return "".join(out)


def mrkdwn_plain(text: str, ctx: RenderContext) -> str:
    """A mrkdwn string as plain text (mentions named, dates formatted, markers dropped)."""
    return _html_to_text(mrkdwn(text, ctx))


def plain_text(text: str, *, emoji: bool = True) -> str:
    """HTML-escaped plain text (``\\n`` kept for ``white-space: pre-wrap``); known ``:emoji:``
    shortcodes become characters unless ``emoji`` is False."""
    if not isinstance(text, str):
        return ""
    escaped = _esc(text)
    return _emoji(escaped) if emoji else escaped


def text_object(obj: JsonMap | None, ctx: RenderContext) -> str:
    """HTML for a text object ``{"type": "plain_text"|"mrkdwn", "text": ...}``."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return plain_text(obj)
    if not isinstance(obj, Mapping):
        return ""
    text = obj.get("text")
    if not isinstance(text, str):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, ctx)
    return plain_text(text, emoji=obj.get("emoji", True) is not False).replace("\n", "<br>")


def _plain_of(obj: Any, ctx: RenderContext, default: str = "") -> str:
    """A text object as a plain (unescaped) string."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, Mapping) or not isinstance(obj.get("text"), str):
        return default
    if obj.get("type") == "mrkdwn":
        return mrkdwn_plain(obj["text"], ctx)
    return obj["text"]


# ---------------------------------------------------------------------------- rich text
def _rich_inline(el: JsonMap, ctx: RenderContext) -> str:
    kind = el.get("type")
    if kind == "text":
        out = _esc(el.get("text") or "").replace("\n", "<br>")
    elif kind == "link":
        url = str(el.get("url") or "")
        out = _link_html(url, el.get("text") or None)
    elif kind == "user":
        out = _user_html(str(el.get("user_id") or ""), ctx)
    elif kind == "channel":
        out = _channel_html(str(el.get("channel_id") or ""), None, ctx)
    elif kind == "usergroup":
        out = f'<span class="sb-mention sb-usergroup">@{_esc(el.get("usergroup_id") or "")}</span>'
    elif kind == "broadcast":
        rng = el.get("range")
        rng = rng if rng in ("here", "channel", "everyone") else "here"
        out = f'<span class="sb-mention sb-broadcast">@{rng}</span>'
    elif kind == "emoji":
        name = str(el.get("name") or "")
        out = EMOJI.get(name) or _esc(f":{name}:")
    elif kind == "date":
        try:
            epoch = int(el.get("timestamp"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return _fallback_date(el.get("fallback"), "")
        out = _time_html(
            epoch, str(el.get("format") or "{date_num}"), el.get("fallback"), el.get("url"), ctx.tz
        )
    elif kind == "color":
        out = _esc(el.get("value") or "")
    else:
        return _unsupported("element", kind, inline=True)
    raw_style = el.get("style")
    style: Mapping[str, Any] = raw_style if isinstance(raw_style, Mapping) else {}
    if style.get("code"):
        out = f'<code class="sb-code">{out}</code>'
    if style.get("bold"):
        out = f"<b>{out}</b>"
    if style.get("italic"):
        out = f"<i>{out}</i>"
    if style.get("strike"):
        out = f"<s>{out}</s>"
    return out


def _rich_section(el: JsonMap, ctx: RenderContext) -> str:
    return "".join(_rich_inline(e, ctx) for e in el.get("elements") or () if isinstance(e, Mapping))


def _rich_part(el: JsonMap, ctx: RenderContext) -> str:
    kind = el.get("type")
    if kind == "rich_text_section":
        return f"<div>{_rich_section(el, ctx)}</div>"
    if kind == "rich_text_list":
        tag = "ol" if el.get("style") == "ordered" else "ul"
        items = "".join(
            f"<li>{_rich_section(e, ctx)}</li>"
            for e in el.get("elements") or ()
            if isinstance(e, Mapping)
        )
        return f'<{tag} class="sb-rich-list">{items}</{tag}>'
    if kind == "rich_text_preformatted":
        return f'<pre class="sb-pre">{_rich_section(el, ctx)}</pre>'
    if kind == "rich_text_quote":
        return f'<blockquote class="sb-rich-quote sb-quote">{_rich_section(el, ctx)}</blockquote>'
    return _unsupported("element", kind)


# ----------------------------------------------------------------------------- elements
@dataclass
class _Where:
    """Where an element sits: its block's id, and (in an input block) the control's DOM id."""

    block_id: str
    control_id: str | None = None
    label_id: str | None = None


def _confirm_json(confirm: Any, ctx: RenderContext) -> str | None:
    if not isinstance(confirm, Mapping):
        return None
    data = {
        "title": _plain_of(confirm.get("title"), ctx, "Are you sure?"),
        "text": _plain_of(confirm.get("text"), ctx),
        "confirm": _plain_of(confirm.get("confirm"), ctx, "Yes"),
        "deny": _plain_of(confirm.get("deny"), ctx, "Cancel"),
    }
    if confirm.get("style") in ("primary", "danger"):
        data["style"] = confirm["style"]
    return json.dumps(data, ensure_ascii=False)


def _data(el: JsonMap, where: _Where, ctx: RenderContext) -> dict[str, str | bool | None]:
    """The data attributes the page's JavaScript reads, and the label's ``id`` target."""
    return {
        "id": where.control_id,
        "data-action-id": str(el.get("action_id") or ""),
        "data-block-id": where.block_id,
        "data-type": str(el.get("type")),
        "data-confirm": _confirm_json(el.get("confirm"), ctx),
    }


def _button(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    style = el.get("style")
    cls = "sb-button" + (f" sb-{style}" if style in ("primary", "danger") else "")
    attrs: dict[str, str | bool | None] = {
        "type": "button",
        "class": cls,
        **_data(el, where, ctx),
        "data-value": str(el.get("value") or ""),
        "data-url": safe_url(el.get("url")),
        "aria-label": el.get("accessibility_label") or None,
    }
    return f"<button{_attrs(attrs)}>{text_object(el.get('text'), ctx)}</button>"


def _option_value(opt: Any) -> str | None:
    if isinstance(opt, Mapping) and opt.get("value") is not None:
        return str(opt["value"])
    return None


def _option_tag(value: str, label: str, selected: bool, url: str | None = None) -> str:
    attrs: dict[str, str | bool | None] = {"value": value, "selected": selected, "data-url": url}
    return f"<option{_attrs(attrs)}>{_esc(label)}</option>"


def _initial_values(el: JsonMap, single: str, many: str) -> list[str]:
    """The initially chosen values: ``el[single]`` (a value or an option) and ``el[many]``."""
    out: list[str] = []
    for raw in [el.get(single), *(el.get(many) or ())]:
        if isinstance(raw, Mapping):
            raw = _option_value(raw)
        if isinstance(raw, str) and raw not in out:
            out.append(raw)
    return out


def _select_html(
    el: JsonMap,
    where: _Where,
    ctx: RenderContext,
    options: list[str],
    chosen: bool,
) -> str:
    multi = str(el.get("type", "")).startswith("multi_")
    placeholder = _plain_of(el.get("placeholder"), ctx, "Select an item")
    attrs: dict[str, str | bool | None] = {
        "class": "sb-select sb-multi-select" if multi else "sb-select",
        **_data(el, where, ctx),
        "multiple": multi,
        "data-placeholder": placeholder if multi else None,
        "aria-labelledby": where.label_id,
    }
    first = "" if multi or chosen else _option_tag("", placeholder, True)
    return f"<select{_attrs(attrs)}>{first}{''.join(options)}</select>"


def _static_select(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    initial = _initial_values(el, "initial_option", "initial_options")
    known: set[str] = set()

    def tags(opts: Any) -> str:
        out = []
        for opt in opts or ():
            value = _option_value(opt)
            if value is None:
                continue
            known.add(value)
            label = _plain_of(opt.get("text"), ctx, value)
            out.append(_option_tag(value, label, value in initial, safe_url(opt.get("url"))))
        return "".join(out)

    parts = [tags(el.get("options"))]
    for group in el.get("option_groups") or ():
        if isinstance(group, Mapping):
            label = _plain_of(group.get("label"), ctx)
            parts.append(
                f"<optgroup{_attrs({'label': label})}>{tags(group.get('options'))}</optgroup>"
            )
    # An initial option missing from the list (e.g. an external_select) is still shown.
    inits = [el.get("initial_option"), *(el.get("initial_options") or ())]
    for opt in inits:
        value = _option_value(opt)
        if value is not None and value not in known:
            known.add(value)
            parts.append(_option_tag(value, _plain_of(opt.get("text"), ctx, value), True))
    return _select_html(el, where, ctx, parts, bool(initial))


def _named_select(
    el: JsonMap,
    where: _Where,
    ctx: RenderContext,
    names: Mapping[str, str],
    single: str,
    many: str,
    prefix: str,
) -> str:
    """A select over people or channels (``names``: id -> name), initial ids selected."""
    initial = _initial_values(el, single, many)
    entries = sorted(names.items(), key=lambda kv: (kv[1].lower(), kv[0]))
    parts = [_option_tag(i, prefix + name, i in initial) for i, name in entries]
    parts += [_option_tag(i, prefix + i, True) for i in initial if i not in names]
    return _select_html(el, where, ctx, parts, bool(initial))


def _users_select(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _named_select(el, where, ctx, ctx.users, "initial_user", "initial_users", "")


def _conversations_select(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _named_select(
        el, where, ctx, ctx.channels, "initial_conversation", "initial_conversations", "#"
    )


def _channels_select(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _named_select(el, where, ctx, ctx.channels, "initial_channel", "initial_channels", "#")


def _overflow(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    parts = [_option_tag("", "⋯", True)]
    for opt in el.get("options") or ():
        value = _option_value(opt)
        if value is not None:
            label = _plain_of(opt.get("text"), ctx, value)
            parts.append(_option_tag(value, label, False, safe_url(opt.get("url"))))
    attrs = {"class": "sb-overflow", **_data(el, where, ctx), "aria-label": "More actions"}
    return f"<select{_attrs(attrs)}>{''.join(parts)}</select>"


def _input_tag(
    el: JsonMap, where: _Where, ctx: RenderContext, kind: str, cls: str, **extra: str | None
) -> str:
    attrs: dict[str, str | bool | None] = {
        "type": kind,
        "class": cls,
        **_data(el, where, ctx),
        "placeholder": _plain_of(el.get("placeholder"), ctx) or None,
        **extra,
    }
    return f"<input{_attrs(attrs)}>"


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _datepicker(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _input_tag(
        el, where, ctx, "date", "sb-datepicker", value=_str_or_none(el.get("initial_date"))
    )


def _timepicker(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _input_tag(
        el, where, ctx, "time", "sb-timepicker", value=_str_or_none(el.get("initial_time"))
    )


def _datetimepicker(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    value = None
    try:
        epoch = int(el["initial_date_time"])
        value = datetime.fromtimestamp(epoch, _zone(ctx.tz)).strftime("%Y-%m-%dT%H:%M")
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        pass
    return _input_tag(el, where, ctx, "datetime-local", "sb-datetimepicker", value=value)


def _text_input(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    initial = _str_or_none(el.get("initial_value"))
    lengths = {
        "maxlength": _str_or_none(el.get("max_length")),
        "minlength": _str_or_none(el.get("min_length")),
    }
    kind = el.get("type")
    if kind == "plain_text_input" and el.get("multiline"):
        attrs: dict[str, str | bool | None] = {
            "class": "sb-textarea",
            **_data(el, where, ctx),
            "placeholder": _plain_of(el.get("placeholder"), ctx) or None,
            "rows": "4",
            **lengths,
        }
        return f"<textarea{_attrs(attrs)}>{_esc(initial or '')}</textarea>"
    html_type = {"email_text_input": "email", "url_text_input": "url"}.get(str(kind), "text")
    return _input_tag(el, where, ctx, html_type, "sb-text-input", value=initial, **lengths)


def _number_input(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _input_tag(
        el,
        where,
        ctx,
        "number",
        "sb-number-input",
        step="any" if el.get("is_decimal_allowed") else "1",
        min=_str_or_none(el.get("min_value")),
        max=_str_or_none(el.get("max_value")),
        value=_str_or_none(el.get("initial_value")),
    )


def _choices(el: JsonMap, where: _Where, ctx: RenderContext, kind: str) -> str:
    """Checkboxes or radio buttons: the data attributes on the container."""
    initial = _initial_values(el, "initial_option", "initial_options")
    name = _uid() if kind == "radio" else None
    items = []
    for opt in el.get("options") or ():
        value = _option_value(opt)
        if value is None:
            continue
        box = _attrs({"type": kind, "name": name, "value": value, "checked": value in initial})
        desc = opt.get("description")
        desc_html = f'<span class="sb-choice-desc">{text_object(desc, ctx)}</span>' if desc else ""
        items.append(
            f'<label class="sb-choice"><input{box}>'
            f'<span class="sb-choice-text">{text_object(opt.get("text"), ctx)}</span>'
            f"{desc_html}</label>"
        )
    cls = "sb-checkboxes" if kind == "checkbox" else "sb-radio-buttons"
    attrs = {
        "class": cls,
        **_data(el, where, ctx),
        "role": "radiogroup" if kind == "radio" else "group",
        "aria-labelledby": where.label_id,
    }
    return f"<div{_attrs(attrs)}>{''.join(items)}</div>"


def _checkboxes(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _choices(el, where, ctx, "checkbox")


def _radio_buttons(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _choices(el, where, ctx, "radio")


def _image_tag(url: Any, alt: Any, cls: str) -> str:
    src = safe_url(url)
    alt_text = str(alt or "")
    if src is None or src.lower().startswith("mailto:"):
        return f'<span class="sb-image-missing">{_esc(alt_text or "image")}</span>'
    return f"<img{_attrs({'class': cls, 'src': src, 'alt': alt_text, 'loading': 'lazy'})}>"


def _image_element(el: JsonMap, where: _Where, ctx: RenderContext) -> str:
    return _image_tag(el.get("image_url"), el.get("alt_text"), "sb-image-element")


_Renderer = Callable[[JsonMap, _Where, RenderContext], str]

_ELEMENTS: dict[str, _Renderer] = {
    "button": _button,
    "static_select": _static_select,
    "multi_static_select": _static_select,
    "external_select": _static_select,
    "multi_external_select": _static_select,
    "users_select": _users_select,
    "multi_users_select": _users_select,
    "conversations_select": _conversations_select,
    "multi_conversations_select": _conversations_select,
    "channels_select": _channels_select,
    "multi_channels_select": _channels_select,
    "overflow": _overflow,
    "datepicker": _datepicker,
    "timepicker": _timepicker,
    "datetimepicker": _datetimepicker,
    "plain_text_input": _text_input,
    "email_text_input": _text_input,
    "url_text_input": _text_input,
    "number_input": _number_input,
    "checkboxes": _checkboxes,
    "radio_buttons": _radio_buttons,
    "image": _image_element,
}


def _element(el: Any, where: _Where, ctx: RenderContext) -> str:
    if not isinstance(el, Mapping):
        return _unsupported("element", type(el).__name__, inline=True)
    renderer = _ELEMENTS.get(str(el.get("type")))
    if renderer is None:
        return _unsupported("element", el.get("type"), inline=True)
    return renderer(el, where, ctx)


# ------------------------------------------------------------------------------- blocks
def _block_id(block: JsonMap) -> str:
    value = block.get("block_id")
    return str(value) if value is not None else ""


def _header(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    return f'<div class="sb-block sb-header">{text_object(block.get("text"), ctx)}</div>'


def _section(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    main = []
    if block.get("text"):
        main.append(f'<div class="sb-section-text">{text_object(block.get("text"), ctx)}</div>')
    fields = block.get("fields") or ()
    if fields:
        cells = "".join(f'<div class="sb-field">{text_object(f, ctx)}</div>' for f in fields)
        main.append(f'<div class="sb-fields">{cells}</div>')
    out = f'<div class="sb-block sb-section"><div class="sb-section-main">{"".join(main)}</div>'
    accessory = block.get("accessory")
    if accessory:
        element = _element(accessory, _Where(_block_id(block)), ctx)
        out += f'<div class="sb-accessory">{element}</div>'
    return out + "</div>"


def _context(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    parts = []
    for el in block.get("elements") or ():
        if isinstance(el, Mapping) and el.get("type") == "image":
            parts.append(_image_tag(el.get("image_url"), el.get("alt_text"), "sb-context-image"))
        elif isinstance(el, Mapping) and el.get("type") in ("mrkdwn", "plain_text"):
            parts.append(f'<div class="sb-context-text">{text_object(el, ctx)}</div>')
        else:
            kind = el.get("type") if isinstance(el, Mapping) else type(el).__name__
            parts.append(_unsupported("element", kind, inline=True))
    return f'<div class="sb-block sb-context">{"".join(parts)}</div>'


def _divider(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    return '<hr class="sb-block sb-divider">'


def _actions(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    where = _Where(_block_id(block))
    elements = "".join(_element(el, where, ctx) for el in block.get("elements") or ())
    return f'<div class="sb-block sb-actions">{elements}</div>'


def _input(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    block_id = _block_id(block)
    control = _uid()
    where = _Where(block_id, control_id=control, label_id=f"{control}-label")
    optional = bool(block.get("optional"))
    mark = '<span class="sb-optional"> (optional)</span>' if optional else ""
    label_attrs = _attrs({"class": "sb-label", "id": where.label_id, "for": control})
    parts = [
        f"<label{label_attrs}>{text_object(block.get('label'), ctx)}{mark}</label>",
        _element(block.get("element"), where, ctx),
    ]
    if block_id in errors:
        attrs = _attrs({"class": "sb-error", "data-error-for": block_id, "role": "alert"})
        message = plain_text(str(errors[block_id])).replace("\n", "<br>")
        parts.append(f"<div{attrs}>{message}</div>")
    if block.get("hint"):
        parts.append(f'<div class="sb-hint">{text_object(block.get("hint"), ctx)}</div>')
    attrs = _attrs(
        {
            "class": "sb-block sb-input" + (" sb-has-error" if block_id in errors else ""),
            "data-block-id": block_id,
            "data-optional": str(optional).lower(),
        }
    )
    return f"<div{attrs}>{''.join(parts)}</div>"


def _image(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    title = block.get("title")
    caption = (
        f'<figcaption class="sb-image-title">{text_object(title, ctx)}</figcaption>'
        if title
        else ""
    )
    img = _image_tag(block.get("image_url"), block.get("alt_text"), "sb-image-img")
    return f'<figure class="sb-block sb-image">{caption}{img}</figure>'


def _rich_text(block: JsonMap, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    parts = "".join(
        _rich_part(el, ctx) for el in block.get("elements") or () if isinstance(el, Mapping)
    )
    return f'<div class="sb-block sb-rich-text">{parts}</div>'


_BLOCKS: dict[str, Callable[[JsonMap, RenderContext, Mapping[str, str]], str]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": _divider,
    "actions": _actions,
    "input": _input,
    "image": _image,
    "rich_text": _rich_text,
}


def _block(block: Any, ctx: RenderContext, errors: Mapping[str, str]) -> str:
    if not isinstance(block, Mapping):
        return _unsupported("block", type(block).__name__)
    kind = block.get("type")
    renderer = _BLOCKS.get(str(kind))
    if renderer is None:
        return _unsupported("block", kind)
    try:
        return renderer(block, ctx, errors)
    except Exception:  # a malformed block must not take the page down
        log.exception("could not render a %s block", kind)
        return _unsupported("block", f"{kind} (malformed)")


def blocks_html(
    blocks: Sequence[JsonMap],
    ctx: RenderContext,
    *,
    errors: Mapping[str, str] | None = None,
    in_view: bool = False,
) -> str:
    """HTML for a list of blocks. ``errors`` (block id -> message, from ``response_action:
    errors``) are shown under their input blocks; ``in_view`` marks blocks of a modal or Home
    tab (class ``sb-view-blocks``)."""
    cls = "sb-blocks sb-view-blocks" if in_view else "sb-blocks"
    items = blocks if isinstance(blocks, Sequence) and not isinstance(blocks, str) else ()
    token = _ID_SOURCE.set(_id_source(items))
    try:
        inner = "".join(_block(b, ctx, errors or {}) for b in items)
    finally:
        _ID_SOURCE.reset(token)
    return f'<div class="{cls}">{inner}</div>'


def message_html(message: JsonMap, ctx: RenderContext) -> str:
    """A message: its blocks if it has any, else its ``text`` as mrkdwn."""
    blocks = message.get("blocks")
    if blocks:
        inner = blocks_html(blocks, ctx)
    else:
        text = message.get("text") or ""
        body = (
            plain_text(text).replace("\n", "<br>")
            if message.get("mrkdwn") is False
            else mrkdwn(text, ctx)
        )
        inner = f'<div class="sb-message-text">{body}</div>'
    for shared in message.get("files") or ():
        if isinstance(shared, Mapping) and isinstance(shared.get("id"), str):
            href = f"/files/{quote(shared['id'])}/{quote(str(shared.get('name') or 'file'))}"
            label = _esc(shared.get("title") or shared.get("name") or "file")
            if str(shared.get("name") or "").endswith(".png"):  # an image: shown, as in Slack
                alt = _esc(shared.get("alt_txt") or label)
                inner += (
                    f'<a class="sb-file sb-image" href="{_esc(href)}" target="_blank" '
                    f'rel="noopener"><img src="{_esc(href)}" alt="{alt}" title="{alt}" '
                    'loading="lazy"></a>'
                )
                continue
            inner += (
                f'<a class="sb-file" href="{_esc(href)}" target="_blank" rel="noopener">'
                f"&#128197; {label}</a>"
            )
    # No data attributes here: the page wraps each message in its own element (ts, channel).
    return f'<div class="sb-message">{inner}</div>'


def view_html(view: JsonMap, ctx: RenderContext, *, errors: Mapping[str, str] | None = None) -> str:
    """A modal (title, blocks, Close and Submit buttons) or a Home tab (``type: home``)."""
    blocks = blocks_html(view.get("blocks") or [], ctx, errors=errors, in_view=True)
    view_id = str(view.get("id") or "")
    if view.get("type") == "home":
        return f'<div class="sb-home"{_attrs({"data-view-id": view_id})}>{blocks}</div>'
    attrs = _attrs(
        {
            "class": "sb-modal",
            "data-view-id": view_id,
            "data-callback-id": str(view.get("callback_id") or ""),
        }
    )
    title = text_object(view.get("title"), ctx)
    close = text_object(view.get("close"), ctx) or "Cancel"
    footer = f'<button type="button" class="sb-modal-close" data-role="close">{close}</button>'
    if view.get("submit"):
        submit = text_object(view.get("submit"), ctx) or "Submit"
        footer += (
            f'<button type="button" class="sb-modal-submit" data-role="submit">{submit}</button>'
        )
    return (
        f"<div{attrs}>"
        f'<div class="sb-modal-title">{title}</div>'
        f'<div class="sb-modal-body">{blocks}</div>'
        f'<div class="sb-modal-footer">{footer}</div>'
        "</div>"
    )
