"""Reading people's names: prefix (Dr., Frau), first name, last name, suffix (Jr., PhD).

Pure functions with no database access, like crm.contact. A name comes whole
("Prof. Dr. Hans Müller", "Smith Jr., John") or in a first and a last name cell
("Dr. Anna" / "Schmidt PhD"); either way the honorifics and post-nominals go to
their own fields and the rest is kept as written, casing included.

nameparser does the reading, with titles of our own (HONORIFICS): only real
honorifics are prefixes, never its occupations, ranks and nobility that are
everyday names ("Dean Martin", "King Charles", "Will Smith"). A title that is
also a name (NAME_LIKE_TITLES: "Major", "Judge", "Pastor") is a prefix only
before a first and a last name: "Major Tom" is a name, "Major Tom Jones" a major.
On top of nameparser we keep these conventions:

- Middle names stay with the first name: "Mary Ann Smith-Jones" -> Mary Ann /
  Smith-Jones. Particles stay with the last name: "Ludwig van Beethoven" ->
  Ludwig / van Beethoven.
- A name of exactly four parts is two first names and two surnames, as Spanish
  and Portuguese names are written: "María José García Pérez" -> María José /
  García Pérez, "María del Carmen García López" -> María del Carmen / García
  López. nameparser alone would make José García a middle name. An English name
  of four parts ("George Herbert Walker Bush") is split the same way: a middle
  name in the last name field is a smaller harm than half a surname in the first.
  (nameparser's own two_family_names would also take the middle name of every
  three-word name, "Hans Peter | Müller" -> "Hans | Peter Müller".)
- "Last, First" works, with the suffix on either side of the comma.
- Words in brackets stay where they were written: after a title or a suffix
  they are part of it ("Dipl.-Ing. (FH)", "BSc (Hons)"), else part of the name
  ('Robert "Bob"', "Smith (née Jones)").
- Text with no name in it ("???") is kept as the first name rather than lost.
- A first name cell that holds a whole name (no last name given) is read as one
  when it is unmistakable: a comma, a suffix, or three or more words. Two words
  stay the first name ("María José", "Anna Lena"): a double first name split in
  half would be wrong on every email, a whole name in the first name field only
  looks odd. A last name cell with a comma ("Smith, John") is read as a whole
  name when the first name cell is empty.

Speed: nameparser costs 100-300 µs a name, too much for a 100,000-row import.
A plain name (Latin letters, hyphens and apostrophes, no word nameparser gives a
meaning to), with perhaps honorifics before it and post-nominals after it ("Dr.
Anna Schmidt", "Tom Baker III"), is read by a split that gives nameparser's
answer in a few microseconds; the others are parsed, and cached.
"""

import dataclasses
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from nameparser import Lexicon, ParsedName, Parser, Role, Token
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
_ROMAN_NUMERALS = frozenset({"ii", "iii", "iv", "vi", "vii", "viii", "ix"})

# Letters of the Latin script (accented too), digits (a list's "Visitor 12" is
# read by position like any word) and the apostrophes people write.
_LATIN = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_APOSTROPHES = "'\u2019"
# Words of two or more Latin letters, with inner hyphens and apostrophes, one space apart.
_PLAIN_WORD = f"(?=[^ ]{{2}})[{_LATIN}]+(?:[{_APOSTROPHES}-][{_LATIN}]+)*"
_PLAIN_WORDS = re.compile(f"{_PLAIN_WORD}(?: {_PLAIN_WORD})*")
_GLUE_MARK = re.compile(f"[{_APOSTROPHES}-]")
_NAME_ROLES = frozenset({Role.GIVEN, Role.MIDDLE, Role.FAMILY})
_FIRST_ROLES = frozenset({Role.GIVEN, Role.MIDDLE, Role.NICKNAME})
_LAST_ROLES = frozenset({Role.FAMILY, Role.MAIDEN})
_AFTER_NAME_ROLES = frozenset({Role.SUFFIX, Role.TITLE})
_CLOSERS = {"(": ")", "[": "]", '"': '"', "“": "”", "'": "'"}
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class PersonName:
    """A person's name in the Lead's four fields."""

    prefix: str = ""
    first: str = ""
    last: str = ""
    suffix: str = ""


def parse_name(
    *, full: str = "", first: str = "", last: str = "", prefix: str = "", suffix: str = ""
) -> PersonName:
    """The prefix, first name, last name and suffix of a person.

    From the first and last name cells when either is given, else from the whole
    name: "Dr. Anna" / "Schmidt PhD" -> Dr. / Anna / Schmidt / PhD; "Smith Jr.,
    John" -> "" / John / Smith / Jr. A prefix or suffix given on its own (a
    Salutation column) comes first, and what the name held is added unless it
    repeats it: "Frau" with "Dr. Anna" -> "Frau Dr.". Spaces are tidied, casing
    kept.
    """
    first, last = " ".join(first.split()), " ".join(last.split())
    name = _from_cells(first, last) if first or last else _from_whole(" ".join(full.split()))
    if not (prefix or suffix):
        return name
    return dataclasses.replace(
        name,
        prefix=_joined(" ", prefix, name.prefix),
        suffix=_joined(", ", suffix, name.suffix),
    )


def formal_name(name: PersonName) -> str:
    """The name as an address or a heading writes it: "Dr. Anna Schmidt, PhD",
    "John Smith Jr."; "" without a first or last name."""
    parts = (name.prefix, name.first, name.last, name.suffix)
    prefix, first, last, suffix = (" ".join(part.split()) for part in parts)
    if not (first or last):
        return ""
    core = " ".join(part for part in (prefix, first, last) if part)
    if not suffix:
        return core
    generational = _lookup_key(suffix.split()[0].rstrip(",")) in GENERATIONAL_SUFFIXES
    return f"{core}{' ' if generational else ', '}{suffix}"


def _joined(separator: str, given: str, parsed: str) -> str:
    """The given words, then the parsed ones unless they say the same ("Dr" and
    "Dr." do)."""
    given = " ".join(given.split())
    if not given or _lookup_key(given) == _lookup_key(parsed):
        return given or parsed
    return separator.join(part for part in (given, parsed) if part)


def _from_whole(text: str) -> PersonName:
    if not text:
        return PersonName()
    return _quick_reading(text) or _parsed_reading(text)


def _from_cells(first: str, last: str) -> PersonName:
    if not last:
        return _from_first_cell(first)
    if not first and "," in last:
        return _from_whole(last)
    return _quick_cells_reading(first, last) or _cells_reading(first, last)


def _quick_reading(text: str) -> PersonName | None:
    """What _parsed_reading gives, without nameparser, for a plain name with
    perhaps honorifics before it and post-nominals after it ("Dr. Anna Schmidt",
    "Tom Baker III"); None for any other name."""
    if "," in text:
        return _quick_last_first(text)
    words = text.split()
    start = _prefix_length(words)
    end = len(words) - _suffix_length(words[start:])
    if (start or end < len(words)) and end - start < 2:
        return None  # "Dr Anna": is Anna a first or a last name? nameparser decides
    if not _all_plain(" ".join(words[start:end])):
        return None
    return _plain_reading(
        words[start:end], prefix=" ".join(words[:start]), suffix=" ".join(words[end:])
    )


def _quick_last_first(text: str) -> PersonName | None:
    """ "Smith, Mary Ann" as nameparser reads it (last name, then the first and
    middle names), for plain words on both sides of one comma; None otherwise."""
    last, _, first = (part.strip() for part in text.partition(","))
    if "," in first or not (_all_plain(last) and _all_plain(first)):
        return None
    return PersonName(first=first, last=last)


def _quick_cells_reading(first: str, last: str) -> PersonName | None:
    """What _cells_reading gives, without nameparser, for plain name cells with
    perhaps honorifics leading the first and post-nominals ending the last."""
    first_words, last_words = first.split(), last.split()
    start = _prefix_length(first_words)
    end = len(last_words) - _suffix_length(last_words)
    if not end or not _all_plain(" ".join(first_words[start:] + last_words[:end])):
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


def _from_first_cell(first: str) -> PersonName:
    """A first name cell with no last name beside it: a whole name when that is
    unmistakable (see the module's docstring), else a first name and its prefix."""
    whole = _from_whole(first)
    name_words = len(f"{whole.first} {whole.last}".split())
    if "," in first or whole.suffix or name_words >= 3:
        return whole
    if whole.prefix and first.startswith(whole.prefix):
        return PersonName(prefix=whole.prefix, first=first[len(whole.prefix) :].strip())
    return PersonName(first=first)


def _all_plain(text: str) -> bool:
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
    """What _parsed_reading gives for plain words, without nameparser: the last
    word is the last name, or the last two of four."""
    cut = 2 if len(words) == 4 else max(len(words) - 1, 1)
    return PersonName(prefix, " ".join(words[:cut]), " ".join(words[cut:]), suffix)


@lru_cache(maxsize=_CACHE_SIZE)
def _parsed_reading(text: str) -> PersonName:
    parsed = _parse(text)
    first_tokens, last_tokens = _first_and_last_tokens(parsed)
    reading = PersonName(
        prefix=_as_written(parsed, _with_brackets(parsed, Role.TITLE)),
        first=_as_written(parsed, first_tokens),
        last=_as_written(parsed, last_tokens),
        suffix=_as_written(parsed, _with_brackets(parsed, Role.SUFFIX)),
    )
    # Text with no name in it ("!!!", "?") is kept as typed rather than lost.
    return reading if reading != PersonName() else PersonName(first=text)


@lru_cache(maxsize=_CACHE_SIZE)
def _cells_reading(first: str, last: str) -> PersonName:
    """Titles leading the first name cell, suffixes (and titles written after the
    name, "Müller, Dipl.-Ing.") ending the last name cell; the rest of each cell
    as typed. A prefix typed into the last name cell ("Dr. Schmidt") counts too."""
    joined = f"{first} {last}".strip()
    parsed = _parse(joined)
    boundary = len(first) + 1 if first else 0
    titles = _leading_titles(parsed, end=boundary)
    after = _trailing_extras(parsed, start=boundary)
    last_end = _written_span(parsed, after)[0] if after else len(joined)
    last_rest = joined[boundary:last_end].strip(" ,")
    if not last_rest:
        after, last_rest = [], last  # a last name cell is a last name: "MA" is Ma here
    last_prefix, last_rest = _prefix_of_last(last_rest)
    post_titles = [token for token in after if token in _with_brackets(parsed, Role.TITLE)]
    prefixes = (_as_written(parsed, titles), last_prefix, _as_written(parsed, post_titles))
    return PersonName(
        prefix=" ".join(part for part in prefixes if part),
        first=first[_written_span(parsed, titles)[1] :].strip() if titles else first,
        last=last_rest,
        suffix=_as_written(parsed, [token for token in after if token not in post_titles]),
    )


def _prefix_of_last(last: str) -> tuple[str, str]:
    """("Dr.", "Schmidt") for "Dr. Schmidt"; ("", last) when no prefix leads it
    or nothing would be left of the name."""
    if not last or _all_plain(last):
        return "", last
    parsed = _parse(last)
    titles = _leading_titles(parsed, end=len(last))
    cut = _written_span(parsed, titles)[1] if titles else len(last)
    if not last[cut:].strip():
        return "", last
    return last[:cut], last[cut:].strip()


def _leading_titles(parsed: ParsedName, *, end: int) -> list[Token]:
    """The title tokens that open the text, within text[:end], with the words
    in brackets after them ("Dipl.-Ing. (FH)")."""
    run: list[Token] = []
    for token in parsed.tokens:
        if token.span is None or token.span.end > end:
            break
        if not (token.role == Role.TITLE or (token.role == Role.NICKNAME and run)):
            break
        run.append(token)
    return run


def _trailing_extras(parsed: ParsedName, *, start: int) -> list[Token]:
    """The suffix and title tokens that end the text, within text[start:], with
    the words in brackets after them ("BSc (Hons)")."""
    run: list[Token] = []
    for token in reversed(parsed.tokens):
        if token.span is None or token.span.start < start:
            break
        if token.role not in _AFTER_NAME_ROLES and token.role != Role.NICKNAME:
            break
        run.insert(0, token)
    while run and run[0].role == Role.NICKNAME:
        run.pop(0)  # brackets after the name itself are the name's: "Smith (Bob)"
    return run


def _with_brackets(parsed: ParsedName, role: Role) -> list[Token]:
    """The tokens of `role` with the bracketed words written right after them,
    which nameparser takes for a nickname: "Dipl.-Ing. (FH)", "BSc (Hons)"."""
    tokens, previous = [], None
    for token in sorted(parsed.tokens, key=_position):
        if token.role == role or (token.role == Role.NICKNAME and previous == role):
            tokens.append(token)
        if token.role != Role.NICKNAME:
            previous = token.role
    return tokens


def _first_and_last_tokens(parsed: ParsedName) -> tuple[list[Token], list[Token]]:
    """The tokens of the first name (with a nickname) and of the last name (with a
    maiden name), in the order written."""
    attached = _with_brackets(parsed, Role.TITLE) + _with_brackets(parsed, Role.SUFFIX)
    tokens = sorted(
        (t for t in parsed.tokens if t.role in _FIRST_ROLES | _LAST_ROLES and t not in attached),
        key=_position,
    )
    boundary = _double_surname_start(parsed)
    if boundary is None:
        return (
            [token for token in tokens if token.role in _FIRST_ROLES],
            [token for token in tokens if token.role in _LAST_ROLES],
        )
    first = [t for t in tokens if t.role == Role.NICKNAME or _position(t) < boundary]
    return first, [token for token in tokens if token not in first]


def _double_surname_start(parsed: ParsedName) -> int | None:
    """Where the surnames start in a name of exactly four parts written first
    name first ("José Luis | Rodríguez Zapatero"), or None for any other name."""
    if "," in parsed.original:
        return None
    words = sorted((t for t in parsed.tokens if t.role in _NAME_ROLES), key=_position)
    parts = _parts(words)
    if len(parts) != 4 or any(_is_initial(part[-1]) or _joins(part[-1]) for part in parts):
        return None
    return _position(parts[2][0])


def _parts(words: list[Token]) -> list[list[Token]]:
    """Words grouped as one part of a name: a particle ("de la", "van") or a bound
    first name ("Abdul") goes with the word after it."""
    parts: list[list[Token]] = [[]]
    for word in words:
        parts[-1].append(word)
        if not _binds_forward(word):
            parts.append([])
    return [part for part in parts if part]


def _binds_forward(token: Token) -> bool:
    key = _lookup_key(token.text)
    return key in _lexicon().particles or key in _lexicon().bound_given_names


def _joins(token: Token) -> bool:
    return _lookup_key(token.text) in _lexicon().conjunctions


def _is_initial(token: Token) -> bool:
    return len(token.text.rstrip(".")) == 1


def _as_written(parsed: ParsedName, tokens: list[Token]) -> str:
    """The tokens' text as the original has it (quotes around a nickname,
    "(née Jones)" after a surname), or joined by spaces when other words lie
    between them."""
    if not tokens:
        return ""
    spans = [token.span for token in tokens]
    if None in spans:
        return " ".join(token.text for token in tokens)
    start, end = min(span.start for span in spans), max(span.end for span in spans)
    if any(t not in tokens and t.span and start <= t.span.start < end for t in parsed.tokens):
        return " ".join(token.text for token in sorted(tokens, key=_position))
    start, end = _written_span(parsed, tokens)
    return parsed.original[start:end].strip(" ,")


def _written_span(parsed: ParsedName, tokens: list[Token]) -> tuple[int, int]:
    """Where the tokens are written in the original, with the brackets or quotes
    around their first or last word."""
    starts = [token.span.start for token in tokens if token.span]
    ends = [token.span.end for token in tokens if token.span]
    return _bracketed(parsed.original, min(starts), max(ends))


def _bracketed(original: str, start: int, end: int) -> tuple[int, int]:
    """original[start:end] widened by one character on a side where it leaves a
    bracket or a quote open: "(FH" -> "(FH)", "Bob) Robert" -> "(Bob) Robert"."""
    text = original[start:end]
    for opener, closer in _CLOSERS.items():
        opens, closes = text.count(opener), text.count(closer)
        unbalanced = opens % 2 if opener == closer else opens != closes
        if not unbalanced:
            continue
        if opens >= closes and original[end : end + 1] == closer:
            return start, end + 1
        if start and original[start - 1] == opener:
            return start - 1, end
    return start, end


def _position(token: Token) -> int:
    return token.span.start if token.span else 0


def _parse(text: str) -> ParsedName:
    """nameparser's reading with our titles; a name-like title ("Major") that
    would leave no first or no last name is read as the name instead."""
    parsed = _parser().parse(text)
    if _name_like_title_alone(parsed):
        return _honorifics_parser().parse(text)
    return parsed


def _name_like_title_alone(parsed: ParsedName) -> bool:
    titles = parsed.tokens_for(Role.TITLE)
    name_like = any(
        not token.text.endswith(".") and _lookup_key(token.text) in NAME_LIKE_TITLES
        for token in titles
    )
    return name_like and not (parsed.given and parsed.family)


def _lookup_key(word: str) -> str:
    return word.lower().strip(".")


@cache
def _lexicon() -> Lexicon:
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
def _parser() -> Parser:
    return Parser(lexicon=_lexicon())


@cache
def _honorifics_parser() -> Parser:
    return Parser(lexicon=_lexicon_with(HONORIFICS))


@cache
def _glued_particle() -> re.Pattern:
    """A particle written onto its name, in lower case: "d'angelo", "dell'orto",
    "al-hassan"."""
    marks = _APOSTROPHES + "-"
    heads = sorted({particle.rstrip(marks) for particle in _lexicon().particles}, key=len)
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
    lexicon = _lexicon()
    words = lexicon.suffix_words | lexicon.suffix_acronyms
    return frozenset(
        word
        for word in words - lexicon.suffix_acronyms_ambiguous
        if word.isalpha() and word.isascii() and len(word) > 1
    )


@cache
def _special_words() -> frozenset[str]:
    """Every word nameparser gives a meaning to, in lower case."""
    lexicon = _lexicon()
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
    return _ROMAN_NUMERALS.union(*(getattr(lexicon, name) for name in fields))
