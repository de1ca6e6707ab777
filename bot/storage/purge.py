"""Deleting a workspace's data: every table, each row scoped by its team id (tenancy)."""

from __future__ import annotations

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from bot.storage import queries as q
from bot.storage.installations import SLACK_TABLES
from bot.storage.models import Base


def team_tables() -> list[Table]:
    """Every table with rows of a workspace, children before parents."""
    tables = [*reversed(Base.metadata.sorted_tables), *SLACK_TABLES.sorted_tables]
    return [t for t in tables if "team_id" in t.c]


def delete_team(session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of ``team_id``; how many went, by table (tables with none left out)."""
    counts: dict[str, int] = {}
    for table in team_tables():
        gone = q.rowcount(session.execute(delete(table).where(table.c.team_id == team_id)))
        if gone:
            counts[table.name] = gone
    return counts
