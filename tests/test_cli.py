"""The ``als-bot`` command as an operator runs it (subprocesses, no mocks)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import __version__
from bot.fakeslack.server import FakeSlack
from bot.storage.db import make_engine
from tests.conftest import TEST_KEY, _postgres_admin_url


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "LOG_LEVEL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_version_and_help(tmp_path: Path) -> None:
    assert run(["--version"], tmp_path).stdout.strip() == f"als-bot {__version__}"
    out = run(["--help"], tmp_path).stdout
    for command in ("serve", "socket", "migrate", "tick"):
        assert command in out


@pytest.mark.parametrize("command", ["serve", "socket", "tick"])
def test_missing_token_is_one_line_exit_2(tmp_path: Path, command: str) -> None:
    result = run([command], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_socket_needs_app_token(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\n")
    result = run(["socket"], tmp_path)
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr


def test_serve_needs_signing_secret(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\n")
    result = run(["serve"], tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr


def test_malformed_setting_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run(["migrate"], tmp_path, {"DATABASE_URL": "mysql://x@y/z"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("als-bot: DATABASE_URL")
    assert "Traceback" not in result.stderr


def test_migrate_then_tick(tmp_path: Path) -> None:
    first = run(["migrate"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "migrations applied: " in first.stdout and "0001" in first.stdout
    assert (tmp_path / "als-bot.db").exists()
    again = run(["migrate"], tmp_path)
    assert "already up to date" in again.stdout
    # tick needs the database and the bot token, not the signing secret
    tick = run(["tick", "--at", "2027-01-04T09:30"], tmp_path, {"SLACK_BOT_TOKEN": "xoxb-test"})
    assert tick.returncode == 0, tick.stderr
    assert tick.stdout.startswith("tick at 2027-01-04T09:30:00+00:00:")
    assert tick.stdout.count("\n") == 1


def test_tick_rejects_bad_instant_and_unmigrated_db(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test"}
    bad = run(["tick", "--at", "next tuesday"], tmp_path, env)
    assert bad.returncode == 2 and "--at" in bad.stderr
    unmigrated = run(["tick"], tmp_path, env)
    assert unmigrated.returncode == 2 and "als-bot migrate" in unmigrated.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(
    cwd: Path, fake: FakeSlack, *flags: str, **env: str
) -> tuple[subprocess.Popen[str], str]:
    """``als-bot serve`` as a real process on the production server, against the fake Slack."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port), *flags],
        cwd=cwd,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))},
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_SIGNING_SECRET": "serve-test-secret",
            "SLACK_API_URL": fake.api_url,
            "ALS_ENCRYPTION_KEYS": TEST_KEY,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def healthz_status(proc: subprocess.Popen[str], url: str) -> int:
    """Wait for the server to answer ``/healthz``; return its status."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None:
                raise AssertionError(
                    proc.stdout.read() if proc.stdout else "serve exited"
                ) from None
            time.sleep(0.1)
    raise AssertionError("serve did not answer within 30 s")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:  # started on enter, stopped on exit
        yield slack


def test_serve_healthz_and_signed_slack_requests(tmp_path: Path, fake: FakeSlack) -> None:
    from bot.fakeslack.driver import SlackDriver

    proc, url = start_serve(tmp_path, fake, "--no-scheduler")
    try:
        assert healthz_status(proc, url) == 200
        with urllib.request.urlopen(url + "/healthz") as response:
            assert json.load(response) == {"status": "ok", "database": True}
        assert (tmp_path / "als-bot.db").exists()  # migrations applied at start
        fake.add_user("U0HELPER01", "helper")
        fake.add_channel("C0HELP0001", "help", members=["U0HELPER01"])
        driver = SlackDriver(url + "/slack/events", "serve-test-secret", fake)
        assert driver.command("U0HELPER01", "help", channel_id="C0HELP0001").status == 200
        posted = fake.wait_for("response_url")
        assert "/als setup" in json.dumps(posted[-1].args)
        forged = SlackDriver(url + "/slack/events", "wrong-secret", fake)
        assert forged.command("U0HELPER01", "help", channel_id="C0HELP0001").status == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_healthz_503_when_the_database_goes_away(tmp_path: Path, fake: FakeSlack) -> None:
    """The database answered at start (serve refuses to start otherwise), then went away."""
    admin_url = make_url(_postgres_admin_url())
    admin = make_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    name = f"als_health_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"PostgreSQL unreachable ({type(exc).__name__})")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    proc, served = start_serve(tmp_path, fake, "--no-scheduler", DATABASE_URL=url)
    try:
        assert healthz_status(proc, served) == 200
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        assert healthz_status(proc, served) == 503
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_every_missing_setting_is_named_in_one_line(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, {"LOG_LEVEL": "loud"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0
    for name in ("LOG_LEVEL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        assert name in line, line


@pytest.mark.parametrize("command", ["serve", "socket", "migrate", "scheduler"])
def test_an_unreachable_database_at_start_is_one_line_exit_2(
    tmp_path: Path, fake: FakeSlack, command: str
) -> None:
    port = _free_port()  # nothing listens there
    env = {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": f"postgresql+psycopg://als:pw-never-shown@127.0.0.1:{port}/als",
        "ALS_ENCRYPTION_KEYS": TEST_KEY,
    }
    result = run([command], tmp_path, env)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "Traceback" not in line
    assert f"PostgreSQL at 127.0.0.1:{port}, database als cannot be reached" in line
    assert "pw-never-shown" not in line


@pytest.mark.parametrize("command", ["serve", "socket", "scheduler"])
def test_an_unreachable_slack_at_start_is_one_line_exit_2(tmp_path: Path, command: str) -> None:
    port = _free_port()  # nothing listens there
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
    }
    result = run([command], tmp_path, env)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "Traceback" not in line
    assert f"Slack cannot be reached at http://127.0.0.1:{port}/api/" in line


def test_a_token_slack_refuses_at_start_is_one_line_exit_2(tmp_path: Path, fake: FakeSlack) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-not-this-one",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": fake.api_url,
    }
    result = run(["serve"], tmp_path, env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "SLACK_BOT_TOKEN was not accepted by Slack" in result.stderr.strip()


def test_serve_starts_without_library_warnings(tmp_path: Path, fake: FakeSlack) -> None:
    proc, url = start_serve(tmp_path, fake, "--no-scheduler")
    try:
        assert healthz_status(proc, url) == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    noisy = [line for line in out.splitlines() if "warn" in line.lower()]
    assert noisy == [], out
