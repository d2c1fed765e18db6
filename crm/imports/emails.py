"""Reading an email cell as people paste it.

A cell may hold "mailto:Jane@Example.com", "Jane Roe <jane@example.com>", or
several addresses ("a@x.org; b@gmail.com", "a@x.org, b@gmail.com", one per
line). Every address is taken, in the order written, and checked; anything
else in the cell that looks like an attempt at an address ("jane@example",
"jane(at)example.com") is reported, so a lead is never created silently
without the address its row gave.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

EMAIL_MAX_LENGTH = 254
# An address as it appears inside other text: stops at spaces, brackets, double
# quotes and the separators people put between addresses ("O'Neil" keeps its
# apostrophe; single quotes around an address are stripped).
ADDRESS = re.compile(r"[^\s<>()\[\],;:\"]+@[^\s<>()\[\],;:\"']+")
MAILTO = re.compile(r"mailto:", re.IGNORECASE)
# Cells that say "no email" rather than giving a wrong one.
NO_ADDRESS = frozenset(
    {
        "-",
        "--",
        "—",
        "\u2013",  # an en dash
        ".",
        "x",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "no",
        "keine",
        "aucun",
        "aucune",
        "no email",
        "kein",
        "ninguno",
    }
)
# Signs in the leftover text that someone meant to write an address there.
MEANT_AN_ADDRESS = re.compile(r"@|\(at\)|\[at\]|\bat\b.*\bdot\b", re.IGNORECASE)


@dataclass
class EmailCell:
    addresses: list[str] = field(default_factory=list)  # usable, as written, in order
    problems: list[str] = field(default_factory=list)  # why the rest can't be used


def read_email_cell(text: str) -> EmailCell:
    cell = EmailCell()
    text = MAILTO.sub(" ", text.replace("\x00", "")).strip()
    if not text or text.casefold() in NO_ADDRESS:
        return cell
    seen = set()
    for address in ADDRESS.findall(text):
        address = address.strip(".'")
        if address.casefold() in seen:
            continue
        seen.add(address.casefold())
        if _is_usable(address):
            cell.addresses.append(address)
        else:
            cell.problems.append(f"“{address}” is not a valid email address")
    leftover = ADDRESS.sub(" ", text)
    if MEANT_AN_ADDRESS.search(leftover) or not (cell.addresses or cell.problems):
        cell.problems.append(f"“{text}” is not a valid email address")
    return cell


def _is_usable(address: str) -> bool:
    if len(address) > EMAIL_MAX_LENGTH:
        return False
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True
