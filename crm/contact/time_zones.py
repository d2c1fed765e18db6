"""Time zones: a lead's likely zone from its phone, country and region (the tz
database's zone.tab and phonenumbers), a zone's country, and validation."""

from collections import Counter
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from phonenumbers import timezone as phone_timezone

from crm.contact.countries import country_code
from crm.contact.phones import phone_country

# The most populous zone of countries whose first zone in zone.tab is another: zone.tab
# orders a country's zones by geography first and population second, so it starts
# Australia with Lord Howe Island, Brazil with Fernando de Noronha, Canada with
# Newfoundland, Russia with Kaliningrad, Ukraine with Crimea, Uzbekistan with Samarkand.
MAIN_TIME_ZONES = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
}

# The time zone most of each region's people live in, for countries that span
# several zones, by ISO 3166-2 subdivision code. Names come from pycountry.
REGION_TIME_ZONES = {
    "US": {
        "America/New_York": "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV",
        "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
        "America/Denver": "CO ID MT NM UT WY",
        "America/Phoenix": "AZ",
        "America/Los_Angeles": "CA NV OR WA",
        "America/Anchorage": "AK",
        "Pacific/Honolulu": "HI",
        "America/Puerto_Rico": "PR",
    },
    "CA": {
        "America/Vancouver": "BC YT",
        "America/Edmonton": "AB NT",
        "America/Regina": "SK",
        "America/Winnipeg": "MB",
        "America/Toronto": "ON QC NU",
        "America/Halifax": "NB NS PE",
        "America/St_Johns": "NL",
    },
    "AU": {
        "Australia/Sydney": "NSW ACT",
        "Australia/Melbourne": "VIC",
        "Australia/Brisbane": "QLD",
        "Australia/Adelaide": "SA",
        "Australia/Perth": "WA",
        "Australia/Hobart": "TAS",
        "Australia/Darwin": "NT",
    },
}


def derive_time_zone(*, phone: str = "", country: str = "", region: str = "") -> str:
    """The lead's likely IANA time zone from its E.164 phone, else its address.

    Where the lead's country is known, only the phone's zones in that country count: a
    UK mobile of someone living in Dublin, or a German one of someone in California,
    says nothing about their clock (and phonenumbers gives even Irish numbers the zones
    of London, Guernsey and the Isle of Man), so the country's zone is taken instead.
    """
    code = country_code(country)
    if code in _single_zone_countries():
        return _country_time_zones()[code]  # whatever the phone says (and no need to ask)
    phone_zones = _phone_time_zones(phone)
    if code in _country_time_zones():
        phone_zones = [zone for zone in phone_zones if _zone_countries().get(zone) == code]
    if len(phone_zones) == 1:
        return phone_zones[0]
    code = code or phone_country(phone)
    by_region = _region_time_zones(code).get(region.strip().lower())
    if by_region:
        return by_region
    if phone_zones:
        # The phone's zones come alphabetically: take the likeliest.
        return min(phone_zones, key=lambda zone: _zone_rank().get(zone, len(_zone_rank())))
    return _country_time_zones().get(code, "")


def _phone_time_zones(e164: str) -> list[str]:
    if not e164:
        return []
    zones = phone_timezone.time_zones_for_number(phonenumbers.parse(e164))
    return [zone for zone in zones if zone in valid_time_zones()]


@cache
def _region_time_zones(country: str) -> dict[str, str]:
    """Region code or name (lowercased) -> time zone."""
    zones = {}
    for zone, codes in REGION_TIME_ZONES.get(country, {}).items():
        for code in codes.split():
            zones[code.lower()] = zone
            subdivision = pycountry.subdivisions.get(code=f"{country}-{code}")
            if subdivision:
                zones[subdivision.name.lower()] = zone
    return zones


@cache
def _zone_tab() -> list[tuple[str, str]]:
    """(country, zone) rows of the tz database's zone.tab, in its order: by country,
    and within one by geography, then with the most populous zones first."""
    return [(code, zone) for code, _coordinates, zone, *_ in _tzdata_rows("zone.tab")]


def _tzdata_rows(name: str) -> list[list[str]]:
    """The fields of a tz database file's lines that are not comments."""
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _zone_countries() -> dict[str, str]:
    """The country of each zone: the one zone.tab lists it for, or for an old name that
    phone numbers still use (Asia/Calcutta), that of the zone it now links to.

    zone.tab rather than zone1970.tab, which files a zone under every country whose
    clocks have agreed with it since 1970 (Europe/London under GB, GG, IM and JE,
    Europe/Zurich under CH, DE and LI): by it a Swiss number would pass for a German
    lead's own. zone.tab lists each zone for its own country only.
    """
    countries = {zone: code for code, zone in _zone_tab()}
    for _kind, target, link in (row for row in _tzdata_rows("tzdata.zi") if row[0] == "L"):
        if link not in countries and target in countries:
            countries[link] = countries[target]
    return countries


@cache
def _country_time_zones() -> dict[str, str]:
    """The most populous zone of each country."""
    zones: dict[str, str] = {}
    for code, zone in _zone_tab():
        zones.setdefault(code, zone)
    return zones | MAIN_TIME_ZONES


@cache
def _single_zone_countries() -> frozenset[str]:
    """Countries with one zone: by the rule above, a lead there is in it."""
    zones = Counter(code for code, _zone in _zone_tab())
    return frozenset(code for code, count in zones.items() if count == 1)


@cache
def _zone_rank() -> dict[str, int]:
    """Zones, likeliest first: each country's most populous, then zone.tab's order."""
    ranked = [*_country_time_zones().values(), *(zone for _code, zone in _zone_tab())]
    rank: dict[str, int] = {}
    for position, zone in enumerate(ranked):
        rank.setdefault(zone, position)
    return rank


@cache
def valid_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in valid_time_zones():
        raise ValidationError("“%(value)s” is not a time zone name.", params={"value": value})


def time_zone_country(zone: str) -> str:
    """The ISO country code of an IANA time zone (Europe/Rome is IT), or "" for one
    that is no country's (UTC, Etc/GMT+5)."""
    return _zone_countries().get(zone, "")
