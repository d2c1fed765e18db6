"""Reading a scan time as badge scanners and spreadsheets write it.

Scanners export "2026-03-14 10:32:11", "03/14/2026 10:32 AM" or "14.03.2026
10:32"; Excel's date cells arrive as ISO text (crm.imports.files.cell_text).
A date written with slashes is read month first for a US event and day first
elsewhere, unless only the other order is a real date. A time that says its
offset ("Z", "+02:00") keeps it; the others carry no zone, and the engine
places them in the event's.
"""

import datetime as dt
import re

# Tried in order; each one with and without seconds, 24-hour and AM/PM.
_DATES = {
    "iso": ("%Y-%m-%d", "%Y/%m/%d"),
    "day_first": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"),
    "month_first": ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"),
}
_TIMES = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p")
MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW"})
# An ISO time that says where it is: "2026-03-12T09:41:00Z", "…+02:00".
OFFSET = re.compile(r"\d(?:Z|[+-]\d{2}:?\d{2})$")


def parse_scan_time(text: str, *, country: str) -> dt.datetime | None:
    """The date and time in `text`, or None if it is not one we can read: aware
    when the text says its offset ("…Z", "…+02:00"), else naive."""
    aware = _with_offset(text.strip())
    if aware is not None:
        return aware
    text = " ".join(text.replace("T", " ", 1).split())
    for date_format in _date_formats(country):
        for layout in (date_format, *(f"{date_format} {time}" for time in _TIMES)):
            try:
                return dt.datetime.strptime(text, layout)
            except ValueError:
                continue
    return None


def _date_formats(country: str) -> tuple[str, ...]:
    if country in MONTH_FIRST_COUNTRIES:
        return (*_DATES["iso"], *_DATES["month_first"], *_DATES["day_first"])
    return (*_DATES["iso"], *_DATES["day_first"], *_DATES["month_first"])


def _with_offset(text: str) -> dt.datetime | None:
    if not OFFSET.search(text):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None
