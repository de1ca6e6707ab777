"""README, CI and .env.example agree with each other and with the code."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import _PROPERTIES

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_starts_with_run_and_test_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first, second = readme_commands()[:2]
    assert text.index(first) < text.index("## ")  # before any section
    assert first.endswith("als-bot sandbox") and "pip install" in first
    assert second.endswith("python -m pytest") and "[test]" in second


def test_ci_runs_the_readme_test_command_exactly() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_env_example_explains_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    config = (ROOT / "bot" / "config.py").read_text()
    used = set(re.findall(r'"((?:SLACK|DATABASE|LOG|PUBLIC|ALS)_[A-Z_]+)"', config))
    assert used == set(_PROPERTIES), "every setting is read through Settings"
    assert {"SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"} <= used
    for name in used:
        assert re.search(rf"^#? ?{name}=", example, re.M), name


def test_license_file_matches_the_package_metadata() -> None:
    declared = re.search(
        r'^license = \{ text = "([^"]+)" \}', (ROOT / "pyproject.toml").read_text(), re.M
    )
    assert declared is not None
    assert (ROOT / "LICENSE").read_text().startswith(f"{declared.group(1)} License")


def test_readme_first_says_what_it_needs_and_what_users_do() -> None:
    text = (ROOT / "README.md").read_text()
    top = text[: text.index("## ")]
    assert "Python 3.11" in top and "--port" in top and "PostgreSQL server" in top
    sections = re.findall(r"^## (.+)$", text, re.M)
    # What users do in Slack comes before how to install and run it.
    assert sections.index("In Slack") < sections.index("Install it in your Slack workspace")
    assert sections.index("In Slack") < sections.index("Command line")
    # The Home tab is described once.
    assert len(re.findall(r"\*\*Home tab\*\*", text)) == 1
    assert "Event Subscriptions" in text and "Retry" in text
