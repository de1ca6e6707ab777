"""The set's retention setting in the set-up form's "More settings" (``bot.domain.retention``)."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, Option, PlainTextObject, RadioButtonsElement

from bot.domain.retention import DEFAULT_RETENTION_DAYS, RETENTION_CHOICES, retention_choice
from bot.ids import SetupField as F


def retention_block(days: int | None) -> InputBlock:
    """One choice among 30, 90 and 365 days after the last session, or keeping them."""
    options = [
        Option(
            text=PlainTextObject(text=f"{n} days after the last session" if n else "Keep them"),
            value=retention_choice(n),
        )
        for n in RETENTION_CHOICES
    ]
    chosen = days if days in RETENTION_CHOICES else DEFAULT_RETENTION_DAYS
    return InputBlock(
        block_id=F.RETENTION,
        label="Members' texts (topics, notes, reports, log) are cleared",
        element=RadioButtonsElement(
            action_id=F.RETENTION.action_id,
            options=options,
            initial_option=options[RETENTION_CHOICES.index(chosen)],
        ),
    )
