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


def _every(
    scheduler: BackgroundScheduler,
    job_id: str,
    seconds: int,
    run: Callable[[], object],
    *,
    said: bool = False,
) -> None:
    """Run ``run`` every ``seconds``: coalesced, one at a time; a failed run is logged (its
    kind, no content) and the next one retries. ``said``: log what the run returns."""

    def safe() -> None:
        try:
            result = run()
            if said:
                log.info("%s", getattr(result, "line", lambda: result)())
        except Exception as exc:  # a failed pass must not kill the scheduler
            log.error("%s failed: %s", job_id, type(exc).__name__)

    scheduler.add_job(
        safe,
        IntervalTrigger(seconds=seconds),
        id=job_id,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=seconds,
        replace_existing=True,
    )


def start_scheduler(
    tick: Callable[[], object],
    *,
    seconds: int = 60,
    live: Callable[[], object] | None = None,
    live_seconds: int = LIVE_SECONDS,
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _every(scheduler, "als-tick", seconds, tick, said=True)
    if live is not None:
        _every(scheduler, "als-live", live_seconds, live)
    scheduler.start()
    return scheduler
