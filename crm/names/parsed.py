"""Reading a name with nameparser (and our vocabulary): a whole name or a first
and a last name cell, the words kept as written, brackets and all; the
readings cached."""

from functools import lru_cache

from nameparser import ParsedName, Role, Token

from crm.names.person import PersonName
from crm.names.quick import all_plain
from crm.names.vocabulary import (
    NAME_LIKE_TITLES,
    honorifics_parser,
    lookup_key,
    our_lexicon,
    our_parser,
)

_NAME_ROLES = frozenset({Role.GIVEN, Role.MIDDLE, Role.FAMILY})
_FIRST_ROLES = frozenset({Role.GIVEN, Role.MIDDLE, Role.NICKNAME})
_LAST_ROLES = frozenset({Role.FAMILY, Role.MAIDEN})
_AFTER_NAME_ROLES = frozenset({Role.SUFFIX, Role.TITLE})
_CLOSERS = {"(": ")", "[": "]", '"': '"', "“": "”", "'": "'"}
_CACHE_SIZE = 4096


@lru_cache(maxsize=_CACHE_SIZE)
def parsed_reading(text: str) -> PersonName:
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
def cells_reading(first: str, last: str) -> PersonName:
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
    if not last or all_plain(last):
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
    key = lookup_key(token.text)
    return key in our_lexicon().particles or key in our_lexicon().bound_given_names


def _joins(token: Token) -> bool:
    return lookup_key(token.text) in our_lexicon().conjunctions


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
    parsed = our_parser().parse(text)
    if _name_like_title_alone(parsed):
        return honorifics_parser().parse(text)
    return parsed


def _name_like_title_alone(parsed: ParsedName) -> bool:
    titles = parsed.tokens_for(Role.TITLE)
    name_like = any(
        not token.text.endswith(".") and lookup_key(token.text) in NAME_LIKE_TITLES
        for token in titles
    )
    return name_like and not (parsed.given and parsed.family)
