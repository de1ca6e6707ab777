"""``/als export`` (every record about oneself, as JSON and CSV in one's DM) and ``/als export
actions`` (the set's shared actions, private ones counted)."""

from __future__ import annotations

from bot.blocks.exports import my_export_files, shared_actions_csv
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
        r.answer("You have nothing to export: there is no record of you in this workspace's sets.")
        return
    sent = all(r.out.upload(r.user_id, *file) for file in my_export_files(mine))
    r.answer(
        "Your data is in your DM with me, as a JSON file and a CSV file."
        if sent
        else "Slack did not take your export file, so your export did not arrive."
        " Please try `/als export` again in a minute."
    )


def register(kit: Kit) -> None:
    kit.subcommand(Sub.EXPORT)(export)
