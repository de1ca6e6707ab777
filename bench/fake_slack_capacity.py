"""How many ``chat.postMessage`` calls a second the fake Slack can take on this machine.

The reminder fan-out's aim at 1,000 workspaces (issue 20: 95% of each workspace's own
rate-limit bound, all at once) asks for about 9,600 messages a second. This measures the most
the fake Slack itself answers, flat out, with no app in front of it: ``--threads`` senders
post ``--calls`` messages in all through slack_sdk's ``WebClient`` (as the app's sender does: a
new HTTP connection a call), no rate limit. Prints calls a second, and the CPU a call of the
fake's process (this one: the fake's server threads and the senders).

    .venv/bin/python bench/fake_slack_capacity.py --threads 8 --calls 4000
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk import WebClient

from bot.fakeslack.server import FakeSlack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--calls", type=int, default=4000)
    args = parser.parse_args()
    slack = FakeSlack().start()
    try:
        slack.add_user("U0CAPACITY", "member")
        per_thread = args.calls // args.threads
        errors: list[str] = []

        def send() -> None:
            client = WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])
            for i in range(per_thread):
                try:
                    client.chat_postMessage(channel="U0CAPACITY", text=f"message {i}")
                except Exception as exc:  # counted, not raised: the rate is what is measured
                    errors.append(type(exc).__name__)

        threads = [threading.Thread(target=send) for _ in range(args.threads)]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        done = per_thread * args.threads - len(errors)
        print(
            f"{done} calls in {wall:.1f} s: {done / wall:.0f} calls/s, "
            f"{cpu / max(done, 1) * 1000:.2f} ms CPU a call (fake and senders), "
            f"{len(errors)} errors"
        )
    finally:
        slack.stop()


if __name__ == "__main__":
    main()
