"""``als-bot keygen`` and ``als-bot rotate-keys``: the keys that seal members' text at rest.

Rotating: put the new key first in ``ALS_ENCRYPTION_KEYS`` and keep the old one after it,
restart the processes (they seal with the new key and open with both), run ``rotate-keys``
(the bot keeps serving; a run cut short is run again), check with ``rotate-keys --check``, then
remove the old key.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bot.cli_common import UsageError, open_database
from bot.config import Settings


def add_parsers(sub: Any) -> None:
    sub.add_parser("keygen", help="print a new key for ALS_ENCRYPTION_KEYS")
    rotate = sub.add_parser(
        "rotate-keys",
        help="seal members' text with the first key of ALS_ENCRYPTION_KEYS (while the bot serves)",
    )
    rotate.add_argument("--batch", type=int, default=200, help="rows per transaction (default 200)")
    rotate.add_argument(
        "--duty",
        type=float,
        default=0.3,
        help="share of the time spent rotating; the rest is left to the bot (default 0.3)",
    )
    rotate.add_argument(
        "--check",
        action="store_true",
        help="change nothing: count the values by the key that sealed them",
    )


def cmd_keygen(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.crypto import new_key

    print(new_key())
    return 0


def cmd_rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import rekey
    from bot.storage.migrate import pending

    keyring = settings.keyring
    if keyring is None:
        raise UsageError("ALS_ENCRYPTION_KEYS is not set: there is no key to seal with")
    if args.batch < 1:
        raise UsageError(f"--batch must be 1 or more (not {args.batch})")
    if not 0.05 <= args.duty <= 1.0:
        raise UsageError(f"--duty must be between 0.05 and 1 (not {args.duty})")
    from bot.storage.crypto import KeyProblem

    db = open_database(settings, migrate=False, probe=False)
    try:
        if pending(db.engine):
            raise UsageError("the database schema is not up to date: run `als-bot migrate` first")
        if not args.check:
            started = time.monotonic()
            done = rekey.rotate(db, keyring, batch=args.batch, progress=_progress, duty=args.duty)
            print(
                f"rotate-keys: {done.resealed} value(s) sealed again and {done.sealed} sealed "
                f"for the first time, with key {keyring.current}, in "
                f"{time.monotonic() - started:.1f} s"
                + (
                    f"; {done.raced} row(s) edited meanwhile were left as edited"
                    if done.raced
                    else ""
                ),
                flush=True,
            )
        return _report(rekey.check(db), keyring.ids)
    except KeyProblem as exc:  # a value no key here opens: say which key, nothing of the value
        raise UsageError(f"rotate-keys stopped: {exc}") from None
    finally:
        db.dispose()


def _progress(table: str, done: int, total: int) -> None:
    print(f"rotate-keys: {table}: {done} of {total} row(s)", flush=True)


def _report(counts: dict[str, int], ring: list[str]) -> int:
    """One line per key; exit status 1 when a value is not sealed with the current key."""
    from bot.storage.rekey import CLEAR

    current = ring[0]
    for kid, n in sorted(counts.items()):
        if kid == CLEAR:
            what = "in clear"
        elif kid == current:
            what = f"sealed with {kid}, the current key"
        elif kid in ring:
            what = f"sealed with {kid}, an older key still in ALS_ENCRYPTION_KEYS"
        else:
            what = f"sealed with {kid}, a key NOT in ALS_ENCRYPTION_KEYS: they cannot be read"
        print(f"rotate-keys --check: {n} value(s) {what}")
    others = {k: n for k, n in counts.items() if k != current}
    if not others:
        print(f"rotate-keys --check: every value is sealed with the current key {current}")
        return 0
    print(
        f"rotate-keys --check: {sum(others.values())} value(s) not sealed with the current key "
        f"{current}: run `als-bot rotate-keys`"
        + (
            ""
            if all(k == CLEAR or k in ring for k in others)
            else ", with the missing key put back"
        ),
        file=sys.stderr,
    )
    return 1


COMMANDS = {"keygen": cmd_keygen, "rotate-keys": cmd_rotate_keys}
NEEDS = {
    "keygen": (),
    "rotate-keys": ("DATABASE_URL", "ALS_ENCRYPTION_KEYS", "ALS_ENCRYPTION"),
}
