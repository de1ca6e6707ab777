"""outbox: notes about a message kept in place (the vote, the round), one pending and one in
flight per message

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PENDING = sa.text("ref_id IS NOT NULL AND status = 'pending'")
CLAIMED = sa.text("ref_id IS NOT NULL AND status = 'claimed'")

# als_vote_allocate (0007) again, now writing the vote message's outbox note when the click
# changes the turnout, in the click's own statement.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION als_vote_allocate(
    p_team text, p_vote integer, p_user text, p_topic integer, p_count integer,
    p_lock_ms integer, p_now timestamptz
) RETURNS TABLE (outcome text, turnout_changed boolean)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_status text;
    v_session integer;
    v_set integer;
    v_rules json;
    v_fixed boolean;
    v_channel text;
    m_left timestamptz;
    m_facilitator boolean;
    t_session integer;
    t_status text;
    t_author text;
    budget integer;
    cap integer;
    self_vote boolean;
    facilitator_votes boolean;
    total integer;
    cur integer;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_ms || 'ms', true);
    SELECT status, session_id, set_id, rules, rules_fixed, channel_id
      INTO v_status, v_session, v_set, v_rules, v_fixed, v_channel
      FROM agenda_votes WHERE team_id = p_team AND id = p_vote
       FOR SHARE;
    -- The first vote (rules not fixed yet) takes the vote row exclusively: Python path.
    IF NOT FOUND OR v_status <> 'open' OR NOT v_fixed OR p_count < 0 THEN
        RETURN QUERY SELECT 'refer'::text, false; RETURN;
    END IF;
    budget := (v_rules ->> 'budget')::integer;
    cap := (v_rules ->> 'cap')::integer;
    self_vote := (v_rules ->> 'self_vote')::boolean;
    facilitator_votes := (v_rules ->> 'facilitator_votes')::boolean;
    IF budget IS NULL OR cap IS NULL OR self_vote IS NULL OR facilitator_votes IS NULL THEN
        RETURN QUERY SELECT 'refer'::text, false; RETURN;
    END IF;
    SELECT left_at, is_facilitator INTO m_left, m_facilitator
      FROM memberships WHERE team_id = p_team AND set_id = v_set AND user_id = p_user
       FOR UPDATE;
    IF NOT FOUND OR m_left IS NOT NULL OR (m_facilitator AND NOT facilitator_votes) THEN
        RETURN QUERY SELECT 'refer'::text, false; RETURN;
    END IF;
    SELECT session_id, status, author_id INTO t_session, t_status, t_author
      FROM topics WHERE id = p_topic AND team_id = p_team;
    IF NOT FOUND OR t_session <> v_session OR t_status <> 'submitted' THEN
        RETURN QUERY SELECT 'refer'::text, false; RETURN;
    END IF;
    -- A statement of its own, after the lock: it sees the voter's previous click.
    SELECT coalesce(sum(count), 0), coalesce(sum(count) FILTER (WHERE topic_id = p_topic), 0)
      INTO total, cur
      FROM vote_allocations WHERE vote_id = p_vote AND voter_id = p_user;
    IF p_count > cur AND (
        (t_author = p_user AND NOT self_vote)
        OR p_count > cap
        OR total - cur + p_count > budget
    ) THEN
        RETURN QUERY SELECT 'refer'::text, false; RETURN;
    END IF;
    IF p_count <> cur THEN
        INSERT INTO vote_allocations (team_id, vote_id, voter_id, topic_id, count, updated_at)
        VALUES (p_team, p_vote, p_user, p_topic, p_count, p_now)
        ON CONFLICT (vote_id, voter_id, topic_id)
        DO UPDATE SET count = excluded.count, updated_at = excluded.updated_at;
    END IF;
    IF (total = 0) <> (total - cur + p_count = 0) THEN
        -- The vote's message shows the turnout: it owes the change (as services.announce.keep
        -- writes it: one note waiting per kept message; useful for Note.VOTE.useful_for).
        INSERT INTO outbox (team_id, set_id, kind, target, ref_id, send_after, useful_until,
                            status, attempts, ambiguous, created_at, updated_at)
        VALUES (p_team, v_set, 'vote', v_channel, p_vote, p_now, p_now + interval '30 days',
                'pending', 0, 0, p_now, p_now)
        ON CONFLICT (team_id, kind, ref_id) WHERE ref_id IS NOT NULL AND status = 'pending'
        DO NOTHING;
        RETURN QUERY SELECT 'ok'::text, true; RETURN;
    END IF;
    RETURN QUERY SELECT 'ok'::text, false;
END
$fn$
"""

PREVIOUS = "bot.storage.migrations.versions.0007_vote_allocate_function"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("ref_id", sa.Integer(), nullable=True))
    for name, where in (("ux_outbox_kept_pending", PENDING), ("ux_outbox_kept_claimed", CLAIMED)):
        op.create_index(
            name,
            "outbox",
            ["team_id", "kind", "ref_id"],
            unique=True,
            postgresql_where=where,
            sqlite_where=where,
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(importlib.import_module(PREVIOUS).FUNCTION)
    op.drop_index("ux_outbox_kept_claimed", table_name="outbox")
    op.drop_index("ux_outbox_kept_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("ref_id")
