"""The words names are read by: honorifics, name-like titles, generational
suffixes, and nameparser's lexicon and parsers with our titles instead of its own."""

import dataclasses
from functools import cache

from nameparser import Lexicon, Parser
from nameparser.config.titles import AFTER_GIVEN_TITLES, GIVEN_NAME_TITLES

# Honorifics and academic or professional titles written before a name, and
# nothing else. nameparser's own list has ~800 words, including occupations and
# ranks that are everyday first names and surnames ("King", "Prince", "Earl",
# "Judge", "Chief", "Bishop"...); on a booth list those are names. Lower case,
# without periods: "Dr." and "Dr" both match. Abbreviations written with a
# period ("Dott.", "Lic.", "Arq.") are taken as titles by nameparser even when
# unlisted, so the list only needs what people write without one.
# "M." (Monsieur) is left out on purpose: it is as often an initial
# ("M. Night Shyamalan"), and French lists give the civilité in a column of its
# own. So are "Don" (Don Johnson) and "Pan" (a surname).
_HONORIFICS_BY_LANGUAGE = {
    "English": "mr mrs ms miss mx mister messrs dr doctor prof professor rev revd reverend hon "
    "sir dame capt col lt maj sgt cmdr adm cllr fr msgr rabbi",
    "German": "herr herrn frau fräulein h.c mag ing dipl.-ing dipl.-kfm dipl.-kffr dipl.-inf "
    "dipl.-psych dipl.-phys dr.-ing univ.-prof priv.-doz fh-prof",
    "French": "mme mlle monsieur madame mademoiselle",
    "Spanish and Portuguese": "sr sra srta señor señora señorita dña doña dra lic arq "
    "senhor senhora",
    "Italian": "sig sig.ra sig.na signor signora signorina dott dott.ssa prof.ssa avv",
    "Dutch and Nordic": "dhr mevr mevrouw meneer drs ir hr fru frk",
    "Czech, Slovak and Polish": "mgr bc mudr judr phdr rndr mvdr paeddr",
}
HONORIFICS = frozenset(" ".join(_HONORIFICS_BY_LANGUAGE.values()).split())

# Titles that are also first names or surnames ("Major Tom", "Judge Reinhold",
# "Pastor" is a surname): one is a prefix only when a first and a last name
# follow it ("Major Tom Jones", "Father John Smith"), else it is the name.
NAME_LIKE_TITLES = frozenset(
    {"major", "judge", "pastor", "bishop", "father", "sister", "brother", "imam", "doc"}
)

# Suffixes written after the name with a space rather than a comma.
GENERATIONAL_SUFFIXES = frozenset(
    {"jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv", "v", "vi"}
)

# Roman numerals nameparser reads as a suffix at the end of a name ("Henry VIII"),
# listed or not: no plain name may hold one.
ROMAN_NUMERALS = frozenset({"ii", "iii", "iv", "vi", "vii", "viii", "ix"})


def lookup_key(word: str) -> str:
    return word.lower().strip(".")


@cache
def our_lexicon() -> Lexicon:
    """nameparser's vocabulary with our titles instead of its own."""
    return _lexicon_with(HONORIFICS | NAME_LIKE_TITLES)


def _lexicon_with(titles: frozenset[str]) -> Lexicon:
    return dataclasses.replace(
        Lexicon.default(),
        titles=titles,
        given_name_titles=GIVEN_NAME_TITLES & titles,
        after_given_titles=AFTER_GIVEN_TITLES & titles,
    )


@cache
def our_parser() -> Parser:
    return Parser(lexicon=our_lexicon())


@cache
def honorifics_parser() -> Parser:
    return Parser(lexicon=_lexicon_with(HONORIFICS))
