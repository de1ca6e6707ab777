"""Directory and conversation state held by :class:`~bot.fakeslack.server.FakeSlack`.

These are plain dataclasses.  The fake server owns instances of them and hands
out *copies* to callers, so reading them never races with the server thread.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "Call",
    "Ephemeral",
    "FakeChannel",
    "FakeUser",
    "Message",
    "ResponseUrlPost",
    "tz_label_for",
    "tz_offset_for",
]

# Slack shows long zone names ("British Summer Time"); zoneinfo only knows the
# abbreviations, so map the common ones and fall back to the abbreviation.
_TZ_LABELS: dict[str, str] = {
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "IST": "Irish Standard Time",
    "UTC": "Coordinated Universal Time",
    "WET": "Western European Time",
    "WEST": "Western European Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
    "JST": "Japan Standard Time",
}


def _aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now


def tz_offset_for(tz: str, now: datetime | None = None) -> int:
    """Return the UTC offset of IANA zone ``tz`` at ``now`` in seconds (Slack's ``tz_offset``)."""
    offset = _aware_now(now).astimezone(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def tz_label_for(tz: str, now: datetime | None = None) -> str:
    """Return a Slack-style human label (``tz_label``) for IANA zone ``tz`` at ``now``."""
    abbr = _aware_now(now).astimezone(ZoneInfo(tz)).tzname() or tz
    return _TZ_LABELS.get(abbr, abbr)


@dataclass
class FakeUser:
    """A workspace member as returned by ``users.info``.

    ``tz`` must be an IANA zone name; ``tz_offset``/``tz_label`` are derived
    from it for the current instant (so they follow daylight-saving changes).
    """

    id: str
    name: str
    real_name: str | None = None
    display_name: str = ""
    tz: str = "Europe/London"
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    is_owner: bool = False
    email: str | None = None
    team_id: str = ""

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)  # fail fast on a bad zone name
        if self.real_name is None:
            self.real_name = self.name

    @property
    def tz_offset(self) -> int:
        """UTC offset in seconds for "now"."""
        return tz_offset_for(self.tz)

    @property
    def tz_label(self) -> str:
        """Human-readable zone label for "now" (e.g. "British Summer Time")."""
        return tz_label_for(self.tz)

    def to_api(self, now: datetime | None = None) -> dict[str, Any]:
        """Render the user object exactly as ``users.info`` returns it."""
        real_name = self.real_name or self.name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": self.team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": tz_label_for(self.tz, now),
            "tz_offset": tz_offset_for(self.tz, now),
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }


@dataclass
class FakeChannel:
    """A conversation: public/private channel, IM (``is_im``) or group DM (``is_mpim``).

    ``members`` is the set of user ids in the conversation; the bot is a member
    when its user id is in the set.  For IMs ``user`` is the other party.
    """

    id: str
    name: str
    is_private: bool = True
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    user: str | None = None
    created: int = 1700000000

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        """Render the conversation object as ``conversations.info`` returns it."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        is_channel = not self.is_private and not self.is_mpim
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": is_channel,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_mpim,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": bot_user_id in self.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class Message:
    """A message in a conversation (its current content after any ``chat.update``)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    user: str
    bot_id: str | None = None
    app_id: str | None = None
    team: str | None = None
    thread_ts: str | None = None
    edited: bool = False
    edited_ts: str | None = None
    deleted: bool = False
    metadata: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] | None = None
    files: list[dict[str, Any]] | None = None  # shared by files.completeUploadExternal

    def to_api(self) -> dict[str, Any]:
        """Render as the ``message`` object Slack returns / puts into payloads."""
        out: dict[str, Any] = {"user": self.user, "type": "message", "ts": self.ts}
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.app_id:
            out["app_id"] = self.app_id
        out["text"] = self.text
        if self.team:
            out["team"] = self.team
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments is not None:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.files is not None:
            out["files"] = copy.deepcopy(self.files)
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.metadata is not None:
            out["metadata"] = copy.deepcopy(self.metadata)
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.edited_ts}
        return out


@dataclass
class Ephemeral:
    """An ephemeral message shown to one ``user`` in ``channel``.

    ``source`` is ``"chat.postEphemeral"`` or ``"response_url"``.  ``ts`` is the
    ``message_ts`` Slack reports; it can be clicked via the driver.
    """

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    source: str
    thread_ts: str | None = None
    deleted: bool = False

    def to_api(self, bot_user_id: str, bot_id: str) -> dict[str, Any]:
        """Render as a message object (used in payloads' ``message`` field)."""
        out: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "user": bot_user_id,
            "bot_id": bot_id,
            "ts": self.ts,
            "text": self.text,
        }
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        return out


@dataclass
class ResponseUrlPost:
    """One POST the app made to a ``response_url`` issued by the fake."""

    url: str
    body: dict[str, Any]
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    accepted: bool
    timestamp: float


@dataclass
class Call:
    """One recorded request to the fake.

    ``method`` is the Web API method name (``"chat.postMessage"``) or
    ``"response_url"`` for POSTs to a response URL.  ``args`` are the parsed
    arguments (``blocks``/``view``/``attachments`` already JSON-decoded; the
    token is not included).  ``response`` is the JSON body that was returned
    (``{"ok": false, "raw_body": text}`` for an injected non-JSON body).
    ``status`` is the HTTP status; 0 means no answer was sent (the request
    was dropped by a hold, or the fake stopped while holding it).
    """

    method: str
    args: dict[str, Any]
    response: dict[str, Any]
    timestamp: float
    status: int = 200
    path: str = ""

    @property
    def answered(self) -> bool:
        """False when the connection was closed without an HTTP answer (``status == 0``)."""
        return self.status != 0

    @property
    def ok(self) -> bool:
        """True when the response body had ``"ok": true``."""
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The ``error`` string of a failed call, else None."""
        err = self.response.get("error")
        return str(err) if err is not None else None
