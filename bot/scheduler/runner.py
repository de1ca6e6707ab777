"""In-process scheduler: fires a tick every minute (in-memory job store, coalesced, one at a
time). Nothing is stored in APScheduler: the database is the source of truth."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("bot.scheduler")


def start_scheduler(tick: Callable[[], object], *, seconds: int = 60) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")

    def safe_tick() -> None:
        try:
            result = tick()
            log.info("%s", getattr(result, "line", lambda: result)())
        except Exception as exc:  # a failed pass must not kill the scheduler; next one retries
            log.error("tick failed: %s", type(exc).__name__)

    scheduler.add_job(
        safe_tick,
        IntervalTrigger(seconds=seconds),
        id="als-tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=seconds,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
