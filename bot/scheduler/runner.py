"""In-process scheduler: fires a tick every minute and, with ``live``, the live pass every few
seconds (live sessions whose stage's time is up; within 10 s of it). In-memory job store,
coalesced, one run of each job at a time. Nothing is stored in APScheduler: the database is
the source of truth."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("bot.scheduler")


#: How often the live pass runs: a stage change reaches Slack within this, plus its calls.
LIVE_SECONDS = 5


def start_scheduler(
    tick: Callable[[], object],
    *,
    seconds: int = 60,
    live: Callable[[], object] | None = None,
    live_seconds: int = LIVE_SECONDS,
) -> BackgroundScheduler:
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
    if live is not None:

        def safe_live() -> None:
            try:
                live()
            except Exception as exc:  # the next pass retries
                log.error("live pass failed: %s", type(exc).__name__)

        scheduler.add_job(
            safe_live,
            IntervalTrigger(seconds=live_seconds),
            id="als-live",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=live_seconds,
            replace_existing=True,
        )
    scheduler.start()
    return scheduler
