"""``/als export`` (one's own things, as CSV in one's DM) and ``/als export actions`` (the set's
shared actions, private ones counted)."""

from __future__ import annotations

from bot.blocks.exports import my_export_csv, shared_actions_csv
from bot.handlers.kit import Kit, Request
from bot.ids import Sub


def export(r: Request, words: list[str]) -> None:
    if words[1:2] == ["actions"]:
        shared_export(r)
    else:
        own_export(r)


def shared_export(r: Request) -> None:
    shared = r.deps.exports.shared_actions(r.team_id, r.user_id, r.channel_id)
    r.out.upload(
        r.user_id,
        "shared-actions.csv",
        shared_actions_csv(shared),
        f"Shared actions of {shared.set_name}",
        "The set's shared actions; private ones are counted, never listed.",
    )
    r.answer("The set's shared actions are in your DM with me, as a CSV file.")


def own_export(r: Request) -> None:
    mine = r.deps.exports.mine(r.team_id, r.user_id)
    if mine.empty:
        r.answer("You have nothing to export yet: no actions, reports, goal or log entries.")
        return
    r.out.upload(
        r.user_id,
        "my-action-learning.csv",
        my_export_csv(mine),
        "Your actions, reports, goals and log",
        "Everything of yours, and nothing of anyone else's.",
    )
    r.answer("Your export is in your DM with me, as a CSV file.")


def register(kit: Kit) -> None:
    kit.subcommand(Sub.EXPORT)(export)
