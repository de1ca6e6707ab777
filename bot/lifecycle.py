"""Stopping cleanly on SIGTERM (what a container runtime, systemd or a deploy sends first).

- ``serve``: stop listening at once (new connections are refused, so a load balancer moves on);
  the requests in flight are answered and their work after the ack finishes; the scheduler of
  the process stops claiming; then the process exits. All within ``DRAIN_SECONDS`` (a runtime
  sends SIGKILL after its own grace: Docker's is 10 s, systemd's 90 s, Kubernetes' 30 s).
- ``scheduler`` and ``tick``: the send in flight finishes and is recorded, nothing more is
  claimed, and the send leases are given back, so another process sends the rest at once.
"""

from __future__ import annotations

import _thread
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.app import AlsBot

log = logging.getLogger("bot.cli")

#: The longest ``serve`` waits for its requests in flight after SIGTERM.
DRAIN_SECONDS = 8.0


def on_sigterm(then: Callable[[], None]) -> None:
    """Run ``then`` (in the main thread) on the first SIGTERM; later ones are ignored."""
    fired = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if not fired.is_set():
            fired.set()
            log.info("SIGTERM: finishing what is in flight, then stopping")
            then()

    signal.signal(signal.SIGTERM, handler)


def stop_scheduling(app: AlsBot, scheduler: BackgroundScheduler | None) -> None:
    """The passes claim nothing more; a pass running finishes its send and gives its leases
    back (``shutdown(wait=True)`` waits for it)."""
    app.ticker.stop()
    if scheduler is not None:
        scheduler.shutdown(wait=True)


def serve(
    app: AlsBot,
    scheduler: BackgroundScheduler | None,
    *,
    host: str,
    port: int,
    threads: int,
    drain_seconds: float = DRAIN_SECONDS,
) -> None:
    """``waitress`` until SIGTERM (or Ctrl-C), then a clean stop (see the module)."""
    import waitress
    from waitress.channel import HTTPChannel

    server: Any = waitress.create_server(
        app.wsgi(), host=host, port=port, threads=threads, ident="als-bot"
    )

    def busy() -> bool:
        dispatcher = server.task_dispatcher
        channels: Iterable[Any] = list(server._map.values())
        return (
            bool(dispatcher.active_count or dispatcher.queue)
            or any(
                isinstance(c, HTTPChannel) and (c.requests or c.total_outbufs_len) for c in channels
            )
            or not app.idle()
        )

    def drain() -> None:
        app.ticker.stop()
        deadline = time.monotonic() + drain_seconds
        while time.monotonic() < deadline and busy():
            time.sleep(0.05)
        if busy():
            log.warning("stopping with work still in flight after %.0f s", drain_seconds)
        _thread.interrupt_main()  # ends waitress's loop in the main thread

    def stop_listening() -> None:
        # In the main thread, maybe inside waitress's select(), which is retried with the same
        # descriptors after this handler: the socket stops listening (new connections are
        # refused) but stays open until the loop has ended.
        server.del_channel()
        server.socket.shutdown(socket.SHUT_RDWR)
        threading.Thread(target=drain, name="als-drain", daemon=True).start()

    on_sigterm(stop_listening)
    log.info("serving Slack on http://%s:%s/slack/events", host, port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.socket.close()
        stop_scheduling(app, scheduler)
        app.close()
    log.info("stopped")
