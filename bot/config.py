"""Settings, read once from the environment and a ``.env`` file in the working directory.

The real environment wins over ``.env``. Each command asks only for the settings it needs
(``serve`` needs the signing secret, ``tick`` does not); a missing or malformed value raises
:class:`ConfigError`, which the CLI turns into one line on stderr and exit status 2.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.slack.pacing import SENDERS

if TYPE_CHECKING:
    from bot.storage.crypto import Keyring

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DB_FILE = "als-bot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed. ``str(error)`` is the one line shown to the operator."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        self.variable = variable
        self.problem = f"{variable} {problem}: {fix}"
        super().__init__(f"{self.problem} (see .env.example)")


class ConfigErrors(ConfigError):
    """Several settings are missing or malformed: all of them, in one line."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        self.variable = ", ".join(e.variable for e in errors)
        self.problem = "; ".join(e.problem for e in errors)
        Exception.__init__(self, f"{self.problem} (see .env.example)")


#: The settings (environment variables) and the ``Settings`` property that validates each.
_PROPERTIES = {
    "SLACK_BOT_TOKEN": "bot_token",
    "SLACK_SIGNING_SECRET": "signing_secret",
    "SLACK_APP_TOKEN": "app_token",
    "SLACK_API_URL": "api_url",
    "DATABASE_URL": "database_url",
    "LOG_LEVEL": "log_level",
    "PUBLIC_URL": "public_url",
    "SLACK_CLIENT_ID": "client_id",
    "SLACK_CLIENT_SECRET": "client_secret",
    "ALS_UNINSTALL_GRACE_DAYS": "grace_days",
    "ALS_SCHEDULER_SENDERS": "scheduler_senders",
    "ALS_LOG_FORMAT": "log_format",
    "ALS_METRICS_TOKEN": "metrics_token",
    "ALS_ENCRYPTION_KEYS": "encryption_keys",
    "ALS_ENCRYPTION": "keyring",  # with the keys: PostgreSQL needs a key unless it is off
}
#: The settings of each mode that ``require_mode`` checks (all problems in one line).
SINGLE_WORKSPACE = ("SLACK_BOT_TOKEN",)
DISTRIBUTED = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PUBLIC_URL")


def read_environment(
    cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Merge ``.env`` (if present in ``cwd``) under the real environment."""
    env_file = (cwd or Path.cwd()) / ".env"
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


@dataclass(frozen=True)
class Settings:
    """Raw values; use the ``require_*`` accessors, which validate."""

    values: Mapping[str, str]
    cwd: Path

    @classmethod
    def load(cls, cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        cwd = cwd or Path.cwd()
        return cls(values=read_environment(cwd, environ), cwd=cwd)

    def check(self, *names: str) -> None:
        """Validate these settings together: every problem is named in one run (one line)."""
        errors: list[ConfigError] = []
        for name in names:
            try:
                getattr(self, _PROPERTIES[name])
            except ConfigError as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ConfigErrors(errors)

    def _get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()

    @property
    def bot_token(self) -> str:
        value = self._get("SLACK_BOT_TOKEN")
        if not value:
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                "is not set",
                "put the Bot User OAuth Token (xoxb-...) from your Slack app's "
                "'OAuth & Permissions' page in .env",
            )
        if not value.startswith("xoxb-"):
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                "is not a bot token",
                "it must start with xoxb- (the Bot User OAuth Token, not a user or app token)",
            )
        return value

    # -- the two modes ---------------------------------------------------------------------
    @property
    def distributed(self) -> bool:
        """Distributed-app mode (any workspace installs it through Slack's OAuth flow): set
        by ``SLACK_CLIENT_ID`` or ``SLACK_CLIENT_SECRET``; otherwise one workspace, whose bot
        token is ``SLACK_BOT_TOKEN``."""
        return bool(self._get("SLACK_CLIENT_ID") or self._get("SLACK_CLIENT_SECRET"))

    def mode_settings(self) -> tuple[str, ...]:
        """The settings the chosen mode needs."""
        return DISTRIBUTED if self.distributed else SINGLE_WORKSPACE

    def require_mode(self) -> None:
        """The settings of the chosen mode are all there and well formed (one line if not)."""
        if not self.distributed:
            self.check(*SINGLE_WORKSPACE)
            return
        if self._get("SLACK_BOT_TOKEN"):
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                "is set with SLACK_CLIENT_ID",
                "choose one mode: SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET for a distributed app (tokens come from each install)",
            )
        self.check(*DISTRIBUTED)
        if self.public_url is None:
            raise ConfigError(
                "PUBLIC_URL",
                "is not set",
                "a distributed app needs the address Slack sends installers back to, e.g. "
                "https://als.example.org (its redirect URL is PUBLIC_URL/slack/oauth_redirect)",
            )

    @property
    def client_id(self) -> str:
        value = self._get("SLACK_CLIENT_ID")
        if not value:
            raise ConfigError(
                "SLACK_CLIENT_ID",
                "is not set",
                "put the Client ID from your Slack app's 'Basic Information' page in .env",
            )
        if not re.fullmatch(r"[0-9]+\.[0-9]+", value):
            raise ConfigError(
                "SLACK_CLIENT_ID",
                "is not a client id",
                "it looks like 1234567890.1234567890 ('Basic Information', App Credentials)",
            )
        return value

    @property
    def client_secret(self) -> str:
        value = self._get("SLACK_CLIENT_SECRET")
        if not value:
            raise ConfigError(
                "SLACK_CLIENT_SECRET",
                "is not set",
                "put the Client Secret from your Slack app's 'Basic Information' page in .env",
            )
        if re.search(r"\s", value):
            raise ConfigError(
                "SLACK_CLIENT_SECRET", "contains spaces", "paste the Client Secret exactly"
            )
        return value

    @property
    def grace_days(self) -> int:
        """How many days an uninstalled workspace's data is kept (a reinstall resumes)."""
        value = self._get("ALS_UNINSTALL_GRACE_DAYS") or "30"
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 3650:
            raise ConfigError(
                "ALS_UNINSTALL_GRACE_DAYS",
                f"is not a number of days ({value!r})",
                "give a whole number from 1 to 3650 (default 30)",
            )
        return int(value)

    @property
    def scheduler_senders(self) -> int:
        """Threads a scheduler pass sends reminders with, each for other workspaces."""
        value = self._get("ALS_SCHEDULER_SENDERS") or str(SENDERS)
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 32:
            raise ConfigError(
                "ALS_SCHEDULER_SENDERS",
                f"is not a number of senders ({value!r})",
                f"give a whole number from 1 to 32 (default {SENDERS})",
            )
        return int(value)

    @property
    def signing_secret(self) -> str:
        value = self._get("SLACK_SIGNING_SECRET")
        if not value:
            raise ConfigError(
                "SLACK_SIGNING_SECRET",
                "is not set",
                "put the Signing Secret from your Slack app's 'Basic Information' page in .env",
            )
        if re.search(r"\s", value):
            raise ConfigError(
                "SLACK_SIGNING_SECRET", "contains spaces", "paste the Signing Secret exactly"
            )
        return value

    @property
    def app_token(self) -> str:
        value = self._get("SLACK_APP_TOKEN")
        if not value:
            raise ConfigError(
                "SLACK_APP_TOKEN",
                "is not set",
                "Socket Mode needs an app-level token (xapp-...) with the connections:write "
                "scope, from your Slack app's 'Basic Information' page, in .env",
            )
        if not value.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN", "is not an app-level token", "it must start with xapp-"
            )
        return value

    @property
    def api_url(self) -> str:
        value = self._get("SLACK_API_URL") or DEFAULT_API_URL
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                "SLACK_API_URL",
                f"is not an http(s) URL ({value!r})",
                f"leave it unset for {DEFAULT_API_URL} or give a full URL",
            )
        return value if value.endswith("/") else value + "/"

    @property
    def database_url(self) -> str:
        value = self._get("DATABASE_URL")
        if not value:
            return f"sqlite:///{(self.cwd / DEFAULT_DB_FILE).resolve()}"
        try:
            url = make_url(value)
        except ArgumentError:
            raise ConfigError(
                "DATABASE_URL",
                "is not a database URL",
                "use sqlite:///path/to/als-bot.db or postgresql+psycopg://user@host/dbname",
            ) from None
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ConfigError(
                "DATABASE_URL",
                f"names an unsupported database ({backend})",
                "use sqlite:///... or postgresql+psycopg://...",
            )
        if backend == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    @property
    def public_url(self) -> str | None:
        """Where ``serve`` is reached from outside (the members' calendar feed links)."""
        value = self._get("PUBLIC_URL")
        if not value:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                "PUBLIC_URL",
                f"is not an http(s) URL ({value!r})",
                "give the address Slack reaches serve at, e.g. https://als.example.org",
            )
        return value.rstrip("/")

    @property
    def log_format(self) -> str:
        """``text`` (default) or ``json``: one JSON object per line, for a log collector."""
        value = (self._get("ALS_LOG_FORMAT") or "text").lower()
        if value not in ("text", "json"):
            raise ConfigError(
                "ALS_LOG_FORMAT", f"is not a log format ({value!r})", "use text or json"
            )
        return value

    @property
    def metrics_token(self) -> str | None:
        """When set, ``GET /metrics`` asks for ``Authorization: Bearer <token>``."""
        value = self._get("ALS_METRICS_TOKEN")
        if not value:
            return None
        if not value.isascii() or not value.isprintable() or " " in value:
            raise ConfigError(
                "ALS_METRICS_TOKEN",
                "is not a token",
                "use printable ASCII without spaces, e.g. the output of `openssl rand -hex 32`",
            )
        return value

    @property
    def encryption(self) -> bool:
        """``off`` stores members' text in clear (a choice to make explicitly)."""
        value = (self._get("ALS_ENCRYPTION") or "on").lower()
        if value not in ("on", "off"):
            raise ConfigError("ALS_ENCRYPTION", f"is not on or off ({value!r})", "use on or off")
        return value == "on"

    @property
    def encryption_keys(self) -> list[str]:
        """The keys that seal members' text (``bot.storage.crypto``): the first seals, all
        open."""
        from bot.storage.crypto import KeyProblem, Keyring

        keys = [k.strip() for k in self._get("ALS_ENCRYPTION_KEYS").split(",") if k.strip()]
        for n, key in enumerate(keys, start=1):
            try:
                Keyring([key])
            except KeyProblem:
                raise ConfigError(
                    "ALS_ENCRYPTION_KEYS",
                    f"holds a key that is not valid (key {n} of {len(keys)})",
                    "each key is 32 url-safe base64-encoded bytes; `als-bot keygen` prints one",
                ) from None
        return keys

    @property
    def keyring(self) -> Keyring | None:
        """The keyring for ``DATABASE_URL``, or None (text in clear: encryption turned off, or
        SQLite with no key). PostgreSQL with no key and encryption not turned off is refused."""
        from bot.storage.crypto import Keyring

        keys, on = self.encryption_keys, self.encryption
        if keys and not on:
            raise ConfigError(
                "ALS_ENCRYPTION",
                "is off but ALS_ENCRYPTION_KEYS is set",
                "remove one of them: keys seal members' text, off stores it in clear",
            )
        if keys:
            return Keyring(keys)
        if on and make_url(self.database_url).get_backend_name() == "postgresql":
            raise ConfigError(
                "ALS_ENCRYPTION_KEYS",
                "is not set, so members' text would be stored in clear in PostgreSQL",
                "run `als-bot keygen` and set ALS_ENCRYPTION_KEYS to the key it prints, "
                "or set ALS_ENCRYPTION=off to store it in clear",
            )
        return None

    @property
    def log_level(self) -> int:
        value = (self._get("LOG_LEVEL") or "INFO").upper()
        if value not in LOG_LEVELS:
            raise ConfigError(
                "LOG_LEVEL",
                f"is not a log level ({value!r})",
                "use one of " + ", ".join(LOG_LEVELS),
            )
        return int(getattr(logging, value))
