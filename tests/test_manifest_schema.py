"""Validate manifest.yml against Slack's app manifest JSON schema, fully offline.

The schema files are vendored in tests/data/manifest-schema/. The top schema
(manifest.schema.json) ``$ref``s the versioned schemas by raw.githubusercontent.com
URL; those URLs are read from the top schema and mapped onto the local copies in a
``referencing.Registry``. Any other reference fails immediately instead of reaching
for the network.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_PATH = ROOT / "manifest.yml"
SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "manifest-schema"
TOP_SCHEMA_PATH = SCHEMA_DIR / "manifest.schema.json"
EXAMPLE_PATH = SCHEMA_DIR / "manifest.valid.example.json"


def load_manifest() -> dict[str, Any]:
    """Return manifest.yml as a dict."""
    with MANIFEST_PATH.open(encoding="utf-8") as fh:
        manifest = yaml.safe_load(fh)
    assert isinstance(manifest, dict), "manifest.yml must be a YAML mapping"
    return manifest


def _load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _remote_refs(node: Any) -> set[str]:
    """Every absolute (http/https) ``$ref`` in a schema, without its fragment."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            found.add(ref.split("#", 1)[0])
        for value in node.values():
            found |= _remote_refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _remote_refs(item)
    return found


def _refuse_retrieval(uri: str) -> Resource:
    # Called by the registry for any URI it does not hold: never go online.
    raise NoSuchResource(ref=uri)


def _build_registry(top_schema: dict[str, Any]) -> Registry:
    resources = []
    for url in sorted(_remote_refs(top_schema)):
        local = SCHEMA_DIR / Path(urlsplit(url).path).name
        if not local.is_file():
            raise FileNotFoundError(f"$ref {url} has no local copy at {local}")
        resources.append(
            (url, Resource.from_contents(_load_json(local), default_specification=DRAFT7))
        )
    return Registry(retrieve=_refuse_retrieval).with_resources(resources)


@pytest.fixture(scope="module")
def top_schema() -> dict[str, Any]:
    return _load_json(TOP_SCHEMA_PATH)


@pytest.fixture(scope="module")
def validator(top_schema: dict[str, Any]) -> Draft7Validator:
    Draft7Validator.check_schema(top_schema)
    return Draft7Validator(top_schema, registry=_build_registry(top_schema))


def _errors(validator: Draft7Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def test_all_remote_refs_resolve_locally(top_schema: dict[str, Any]) -> None:
    refs = _remote_refs(top_schema)
    assert refs, "top schema is expected to $ref the versioned schemas by URL"
    registry = _build_registry(top_schema)
    for url in refs:
        resolved = registry.resolver().lookup(url).contents
        Draft7Validator.check_schema(resolved)


def test_unknown_ref_fails_instead_of_fetching(top_schema: dict[str, Any]) -> None:
    evil = Draft7Validator(
        {"$ref": "https://raw.githubusercontent.com/slackapi/manifest-schema/nope.json"},
        registry=_build_registry(top_schema),
    )
    with pytest.raises(Unresolvable):
        evil.is_valid({})


def test_manifest_is_valid(validator: Draft7Validator) -> None:
    errors = _errors(validator, load_manifest())
    assert not errors, "manifest.yml does not match Slack's schema:\n" + "\n".join(errors)


def test_example_manifest_is_valid(validator: Draft7Validator) -> None:
    errors = _errors(validator, _load_json(EXAMPLE_PATH))
    assert not errors, "\n".join(errors)


def _without_slash_command_description(m: dict[str, Any]) -> None:
    del m["features"]["slash_commands"][0]["description"]


def _without_app_name(m: dict[str, Any]) -> None:
    del m["display_information"]["name"]


def _unknown_scope_type(m: dict[str, Any]) -> None:
    m["oauth_config"]["scopes"]["workspace"] = ["chat:write"]


def _short_long_description(m: dict[str, Any]) -> None:
    m["display_information"]["long_description"] = "Too short."


@pytest.mark.parametrize(
    "break_it",
    [
        _without_slash_command_description,
        _without_app_name,
        _unknown_scope_type,
        _short_long_description,
    ],
)
def test_broken_manifest_is_rejected(validator: Draft7Validator, break_it: Any) -> None:
    manifest = copy.deepcopy(load_manifest())
    break_it(manifest)
    assert not validator.is_valid(manifest)


def _request_urls(manifest: dict[str, Any]) -> list[str]:
    urls = [c["url"] for c in manifest["features"].get("slash_commands", []) if "url" in c]
    settings = manifest["settings"]
    for section in ("event_subscriptions", "interactivity"):
        if "request_url" in settings.get(section, {}):
            urls.append(settings[section]["request_url"])
    return urls


def test_request_urls_share_host_and_bolt_path() -> None:
    urls = _request_urls(load_manifest())
    assert len(urls) == 3, urls  # /als, events, interactivity
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert parts.path.endswith("/slack/events"), url
    assert len({urlsplit(u).netloc for u in urls}) == 1, urls


def test_app_home_tabs() -> None:
    app_home = load_manifest()["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is True


def test_scopes_and_events_are_exactly_the_needed_ones() -> None:
    manifest = load_manifest()
    assert manifest["oauth_config"]["scopes"]["bot"] == [
        "commands",
        "chat:write",
        "users:read",
        "channels:read",
        "groups:read",
        "files:write",
    ]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
        "user_change",
    ]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/als"]


def test_the_app_knows_which_events_it_subscribes_to() -> None:
    from bot.ids import BOT_EVENTS

    assert set(load_manifest()["settings"]["event_subscriptions"]["bot_events"]) == BOT_EVENTS
