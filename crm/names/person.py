"""A person's name in the Lead's four fields (prefix, first, last, suffix), and
the name as an address or a heading writes it."""

from dataclasses import dataclass

from crm.names.vocabulary import GENERATIONAL_SUFFIXES, lookup_key


@dataclass(frozen=True)
class PersonName:
    """A person's name in the Lead's four fields."""

    prefix: str = ""
    first: str = ""
    last: str = ""
    suffix: str = ""


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
    generational = lookup_key(suffix.split()[0].rstrip(",")) in GENERATIONAL_SUFFIXES
    return f"{core}{' ' if generational else ', '}{suffix}"
