"""Small shared pieces for Block Kit builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)


@dataclass(frozen=True)
class Message:
    """A message ready for ``chat.postMessage``/``chat.update``/``respond``: fallback text (shown
    in notifications) and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the Web API (no ``blocks`` for a text-only message)."""
        return {"text": self.text, "blocks": self.blocks} if self.blocks else {"text": self.text}


def render(blocks: list[Block]) -> list[dict[str, Any]]:
    """Validate (``slack_sdk`` checks its known limits) and turn blocks into dicts."""
    out = []
    for block in blocks:
        block.validate_json()
        out.append(block.to_dict())
    return out


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, 150), emoji=True))


def md(text: str, *, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)), block_id=block_id)


def plain(text: str) -> SectionBlock:
    return SectionBlock(text=PlainTextObject(text=clip(text, 3000), emoji=False))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, 2000))])


def as_plain_text(mrkdwn: str) -> str:
    """A mrkdwn message for places that show plain text only (modal field errors)."""
    import re

    text = re.sub(r"<@(\w+)>", "the person named", mrkdwn)
    text = text.replace("*", "").replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def number_field(
    block_id: str,
    action_id: str,
    label: str,
    low: int,
    high: int,
    value: int | None,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    """A whole-number input between ``low`` and ``high``."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=NumberInputElement(
            action_id=action_id,
            is_decimal_allowed=False,
            min_value=str(low),
            max_value=str(high),
            initial_value=None if value is None else str(value),
        ),
    )


def text_field(
    block_id: str,
    action_id: str,
    label: str,
    *,
    max_length: int,
    initial: str | None = None,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    """A plain-text input (user text is never parsed as mrkdwn)."""
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=action_id,
            max_length=max_length,
            multiline=multiline,
            initial_value=initial or None,
            placeholder=placeholder,
        ),
    )


def simple(text: str) -> Message:
    """A one-section message (ephemeral answers and the like). ``text`` is mrkdwn."""
    return Message(text=text, blocks=render([md(text)]))
