"""Normalising contact data: emails, phone numbers, countries and time zones.

Pure functions with no database access, shared by every entry path (forms,
API, imports) through the find-or-create service.
"""

import pickle
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple
from zoneinfo import available_timezones

import phonenumbers
import pycountry
from babel import localedata
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberFormat
from phonenumbers import timezone as phone_timezone

# Names people write for a country that CLDR doesn't give it in English: a part for
# the whole (the UK's nations, Britain, Holland), short names and abbreviations (UK,
# U.S., UAE, Palestine). CLDR has some of these as "short" or "variant" names, which
# Babel leaves out: it keeps one name per country and language. Every other name comes
# from CLDR and ISO 3166.
COUNTRY_ALIASES = {
    "u.s.": "US",
    "u.s.a.": "US",
    "u.k.": "GB",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "republic of ireland": "IE",
    "holland": "NL",
    "uae": "AE",
    "u.a.e.": "AE",
    "palestine": "PS",
}

# A name that different languages give to different countries is read only when at
# least this share of the languages writing it mean the same country: "Kongo" is the
# Republic of the Congo in 38 languages and the Democratic Republic in Norwegian, so it
# is CG; "Sant Martin" is French Saint-Martin in Breton and Friulian and Dutch Sint
# Maarten in Occitan, so it is not guessed. English counts as one language among the
# others (in CLDR 49 no other language disputes an English name). Codes come first:
# "NGA" is Nigeria's alpha-3 code, whatever Vietnamese "Nga" (Russia) says.
CLEAR_MAJORITY = 0.8

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


class InvalidPhone(ValueError):
    """The text is not a phone number we could dial."""


@dataclass(frozen=True)
class Phone:
    e164: str
    raw: str
    extension: str = ""


def normalize_email(raw: str | None) -> str:
    """The address as written, without surrounding whitespace or angle brackets."""
    return (raw or "").strip().strip("<>").strip()


@cache
def country_code(value: str | None) -> str:
    """The ISO 3166 alpha-2 code for a country's code (alpha-2 or alpha-3) or its name
    in any language CLDR knows, in any case, with or without its accents, dots and
    hyphens ("Allemagne", "osterreich", "U.S.A", "deu"); '' for anything else and for
    a name that means different countries in different languages (see CLEAR_MAJORITY).
    """
    key = _country_key(value or "")
    if not key:
        return ""
    if key in _country_codes():  # most lists: without reading every language's names
        return _country_codes()[key]
    names = _country_names()
    if key in names.exact:
        return names.exact[key]
    return names.unaccented.get(_unaccented(key), "")


class _CountryNames(NamedTuple):
    exact: dict[str, str]  # name key -> ISO code, or '' where the name is not settled
    unaccented: dict[str, str]  # the same with accents left off, for names typed without


# name key -> ISO code -> the languages that give that country the name
_Votes = dict[str, dict[str, set[str]]]


@cache
def _country_names() -> _CountryNames:
    """Every country's names in every CLDR language, ISO's English names, codes and
    aliases: built once per process, in under half a second."""
    votes = _cldr_country_names()
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            if name := getattr(country, attribute, ""):
                votes[_country_key(name)][country.alpha_2].add("en")
    exact = _settled(votes)
    fixed = _country_codes()
    return _CountryNames(exact=exact | fixed, unaccented=exact | _settled_unaccented(votes) | fixed)


@cache
def _country_codes() -> dict[str, str]:
    """ISO alpha-2 and alpha-3 codes and the aliases: they come before any name."""
    codes = {_country_key(alias): code for alias, code in COUNTRY_ALIASES.items()}
    for country in pycountry.countries:
        codes[country.alpha_2.lower()] = codes[country.alpha_3.lower()] = country.alpha_2
    return codes


def _cldr_country_names() -> _Votes:
    countries = {country.alpha_2 for country in pycountry.countries}
    votes: _Votes = defaultdict(lambda: defaultdict(set))
    keys: dict[str, str] = {}  # most names are shared by many locales
    for identifier in localedata.locale_identifiers():
        language = identifier.split("_")[0]
        for code, name in _locale_territories(identifier).items():
            # Continents, the EU, the UN, "Unknown region" and the like are no answer.
            if code in countries:
                key = keys.get(name) or keys.setdefault(name, _country_key(name))
                votes[key][code].add(language)
    return votes


def _locale_territories(identifier: str) -> dict[str, str]:
    """The territory names one locale file adds to those it inherits.

    Read from the file rather than through Babel's Locale, which caches every locale it
    loads: for all of them some 200 MB for the life of the process. Each file on its own
    holds only the names that differ from its parent's, so every name is read once.
    """
    with open(localedata.resolve_locale_filename(identifier), "rb") as file:
        return pickle.load(file).get("territories", {})


def _settled(votes: _Votes) -> dict[str, str]:
    """Each name's country: the only one, else a clear majority's, else ''."""
    return {
        key: next(iter(by_country)) if len(by_country) == 1 else _clear_majority(by_country)
        for key, by_country in votes.items()
    }


def _clear_majority(by_country: dict[str, set[str]]) -> str:
    counts = {code: len(languages) for code, languages in by_country.items()}
    code = max(counts, key=counts.__getitem__)
    return code if counts[code] >= CLEAR_MAJORITY * sum(counts.values()) else ""


def _settled_unaccented(votes: _Votes) -> dict[str, str]:
    """The names that change or meet another when their accents are left off, settled
    with every language's votes for all their spellings ("España" and "Espana")."""
    merged: _Votes = {}
    for key, by_country in votes.items():
        bare = _unaccented(key)
        if bare == key:
            continue
        if bare not in merged:
            merged[bare] = {code: set(languages) for code, languages in votes.get(bare, {}).items()}
        for code, languages in by_country.items():
            merged[bare].setdefault(code, set()).update(languages)
    return _settled(merged)


class _NameCharacters(dict):
    """For str.translate: invisible format characters dropped (joiners, direction marks,
    soft hyphens), punctuation, symbols and spaces as one space ("Royaume-Uni",
    "Côte d'Ivoire", "U.S.A."), letters, marks and digits kept."""

    def __missing__(self, code_point: int) -> str | int | None:
        category = unicodedata.category(chr(code_point))
        if category == "Cf":
            self[code_point] = None
        elif category[0] in "PSZC":
            self[code_point] = " "
        else:
            self[code_point] = code_point
        return self[code_point]


class _Accents(dict):
    """For str.translate on decomposed text: combining marks dropped."""

    def __missing__(self, code_point: int) -> int | None:
        self[code_point] = None if unicodedata.combining(chr(code_point)) else code_point
        return self[code_point]


_NAME_CHARACTERS = _NameCharacters()
_ACCENTS = _Accents()


def _country_key(text: str) -> str:
    """A name as it is compared: Unicode-normalised (full-width letters too), case-folded
    (ß is ss), punctuation as in _NameCharacters, without an English "the" in front
    ("The Netherlands")."""
    text = unicodedata.normalize("NFKC", text).casefold()
    plain = text.replace(" ", "").isalpha()  # most names: skip the translation
    words = (text if plain else text.translate(_NAME_CHARACTERS)).split()
    if words[:1] == ["the"]:
        del words[0]
    return " ".join(words)


def _unaccented(key: str) -> str:
    if key.isascii():
        return key
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKD", key).translate(_ACCENTS))


def country_code_or_text(value: str) -> str:
    """For filtering by country: the ISO code of a code or name, else the text itself,
    uppercased, which matches nothing (cutting it to two letters would: "Atlantis" is AT)."""
    return country_code(value) or value.strip().upper()


def parse_phone(raw: str | int | float | None, *, country: str = "") -> Phone | None:
    """Parse a phone number to E.164, keeping its extension apart.

    National numbers need `country` (a code or a name). Returns None for empty
    input and raises InvalidPhone for text that is not a valid number.
    """
    text = _phone_text(raw)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, country_code(country) or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"“{text}” is not a phone number we understand.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"“{text}” is not a valid phone number.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, raw=text, extension=number.extension or "")


def _phone_text(raw: str | int | float | None) -> str:
    # Spreadsheets store long numbers as floats: 4155552671.0
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw if raw is not None else "").strip()


def phone_country(e164: str) -> str:
    """The ISO country code of an E.164 number, or ''."""
    if not e164:
        return ""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""


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


# Countries that write "City, REGION POSTCODE" on one line; GB puts the postcode on
# its own line; most others write "POSTCODE City".
CITY_REGION_POSTCODE = frozenset({"US", "CA", "AU"})


def address_lines(
    *, line1: str, line2: str, city: str, region: str, postal_code: str, country: str
) -> list[str]:
    """A postal address as people of its country write it, country name last."""
    if country in CITY_REGION_POSTCODE:
        locality = [f"{city}, {region} {postal_code}".strip(" ,")]
    elif country == "GB":
        locality = [city, postal_code]
    else:
        locality = [f"{postal_code} {city}".strip()]
    return [line for line in (line1, line2, *locality, country_name(country)) if line]


@cache
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code)


def time_zone_country(zone: str) -> str:
    """The ISO country code of an IANA time zone (Europe/Rome is IT), or "" for one
    that is no country's (UTC, Etc/GMT+5)."""
    return _zone_countries().get(zone, "")


@lru_cache(maxsize=8192)
def phone_for_display(number: str, *, home_country: str = "") -> str:
    """A stored phone grouped as people write it: national ("(415) 555-0134",
    "030 123456") for a number of `home_country`, else international
    ("+39 02 8032 3411"); a number that does not parse is shown as stored.

    Cached: parsing costs tens of microseconds and a page can show one number
    several times (the list, the card's link and its label)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    parsed.extension = None  # shown apart ("ext. 12"), as the lead page always did
    at_home = home_country and phonenumbers.region_code_for_number(parsed) == home_country
    style = PhoneNumberFormat.NATIONAL if at_home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)
