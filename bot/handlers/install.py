"""The distributed app's install pages, served by Bolt's OAuth flow (``slack_bolt.oauth``):

- ``GET /slack/install``: an "Add to Slack" page. Its link carries a one-use ``state``, kept in
  the database (slack_sdk's state store) and in a cookie of the installer's browser.
- ``GET /slack/oauth_redirect``: Slack sends the installer back here with a code; Bolt checks
  the state (same browser, not used before, not expired), exchanges the code for the
  workspace's tokens (``oauth.v2.access``) and stores them (``InstallationRecords``: a
  reinstall replaces the tokens). The page says in plain words what happened.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.web import bolt_headers, start_bolt_response

log = logging.getLogger("bot.install")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: The bot scopes the install asks for: the manifest's (``manifest.yml``; a test keeps them
#: the same).
BOT_SCOPES = ("commands", "chat:write", "users:read", "channels:read", "groups:read", "files:write")
#: What Bolt tells someone who uses the app in a workspace with no installation.
NOT_INSTALLED = (
    "als-bot is not installed in this workspace any more, so nothing was done. "
    "A workspace admin can add it again from its install page."
)

START_AGAIN = f'<a href="{INSTALL_PATH}">Start again from the install page</a>.'
#: Why an install did not finish (Bolt's failure reasons), in plain words.
REASONS = {
    "access_denied": "The installation was cancelled on Slack's page, so nothing was installed.",
    "invalid_browser": (
        "This page was opened in another browser than the one that started the installation, "
        "or the browser refused its cookie."
    ),
    "invalid_state": "This installation link has expired or has already been used.",
    "missing_code": "Slack did not send the installation code.",
    "invalid_code": "Slack did not accept the installation code (it may have expired).",
    "storage_error": "The installation could not be saved. Please try again in a few minutes.",
}
UNKNOWN_REASON = "Slack did not finish the installation."


def _html(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; '
        f'padding: 0 1em; line-height: 1.5"><h1>{html.escape(title)}</h1>{body}</body></html>'
    )


def _page(title: str, body: str, status: int = 200) -> BoltResponse:
    return BoltResponse(
        status=status, body=_html(title, body), headers={"Content-Type": "text/html; charset=utf-8"}
    )


class InstallFlow(OAuthFlow):
    """Bolt's flow with our pages."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return _html(
            "Add als-bot to Slack",
            "<p>als-bot runs Action Learning Sets in Slack: set-up and contract, topic "
            "preparation, the agenda vote, actions and report-backs, the live session and "
            "the reports.</p>"
            f'<p><a href="{html.escape(url)}" style="font-size: 1.2em">Add to Slack</a></p>'
            "<p>Slack will ask you to allow it in your workspace.</p>",
        )


class InstallCallbacks(CallbackOptions):
    """The pages at the end of an install, and what the app does when one succeeds."""

    def __init__(self, on_installed: Callable[[str], object]) -> None:
        super().__init__(success=self.succeeded, failure=self.failed)
        self._on_installed = on_installed

    def succeeded(self, args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        team = installation.team_id or ""
        self._on_installed(team)
        log.info("installed in a workspace (%s)", team)
        name = html.escape(installation.team_name or "your workspace")
        home = f"slack://app?team={team}&id={installation.app_id}&tab=home"
        return _page(
            "als-bot is installed",
            f"<p>als-bot is now installed in <b>{name}</b>.</p>"
            "<p>Next: in Slack, invite it to your set's channel (<code>/invite @als-bot</code>) "
            "and run <code>/als setup</code> there. <code>/als help</code> lists the rest.</p>"
            f'<p><a href="{html.escape(home)}">Open als-bot in Slack</a></p>',
        )

    def failed(self, args: FailureArgs) -> BoltResponse:
        log.warning("an install did not finish: %s", args.reason)
        reason = REASONS.get(args.reason, UNKNOWN_REASON)
        return _page(
            "als-bot was not installed",
            f"<p>{html.escape(reason)}</p><p>Nothing was changed. {START_AGAIN}</p>",
            status=args.suggested_status_code,
        )


class InstallPages:
    """The WSGI app of the two pages (the front door routes GETs under their paths here)."""

    def __init__(self, flow: OAuthFlow) -> None:
        self._flow = flow

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        request = BoltRequest(
            body="", query=str(environ.get("QUERY_STRING") or ""), headers=bolt_headers(environ)
        )
        if path == INSTALL_PATH:
            response = self._flow.handle_installation(request)
        elif path == REDIRECT_PATH:
            response = self._flow.handle_callback(request)
        else:
            response = BoltResponse(status=404, body="Not Found")
        return [start_bolt_response(start_response, response)]
