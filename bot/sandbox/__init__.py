"""The local sandbox: the bot, the fake Slack and a browser page in one process."""
