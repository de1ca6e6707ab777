"""What listeners get from the composition root (through Bolt's context, by parameter name)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.actions import ActionService
from bot.services.agenda import AgendaService
from bot.services.calendar import CalendarService
from bot.services.home import HomeService
from bot.services.learning import LearningLogService
from bot.services.sets import SetService
from bot.services.topics import TopicService
from bot.services.workspaces import WorkspaceService
from bot.slack.directory import SlackDirectory
from bot.slack.home import HomePublisher


@dataclass(frozen=True)
class Deps:
    clock: Clock
    sets: SetService
    topics: TopicService
    agenda: AgendaService
    workspaces: WorkspaceService
    directory: SlackDirectory
    actions: ActionService
    learning: LearningLogService
    home: HomeService
    publisher: HomePublisher
    calendar: CalendarService
