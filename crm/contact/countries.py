"""Countries as people write them: ISO codes from codes and names in any
language CLDR knows (with our aliases), and a code's name."""

import pickle
import unicodedata
from collections import defaultdict
from functools import cache
from typing import NamedTuple

import pycountry
from babel import localedata

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


@cache
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or (country.name if country else code)
