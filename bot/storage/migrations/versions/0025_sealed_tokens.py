"""sealed tokens: the distributed app's Slack tokens (slack_sdk's installation store tables)
become text, so that a token sealed by ``bot.storage.crypto`` fits (a rotating token sealed is
about 300 characters; slack_sdk made them 200). Tokens stored in clear stay readable;
``als-bot rotate-keys`` seals them.

The downgrade narrows them back to 200 characters: on PostgreSQL it fails while a sealed value
is longer (uninstall, or store the tokens in clear, first).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_BOT = ("bot_token", "bot_refresh_token")
_WIDENED = (
    ("slack_bots", _BOT),
    ("slack_installations", (*_BOT, "user_token", "user_refresh_token", "incoming_webhook_url")),
)


def upgrade() -> None:
    for table, columns in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=200),
                    type_=sa.Text(),
                    existing_nullable=True,
                )


def downgrade() -> None:
    for table, columns in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length=200),
                    existing_nullable=True,
                )
