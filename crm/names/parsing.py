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

The fast path for plain names is crm.names.quick, nameparser's reading
crm.names.parsed, the vocabulary both use crm.names.vocabulary.
"""

import dataclasses

from crm.names.parsed import cells_reading, parsed_reading
from crm.names.person import PersonName
from crm.names.quick import quick_cells_reading, quick_reading
from crm.names.vocabulary import lookup_key


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


def _joined(separator: str, given: str, parsed: str) -> str:
    """The given words, then the parsed ones unless they say the same ("Dr" and
    "Dr." do)."""
    given = " ".join(given.split())
    if not given or lookup_key(given) == lookup_key(parsed):
        return given or parsed
    return separator.join(part for part in (given, parsed) if part)


def _from_whole(text: str) -> PersonName:
    if not text:
        return PersonName()
    return quick_reading(text) or parsed_reading(text)


def _from_cells(first: str, last: str) -> PersonName:
    if not last:
        return _from_first_cell(first)
    if not first and "," in last:
        return _from_whole(last)
    return quick_cells_reading(first, last) or cells_reading(first, last)


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
