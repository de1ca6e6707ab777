"""PostgreSQL: the usual agenda-vote click in one round trip (als_vote_allocate)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:30:00

A vote click is answered only once it is counted, so its transaction is on the ack's critical
path. On PostgreSQL the usual click (an active member of the set, an open vote whose rules are
fixed, a topic in it, a change the rules allow) is decided and written by this function in one
statement, with the locks ``AgendaService`` takes: the vote row ``FOR SHARE`` (closing it waits)
and the voter's membership ``FOR UPDATE`` (one voter's clicks are serialised). Each statement of
a PL/pgSQL function takes a fresh snapshot under READ COMMITTED, so the voter's totals are read
after the lock is held (a single SQL statement would still see the data of before its lock
wait). Anything else is answered ``refer`` with nothing written, and the service's Python path
decides it and words the answer: the function can only be stricter than the domain rules
(``bot.domain.agenda.allocation_problem``), never looser; ``tests/test_vote_fast_path.py``
checks that it agrees with them. SQLite has no such function (its writers are serialised
anyway, in the process).
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

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
    SELECT status, session_id, set_id, rules, rules_fixed
      INTO v_status, v_session, v_set, v_rules, v_fixed
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
    RETURN QUERY SELECT 'ok'::text, (total = 0) <> (total - cur + p_count = 0);
END
$fn$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS als_vote_allocate"
            "(text, integer, text, integer, integer, integer, timestamptz)"
        )
