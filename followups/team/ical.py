"""iCalendar (RFC 5545) text for read-only feeds, written by hand.

A feed needs one VCALENDAR of VEVENTs with a handful of properties; that is a
few rules (CRLF line ends, lines folded at 75 octets, TEXT values escaped) and
no parsing, so it is simpler to write them here than to add a dependency.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

CRLF = "\r\n"
LINE_OCTETS = 75  # RFC 5545 3.1: lines SHOULD NOT be longer, excluding the CRLF
PRODID = "-//Follow-up CRM//Calls//EN"


@dataclass(frozen=True)
class Event:
    uid: str
    start: dt.datetime
    duration: dt.timedelta
    summary: str
    description: str = ""
    url: str = ""


def calendar(
    events: Iterable[Event], *, name: str, stamp: dt.datetime, refresh: dt.timedelta
) -> str:
    """A whole iCalendar object. `stamp` is when it was made (DTSTAMP under
    METHOD:PUBLISH); `refresh` tells subscribed calendar apps how often to poll."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{duration(refresh)}",
        f"X-PUBLISHED-TTL:{duration(refresh)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def _event_lines(event: Event, stamp: dt.datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(event.start)}",
        f"DURATION:{duration(event.duration)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")  # a URI value: not escaped like TEXT
    lines.append("END:VEVENT")
    return lines


def utc(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC ("form #2"): 20260105T143000Z."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def duration(length: dt.timedelta) -> str:
    seconds = int(length.total_seconds())
    if seconds % 60:
        return f"PT{seconds}S"
    return f"PT{seconds // 60}M"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line
    breaks escaped; other control characters, which TEXT may not hold, dropped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(char for char in value if char == "\t" or (" " <= char != "\x7f"))


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, each continuation
    starting with a space (RFC 5545 3.1), never inside a UTF-8 character."""
    pieces, piece, size, limit = [], [], 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(piece))
            piece, size, limit = [], 0, LINE_OCTETS - 1  # the leading space is one octet
        piece.append(char)
        size += width
    pieces.append("".join(piece))
    return (CRLF + " ").join(pieces)
