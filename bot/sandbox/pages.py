"""What the sandbox page shows a person: its HTML shell and static files, and the data
``/api/state`` answers (the sidebar with unread counts, the conversation or Home tab looked at,
the open modal with its field errors).

Each person sees only what they would see in Slack: the channels they are in, their own DM with
the bot, their own ephemeral messages, modals and Home tab. The Block Kit in it is drawn by
:mod:`bot.sandbox.render`.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from bot.fakeslack.server import FakeSlack
from bot.fakeslack.state import Ephemeral, Message
from bot.sandbox import seed
from bot.sandbox.clock import RunningClock
from bot.sandbox.render import RenderContext, message_html, view_html
from bot.sandbox.typed import with_typed
from bot.sandbox.wsgi import ApiError, JsonDict

HOME = "home"
#: The page's static files (``/static/<name>``) and their content types.
STATIC = {"app.js": "application/javascript", "style.css": "text/css"}


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str
    kind: str  # "channel", "dm" or "home"


class FieldErrors:
    """Each person's modals' field errors from their last submit answered ``response_action:
    errors``: shown while the modal is still the view they were given for (the same hash)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: (user, view id) -> (view hash, field errors)
        self._errors: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}

    def set(self, user_id: str, view_id: str, view_hash: str, errors: dict[str, str]) -> None:
        """What the last submit answered (no errors: none shown)."""
        with self._lock:
            if errors:
                self._errors[(user_id, view_id)] = (view_hash, errors)
            else:
                self._errors.pop((user_id, view_id), None)

    def clear(self, user_id: str, view_id: str) -> None:
        with self._lock:
            self._errors.pop((user_id, view_id), None)

    def of(self, user_id: str, view: Mapping[str, Any]) -> dict[str, str] | None:
        """The errors to show on ``view``, None if it changed since they were given."""
        with self._lock:
            stored = self._errors.get((user_id, str(view["id"])))
        return stored[1] if stored and stored[0] == view.get("hash") else None


class Pages:
    """The page data of each person, read from the fake Slack."""

    def __init__(self, slack: FakeSlack, clock: RunningClock, errors: FieldErrors) -> None:
        self.slack = slack
        self.clock = clock
        self.errors = errors
        #: (user, conversation) -> how many of its items that person has seen (unread counts)
        self._seen: dict[tuple[str, str], int] = {}

    # ---------------------------------------------------------------- people and places
    @staticmethod
    def person(user_id: str) -> seed.Person:
        for p in seed.PEOPLE:
            if p.id == user_id:
                return p
        raise ApiError(404, "no such person in the sandbox")

    def conversations(self, user_id: str) -> list[Conversation]:
        """Where ``user_id`` can look: their channels, their DM with the bot, the Home tab."""
        found: list[Conversation] = []
        for ch in seed.CHANNELS:
            channel = self.slack.channel(ch.id)
            if channel is not None and user_id in channel.members:
                found.append(Conversation(ch.id, ch.name, "channel"))
        found.append(Conversation(self.slack.im_channel_id(user_id), seed.BOT_NAME, "dm"))
        found.append(Conversation(HOME, "Home", "home"))
        return found

    def visible(self, user_id: str, conv: str) -> Conversation:
        """``conv`` if ``user_id`` can look at it."""
        for c in self.conversations(user_id):
            if c.id == conv:
                return c
        raise ApiError(403, "that conversation is not visible to this person")

    def _ctx(self, user_id: str) -> RenderContext:
        users = {seed.BOT_USER_ID: seed.BOT_NAME}
        users.update({p.id: p.real_name for p in seed.PEOPLE})
        channels = {c.id: c.name for c in seed.CHANNELS}
        return RenderContext(
            viewer_id=user_id, tz=self.person(user_id).tz, users=users, channels=channels
        )

    # ---------------------------------------------------------------- page data
    def state(self, user_id: str, conv: str) -> JsonDict:
        """What the page shows ``user_id`` looking at ``conv`` (a conversation id or ``home``)."""
        me = self.person(user_id)
        current = self.visible(user_id, conv)
        ctx = self._ctx(user_id)
        if current.kind == HOME:
            main = self._home_html(user_id, ctx)
        else:
            main = self._conversation_html(user_id, current, ctx)
            self._seen[(user_id, current.id)] = self._total(current, user_id)  # read now
        return {
            "now": self.clock().isoformat(),
            "now_text": _time_text(self.clock(), me.tz),
            "now_local": self.clock().astimezone(ZoneInfo(me.tz)).strftime("%Y-%m-%dT%H:%M"),
            "me": {"id": me.id, "name": me.real_name, "tz": me.tz},
            "people": [{"id": p.id, "name": p.real_name, "tz": p.tz} for p in seed.PEOPLE],
            "conversations": [
                {"id": c.id, "name": c.name, "kind": c.kind, "count": self._count(c, user_id)}
                for c in self.conversations(user_id)
            ],
            "conv": current.id,
            "kind": current.kind,
            "main": {"key": _key(main), "html": main},
            "modal": self._modal(user_id, ctx),
        }

    def _total(self, conv: Conversation, user_id: str) -> int:
        return len(self.slack.messages(conv.id)) + len(self.slack.ephemerals(conv.id, user_id))

    def _count(self, conv: Conversation, user_id: str) -> int:
        """Unread: what arrived in ``conv`` since ``user_id`` last looked at it."""
        if conv.kind == HOME:
            return 0
        return max(0, self._total(conv, user_id) - self._seen.get((user_id, conv.id), 0))

    def _home_html(self, user_id: str, ctx: RenderContext) -> str:
        view = self.slack.home_view(user_id)
        if view is None:
            return '<div class="sb-empty">The app has not published a Home tab for you yet.</div>'
        return view_html(view, ctx)

    def _conversation_html(self, user_id: str, conv: Conversation, ctx: RenderContext) -> str:
        messages = self.slack.messages(conv.id)
        ephemerals = self.slack.ephemerals(conv.id, user_id)
        replies: dict[str, list[Message | Ephemeral]] = {}
        top: list[Message | Ephemeral] = []
        for m in messages:
            if m.thread_ts and m.thread_ts != m.ts:
                replies.setdefault(m.thread_ts, []).append(m)
            else:
                top.append(m)
        parents = {m.ts for m in top}
        for e in ephemerals:  # an answer to a click in a thread shows in that thread, as in Slack
            if e.thread_ts and e.thread_ts in parents:
                replies.setdefault(e.thread_ts, []).append(e)
            else:
                top.append(e)
        top.sort(key=lambda item: float(item.ts))
        for in_thread in replies.values():
            in_thread.sort(key=lambda item: float(item.ts))

        def one(item: Message | Ephemeral, css: str = "") -> str:
            ephemeral = isinstance(item, Ephemeral)
            author = seed.BOT_NAME if ephemeral else ctx.users.get(item.user, item.user)
            flags = []
            if ephemeral:
                flags.append('<span class="sb-only-you">Only visible to you</span>')
            elif isinstance(item, Message) and item.edited:
                flags.append('<span class="sb-edited">(edited)</span>')
            files = item.files if isinstance(item, Message) else None
            body = message_html({"text": item.text, "blocks": item.blocks, "files": files}, ctx)
            return (
                f'<div class="sb-item{css}{" sb-ephemeral" if ephemeral else ""}"'
                f' data-channel="{_a(item.channel)}" data-ts="{_a(item.ts)}"'
                f' data-ephemeral="{"true" if ephemeral else "false"}">'
                f'<div class="sb-meta"><span class="sb-author">{html.escape(author)}</span>'
                f"{''.join(flags)}</div>{body}</div>"
            )

        parts: list[str] = []
        for item in top:
            parts.append(one(item))
            thread = replies.get(item.ts) if isinstance(item, Message) else None
            if thread:
                n = sum(isinstance(r, Message) for r in thread)  # an ephemeral is no reply
                parts.append(
                    '<div class="sb-thread"><div class="sb-thread-label">'
                    f"{n} repl{'y' if n == 1 else 'ies'}</div>"
                    + "".join(one(r, " sb-reply") for r in thread)
                    + "</div>"
                )
        if not parts:
            hint = (
                "Type <code>/als help</code> below."
                if conv.kind == "channel"
                else "Nothing from the bot yet."
            )
            return f'<div class="sb-empty">{hint}</div>'
        return "".join(parts)

    def _modal(self, user_id: str, ctx: RenderContext) -> JsonDict | None:
        views = self.slack.open_views(user_id)
        if not views:
            return None
        top = views[-1]
        errors = self.errors.of(user_id, top)
        # As Slack does, what was typed stays on screen: beside field errors, and when the app
        # redraws the modal with the same inputs (views.update keeps their state).
        top = with_typed(top, (top.get("state") or {}).get("values") or {})
        markup = view_html(top, ctx, errors=errors)
        return {
            "key": _key(f"{top['id']}:{top.get('hash')}:{json.dumps(errors)}"),
            "view_id": top["id"],
            "html": markup,
            "stack": [_plain(v.get("title")) for v in views],
        }


# ------------------------------------------------------------------------------ helpers
def _key(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _a(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _plain(text: Any) -> str:
    if isinstance(text, Mapping):
        return str(text.get("text") or "")
    return str(text or "")


def _time_text(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %Y, %H:%M} ({tz}) · {at.astimezone(UTC):%H:%M} UTC"


# ------------------------------------------------------------------------------ the page
def static_file(name: str) -> bytes:
    """One of the page's :data:`STATIC` files, as shipped in ``bot/sandbox/static/``."""
    return resources.files("bot.sandbox").joinpath("static", name).read_bytes()


def page() -> str:
    """The page shell; ``app.js`` fills it from ``/api/state``."""
    return """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>als-bot sandbox</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="sb-top">
  <span class="sb-brand">als-bot sandbox</span>
  <label class="sb-you">You are <select id="sb-person" aria-label="You are"></select></label>
  <form id="sb-time" class="sb-time">
    <span class="sb-clock" id="sb-now" title="The sandbox time">…</span>
    <input type="datetime-local" id="sb-at" aria-label="Sandbox time" required>
    <button type="submit" id="sb-go">Go</button>
    <button type="button" class="sb-step" data-minutes="60">+1 h</button>
    <button type="button" class="sb-step" data-minutes="1440">+1 day</button>
  </form>
</header>
<div class="sb-layout">
  <nav class="sb-sidebar" id="sb-sidebar" aria-label="Conversations"></nav>
  <main class="sb-main">
    <h1 class="sb-title" id="sb-title"></h1>
    <div class="sb-feed" id="sb-feed" aria-live="polite"></div>
    <form id="sb-composer" class="sb-composer">
      <input type="text" id="sb-text" autocomplete="off"
             placeholder="/als help, /als setup, /als topic … or a message">
      <button type="submit">Send</button>
    </form>
    <div class="sb-status" id="sb-status" role="status"></div>
  </main>
</div>
<div class="sb-overlay" id="sb-overlay" hidden></div>
</body>
</html>
"""
