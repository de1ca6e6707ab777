"""The deployment files (Dockerfile, deploy/compose.yml, deploy/systemd) agree with the code:
every command they run parses with ``als-bot``'s own parser, so a renamed command or flag
fails here rather than in production."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yml"
SYSTEMD = ROOT / "deploy" / "systemd"
UNITS = ("als-bot-migrate.service", "als-bot-scheduler.service", "als-bot-web@.service")


def strict_parser() -> argparse.ArgumentParser:
    """``als-bot``'s parser, without abbreviations: ``--no-migrate`` must be the flag's whole
    name, not the start of a renamed one."""
    parser = _parser()
    parser.allow_abbrev = False
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.allow_abbrev = False
    return parser


def parses(argv: list[str]) -> Any:
    """``als-bot argv`` as the CLI reads it; a command or flag it does not know fails."""
    try:
        return strict_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"als-bot does not accept: {' '.join(argv)}")


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined, comments left out)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (k, _) in enumerate(steps) if k == "FROM")
    return steps[last_from:]


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's settings (all sections), each with every value it is given."""
    settings: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


# -- the image ------------------------------------------------------------------------------
def test_the_image_runs_as_an_unprivileged_user() -> None:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_the_image_checks_its_health_on_healthz_with_python() -> None:
    (check,) = [rest for keyword, rest in final_stage() if keyword == "HEALTHCHECK"]
    assert "/healthz" in check and "urllib" in check and "curl" not in check
    port = re.search(r"127\.0\.0\.1:(\d+)/healthz", check)
    exposed = [rest for keyword, rest in final_stage() if keyword == "EXPOSE"]
    assert port is not None and exposed == [port.group(1)]
    # The port ``serve`` listens on by default: the check hits the process the image starts.
    assert parses(["serve"]).port == int(port.group(1))


def test_the_image_starts_als_bot_serve() -> None:
    steps = dict(final_stage())
    assert json.loads(steps["ENTRYPOINT"]) == ["als-bot"]
    command = json.loads(steps["CMD"])
    assert command == ["serve"]
    assert parses(command).command == "serve"


def test_the_image_installs_the_package_from_its_source() -> None:
    runs = " ".join(rest for keyword, rest in instructions() if keyword == "RUN")
    assert re.search(r"pip install /src\b", runs)
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for private in (".env", ".venv", ".git", "*.db"):
        assert private in ignored, private


# -- compose --------------------------------------------------------------------------------
def test_compose_has_postgres_with_a_volume_and_a_healthcheck() -> None:
    services = compose()["services"]
    postgres = services["postgres"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "pgdata" in compose()["volumes"]


def test_compose_runs_the_migration_once_then_the_processes() -> None:
    services = compose()["services"]
    commands = {name: s["command"] for name, s in services.items() if "command" in s}
    for argv in commands.values():
        parses(argv)
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    web = [n for n, argv in commands.items() if argv[0] == "serve"]
    schedulers = [n for n, argv in commands.items() if argv[0] == "scheduler"]
    assert len(web) == 2 and len(schedulers) == 1
    for name in web:
        args = parses(commands[name])
        assert args.no_scheduler and args.no_migrate, name
    assert parses(commands[schedulers[0]]).no_migrate
    for name in [*web, *schedulers]:
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["env_file"], name
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    # Web ports are on the loopback only: the reverse proxy is the way in, /metrics stays in.
    ports = [p for name in web for p in services[name]["ports"]]
    assert ports and all(p.startswith("127.0.0.1:") for p in ports)
    # The scheduler serves no HTTP: the image's /healthz check would call it unhealthy.
    assert services[schedulers[0]]["healthcheck"] == {"disable": True}


# -- systemd --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", UNITS)
def test_systemd_units_run_commands_als_bot_knows(name: str) -> None:
    (start,) = unit(name)["ExecStart"]
    program, *argv = shlex.split(start.replace("%i", "3001"))
    assert program.endswith("/als-bot")
    parses(argv)


@pytest.mark.parametrize("name", UNITS)
def test_systemd_units_are_hardened(name: str) -> None:
    settings = unit(name)
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert settings.get(key) == [value], f"{name}: {key}"
    assert settings["User"] != ["root"]


def test_the_migration_unit_runs_once_before_the_others() -> None:
    migrate = unit("als-bot-migrate.service")
    assert migrate["Type"] == ["oneshot"] and migrate["RemainAfterExit"] == ["yes"]
    assert parses(shlex.split(migrate["ExecStart"][0])[1:]).command == "migrate"
    for name in ("als-bot-scheduler.service", "als-bot-web@.service"):
        settings = unit(name)
        assert "als-bot-migrate.service" in settings["Requires"][0].split()
        assert "als-bot-migrate.service" in settings["After"][0].split()
        argv = shlex.split(settings["ExecStart"][0].replace("%i", "3001"))[1:]
        assert parses(argv).no_migrate
    web = parses(
        shlex.split(unit("als-bot-web@.service")["ExecStart"][0].replace("%i", "3001"))[1:]
    )
    assert (web.host, web.port, web.no_scheduler) == ("127.0.0.1", 3001, True)
