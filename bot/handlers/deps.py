"""What listeners get from the composition root (through Bolt's context, by parameter name)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.sets import SetService
from bot.services.workspaces import WorkspaceService
from bot.slack.directory import SlackDirectory


@dataclass(frozen=True)
class Deps:
    clock: Clock
    sets: SetService
    workspaces: WorkspaceService
    directory: SlackDirectory
