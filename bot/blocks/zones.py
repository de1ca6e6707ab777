"""The time-zone select of the set-up form: every listed zone, grouped by region, within
Slack's limits (100 options per group)."""

from __future__ import annotations

from slack_sdk.models.blocks import Option, OptionGroup, PlainTextObject, StaticSelectElement

from bot.blocks.common import clip
from bot.domain.schedule import is_valid_zone
from bot.domain.zones import UTC, Zone, known_zones, zone_of
from bot.ids import SetupField as F

MAX_OPTIONS = 100  # per select, and per option group (Slack's limit)


def _zone_option(z: Zone) -> Option:
    return Option(text=PlainTextObject(text=clip(z.place, 75)), value=z.name)


def zone_select(initial: str) -> StaticSelectElement:
    """Every zone, grouped by region (a region of more than 100 places is split), ``initial``
    selected (added in a group of its own if the list lacks it)."""
    chosen = zone_of(initial if is_valid_zone(initial) else UTC)
    zones = list(known_zones())
    if chosen not in zones:
        zones.append(chosen)
    regions: dict[str, list[Zone]] = {}
    for z in zones:
        regions.setdefault(z.region, []).append(z)
    groups = [
        OptionGroup(label=label, options=[_zone_option(z) for z in part])
        for region, members in regions.items()
        for label, part in _parts(region, members)
    ]
    return StaticSelectElement(
        action_id=F.TIMEZONE.action_id,
        option_groups=groups,
        initial_option=_zone_option(chosen),
        placeholder="Type a city or country",
    )


def _parts(region: str, zones: list[Zone]) -> list[tuple[str, list[Zone]]]:
    """A region's places in groups of at most 100, split where the first letter changes
    ("America: A-M", "America: N-Y")."""
    if len(zones) <= MAX_OPTIONS:
        return [(region, zones)]
    by_letter: dict[str, list[Zone]] = {}
    for z in zones:
        by_letter.setdefault(z.place[:1].upper(), []).append(z)
    parts: list[list[Zone]] = [[]]
    for letter_zones in by_letter.values():
        if len(parts[-1]) + len(letter_zones) > MAX_OPTIONS:
            parts.append([])
        parts[-1].extend(letter_zones[:MAX_OPTIONS])
    return [
        (f"{region}: {p[0].place[:1].upper()}-{p[-1].place[:1].upper()}", p) for p in parts if p
    ]
