"""The time zones a set can choose from: one per place in the IANA database's ``zone.tab``
(shipped with the ``tzdata`` package), named by its main city and country, grouped by region.
Pure: reads the package's data files, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

UTC = "UTC"


@dataclass(frozen=True)
class Zone:
    name: str  # the IANA name, e.g. "America/New_York"
    region: str  # "America"
    place: str  # "New York, United States"


def _rows(filename: str) -> list[list[str]]:
    text = (resources.files("tzdata.zoneinfo") / filename).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def known_zones() -> tuple[Zone, ...]:
    """Every zone of ``zone.tab`` plus UTC, by region and then by place."""
    countries = {row[0]: row[1] for row in _rows("iso3166.tab")}
    zones = [Zone(UTC, UTC, "UTC (Coordinated Universal Time)")]
    for row in _rows("zone.tab"):
        code, name = row[0], row[2]
        region, _, rest = name.partition("/")
        city = rest.rsplit("/", 1)[-1].replace("_", " ")
        zones.append(Zone(name, region, f"{city}, {countries.get(code, code)}"))
    return tuple(sorted(zones, key=lambda z: (z.region != UTC, z.region, z.place)))


def zone_of(name: str) -> Zone:
    """The listed zone called ``name``, or a zone for a valid name the list lacks (an older
    alias a set or a profile still carries), in a region of its own."""
    for z in known_zones():
        if z.name == name:
            return z
    return Zone(name, "Other", name.replace("_", " "))
