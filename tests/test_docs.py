"""README, CI and .env.example agree with each other and with the code."""

from __future__ import annotations

import re
from pathlib import Path

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
    used = set(re.findall(r'"((?:SLACK|DATABASE|LOG)_[A-Z_]+)"', config))
    assert used == {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "LOG_LEVEL",
    }
    for name in used:
        assert re.search(rf"^#? ?{name}=", example, re.M), name
