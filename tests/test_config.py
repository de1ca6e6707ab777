"""Settings: .env and environment, one clear line for every missing or malformed value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings


def settings(tmp_path: Path, env: dict[str, str], dotenv: str | None = None) -> Settings:
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    return Settings.load(tmp_path, environ=env)


def test_dotenv_is_read_and_real_environment_wins(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        {"SLACK_SIGNING_SECRET": "from-env"},
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=from-file\n",
    )
    assert s.bot_token == "xoxb-from-file"
    assert s.signing_secret == "from-env"


def test_defaults(tmp_path: Path) -> None:
    s = settings(tmp_path, {})
    assert s.api_url == "https://slack.com/api/"
    assert s.database_url == f"sqlite:///{(tmp_path / 'als-bot.db').resolve()}"
    assert s.log_level == 20
    assert s.scheduler_senders == 4


def test_the_scheduler_senders_setting_reaches_the_passes(tmp_path: Path) -> None:
    """``ALS_SCHEDULER_SENDERS`` sets how many threads the app's scheduler passes send with."""
    from bot.cli import _bot

    env = {"SLACK_BOT_TOKEN": "xoxb-test", "ALS_SCHEDULER_SENDERS": "2"}
    app = _bot(settings(tmp_path, env), migrate=True, signing_secret="s", verify_token=False)
    try:
        assert app.ticker.senders == 2
        assert app.ticker.sender is not None and app.ticker.sender.senders == 2
        assert app.scheduler().senders == 2, "another scheduler process's passes too"
    finally:
        app.close()
        app.db.dispose()


@pytest.mark.parametrize(
    ("env", "attribute", "variable"),
    [
        ({}, "bot_token", "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "bot_token", "SLACK_BOT_TOKEN"),
        ({}, "signing_secret", "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "has space"}, "signing_secret", "SLACK_SIGNING_SECRET"),
        ({}, "app_token", "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "app_token", "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack.com/api"}, "api_url", "SLACK_API_URL"),
        ({"DATABASE_URL": "not a url"}, "database_url", "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/als"}, "database_url", "DATABASE_URL"),
        ({"LOG_LEVEL": "chatty"}, "log_level", "LOG_LEVEL"),
        ({"ALS_SCHEDULER_SENDERS": "0"}, "scheduler_senders", "ALS_SCHEDULER_SENDERS"),
        ({"ALS_SCHEDULER_SENDERS": "four"}, "scheduler_senders", "ALS_SCHEDULER_SENDERS"),
        ({"ALS_SCHEDULER_SENDERS": "33"}, "scheduler_senders", "ALS_SCHEDULER_SENDERS"),
    ],
)
def test_bad_settings_name_the_variable_in_one_line(
    tmp_path: Path, env: dict[str, str], attribute: str, variable: str
) -> None:
    with pytest.raises(ConfigError) as info:
        getattr(settings(tmp_path, env), attribute)
    message = str(info.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_api_url_gets_a_trailing_slash_and_postgres_gets_psycopg(tmp_path: Path) -> None:
    s = settings(
        tmp_path, {"SLACK_API_URL": "http://127.0.0.1:9/api", "DATABASE_URL": "postgresql://u@h/db"}
    )
    assert s.api_url == "http://127.0.0.1:9/api/"
    assert s.database_url == "postgresql+psycopg://u@h/db"
