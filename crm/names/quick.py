"""Reading a plain name without nameparser, with nameparser's answer.

nameparser costs 100-300 µs a name, too much for a 100,000-row import.
A plain name (Latin letters, hyphens and apostrophes, no word nameparser gives a
meaning to), with perhaps honorifics before it and post-nominals after it ("Dr.
Anna Schmidt", "Tom Baker III"), is read by a split that gives nameparser's
answer in a few microseconds; the others are parsed, and cached."""

import re
from functools import cache

from nameparser.config.titles import GIVEN_NAME_TITLES

from crm.names.person import PersonName
from crm.names.vocabulary import HONORIFICS, ROMAN_NUMERALS, our_lexicon

# Letters of the Latin script (accented too), digits (a list's "Visitor 12" is
# read by position like any word) and the apostrophes people write.
_LATIN = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_APOSTROPHES = "'\u2019"
# Words of two or more Latin letters, with inner hyphens and apostrophes, one space apart.
_PLAIN_WORD = f"(?=[^ ]{{2}})[{_LATIN}]+(?:[{_APOSTROPHES}-][{_LATIN}]+)*"
_PLAIN_WORDS = re.compile(f"{_PLAIN_WORD}(?: {_PLAIN_WORD})*")
_GLUE_MARK = re.compile(f"[{_APOSTROPHES}-]")


def quick_reading(text: str) -> PersonName | None:
    """What parsed_reading gives, without nameparser, for a plain name with
    perhaps honorifics before it and post-nominals after it ("Dr. Anna Schmidt",
    "Tom Baker III"); None for any other name."""
    if "," in text:
        return _quick_last_first(text)
    words = text.split()
    start = _prefix_length(words)
    end = len(words) - _suffix_length(words[start:])
    if (start or end < len(words)) and end - start < 2:
        return None  # "Dr Anna": is Anna a first or a last name? nameparser decides
    if not all_plain(" ".join(words[start:end])):
        return None
    return _plain_reading(
        words[start:end], prefix=" ".join(words[:start]), suffix=" ".join(words[end:])
    )


def _quick_last_first(text: str) -> PersonName | None:
    """ "Smith, Mary Ann" as nameparser reads it (last name, then the first and
    middle names), for plain words on both sides of one comma; None otherwise."""
    last, _, first = (part.strip() for part in text.partition(","))
    if "," in first or not (all_plain(last) and all_plain(first)):
        return None
    return PersonName(first=first, last=last)


def quick_cells_reading(first: str, last: str) -> PersonName | None:
    """What cells_reading gives, without nameparser, for plain name cells with
    perhaps honorifics leading the first and post-nominals ending the last."""
    first_words, last_words = first.split(), last.split()
    start = _prefix_length(first_words)
    end = len(last_words) - _suffix_length(last_words)
    if not end or not all_plain(" ".join(first_words[start:] + last_words[:end])):
        return None
    return PersonName(
        prefix=" ".join(first_words[:start]),
        first=" ".join(first_words[start:]),
        last=" ".join(last_words[:end]),
        suffix=" ".join(last_words[end:]),
    )


def _prefix_length(words: list[str]) -> int:
    """How many of the words are honorifics leading them ("Prof. Dr.", "Mr")."""
    count = 0
    while count < len(words) and _bare(words[count]) in _quick_prefixes():
        count += 1
    return count


def _suffix_length(words: list[str]) -> int:
    """How many of the words are post-nominals ending them ("PhD", "Jr.", "III")."""
    count = 0
    while count < len(words) and _bare(words[-1 - count]) in _quick_suffixes():
        count += 1
    return count


def _bare(word: str) -> str:
    """A word in lower case without the one period that may end it: "Dr." -> "dr"."""
    return (word[:-1] if word.endswith(".") else word).lower()


def all_plain(text: str) -> bool:
    """Whether nameparser would read these space-separated words by position
    alone: Latin letters with inner hyphens and apostrophes only, no initial, and
    no word its vocabulary knows (title, suffix, particle, conjunction, ...)."""
    if not _PLAIN_WORDS.fullmatch(text):
        return False
    lowered = text.lower()
    if not _special_words().isdisjoint(lowered.split()):
        return False
    return not (_GLUE_MARK.search(text) and _glued_particle().search(lowered))


def _plain_reading(words: list[str], prefix: str = "", suffix: str = "") -> PersonName:
    """What parsed_reading gives for plain words, without nameparser: the last
    word is the last name, or the last two of four."""
    cut = 2 if len(words) == 4 else max(len(words) - 1, 1)
    return PersonName(prefix, " ".join(words[:cut]), " ".join(words[cut:]), suffix)


@cache
def _glued_particle() -> re.Pattern:
    """A particle written onto its name, in lower case: "d'angelo", "dell'orto",
    "al-hassan"."""
    marks = _APOSTROPHES + "-"
    heads = sorted({particle.rstrip(marks) for particle in our_lexicon().particles}, key=len)
    alternatives = "|".join(re.escape(head) for head in reversed(heads) if head)
    return re.compile(f"(?:^| )(?:{alternatives})[{marks}]")


@cache
def _quick_prefixes() -> frozenset[str]:
    """Honorifics that are a prefix wherever they lead a name of two or more words.
    Not "Sir" or "Dame" (nameparser reads "Sir Elton" as a first name, so it
    decides), nor words written with periods or hyphens inside ("Dipl.-Ing.")."""
    return frozenset(
        word for word in HONORIFICS - GIVEN_NAME_TITLES if word.isalpha() and len(word) > 1
    )


@cache
def _quick_suffixes() -> frozenset[str]:
    """Post-nominals that are a suffix wherever they end a name of two or more
    words: not those that are also surnames ("Ma", "Do"), nor single letters."""
    lexicon = our_lexicon()
    words = lexicon.suffix_words | lexicon.suffix_acronyms
    return frozenset(
        word
        for word in words - lexicon.suffix_acronyms_ambiguous
        if word.isalpha() and word.isascii() and len(word) > 1
    )


@cache
def _special_words() -> frozenset[str]:
    """Every word nameparser gives a meaning to, in lower case."""
    lexicon = our_lexicon()
    fields = (
        "titles",
        "suffix_acronyms",
        "suffix_words",
        "suffix_acronyms_ambiguous",
        "particles",
        "conjunctions",
        "bound_given_names",
        "maiden_markers",
        "surnames",
    )
    return ROMAN_NUMERALS.union(*(getattr(lexicon, name) for name in fields))
