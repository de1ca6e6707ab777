"""Actions: ``/als actions`` (and ``add``), the "Commit actions" button and modal, and editing
or dropping an action from one's list."""

from __future__ import annotations

from typing import Any

from bot.blocks.actions import (
    ActionMeta,
    CommitMeta,
    actions_list,
    commit_modal,
    edit_modal,
    parse_commit,
    parse_edit,
)
from bot.blocks.help import usage
from bot.domain.actions import action_field
from bot.handlers.kit import Kit, Request
from bot.ids import ActionId, CallbackId, Sub
from bot.services.views import CommitOutcome


def list_actions(r: Request, words: list[str]) -> None:
    r.answer(actions_list(r.deps.actions.listing(r.team_id, r.user_id)))


def add_actions(r: Request, words: list[str]) -> None:
    r.open_modal(commit_modal(r.deps.actions.start_add(r.team_id, r.user_id, r.channel_id)))


def actions_usage(r: Request, words: list[str]) -> None:
    r.answer(usage(Sub.ACTIONS))


def commit(r: Request, topic_id: int) -> None:
    """A presenter's "Commit actions", on the confirmed agenda."""
    r.open_modal(commit_modal(r.deps.actions.start_for_topic(r.team_id, r.user_id, topic_id)))


def edit(r: Request, action_id: int) -> None:
    r.open_modal(edit_modal(r.deps.actions.action(r.team_id, r.user_id, action_id)))


def drop(r: Request, action_id: int) -> None:
    dropped = r.deps.actions.drop(r.team_id, r.user_id, action_id)
    if r.can_replace():  # the list it was clicked in, redrawn
        r.replace(actions_list(list(dropped.open_actions)))
    r.out.commitment(dropped.commitment)
    r.out.homes(r.team_id, [r.user_id])


def save_commitment(r: Request, meta: CommitMeta, view: dict[str, Any]) -> CommitOutcome:
    return r.deps.actions.save(
        r.team_id,
        r.user_id,
        set_id=meta.set_id,
        session_id=meta.session_id,
        topic_id=meta.topic_id,
        form=parse_commit(view),
        view_id=view.get("id"),
    )


def committed(r: Request, outcome: CommitOutcome) -> None:
    if outcome.repeated:
        return
    r.out.commitment(outcome)
    r.out.homes(r.team_id, [r.user_id])


def save_edit(r: Request, meta: ActionMeta, view: dict[str, Any]) -> CommitOutcome:
    return r.deps.actions.edit(r.team_id, r.user_id, meta.action_id, parse_edit(view))


def edited(r: Request, outcome: CommitOutcome) -> None:
    r.out.commitment(outcome)
    r.out.homes(r.team_id, [r.user_id])


def register(kit: Kit) -> None:
    kit.subcommand(Sub.ACTIONS)(list_actions)
    kit.subcommand(Sub.ACTIONS, "add")(add_actions)
    kit.subcommand(Sub.ACTIONS, "*")(actions_usage)
    kit.button(ActionId.COMMIT_OPEN)(commit)
    kit.button(ActionId.ACTION_EDIT)(edit)
    kit.button(ActionId.ACTION_DROP)(drop)
    first = action_field(0)
    kit.submission(CallbackId.COMMIT, CommitMeta, save=save_commitment, then=committed, field=first)
    kit.submission(CallbackId.EDIT_ACTION, ActionMeta, save=save_edit, then=edited, field=first)
