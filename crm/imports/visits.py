"""The booth visit an import records for each person on a list.

One visit per person and event, however many rows name them. A person whose
badge was scanned twice keeps every scan: the visit's data holds the first
row's rating, notes and other columns as before, and, from the second row on,
"scans": each row's number, scan time, rating, notes and other columns. The
visit happened at the first scan time, or without one at midday of the
event's first day (once that has passed).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from crm.contact import derive_time_zone
from crm.imports.rows import BoothRow
from crm.models import Campaign, Interaction


def event_time(campaign: Campaign, now: dt.datetime) -> dt.datetime:
    """When booth visits without a scan time happened: midday of the event's first
    day, if it has passed."""
    if campaign.starts_on is None:
        return now
    midday = dt.datetime.combine(campaign.starts_on, dt.time(12), tzinfo=dt.UTC)
    return min(midday, now)


def event_zone(campaign: Campaign) -> ZoneInfo:
    """The zone a scanner's times are in: the event's country's."""
    return ZoneInfo(derive_time_zone(country=campaign.country) or settings.TIME_ZONE)


def scan_time(row: BoothRow, zone: ZoneInfo) -> dt.datetime | None:
    """The row's scan time, in the event's zone unless it said its own."""
    if row.scanned_at is None or row.scanned_at.tzinfo is not None:
        return row.scanned_at
    return row.scanned_at.replace(tzinfo=zone)


def visit_data(row: BoothRow, zone: ZoneInfo) -> dict:
    """A first row's part of its visit's data (empty values left out)."""
    scanned_at = scan_time(row, zone)
    data = {
        "rows": [row.number],
        "scanned_at": scanned_at.isoformat() if scanned_at else "",
        "rating": row.rating,
        "notes": row.notes,
        "extra": row.extra,
    }
    return {key: value for key, value in data.items() if value}


def visit_add_row(visit: Interaction, row: BoothRow, zone: ZoneInfo) -> None:
    """The same person on another row: the visit keeps that scan too."""
    data = visit.data
    if "scans" not in data:
        data["scans"] = [_first_scan(data)]
    data["scans"].append(_scan(visit_data(row, zone)))
    data.setdefault("rows", []).append(row.number)
    if row.rating and not data.get("rating"):
        data["rating"] = row.rating
    if row.notes and row.notes not in visit.notes:
        visit.notes = f"{visit.notes}\n{row.notes}".strip()
        data["notes"] = visit.notes
    scanned_at = scan_time(row, zone)
    if scanned_at and scanned_at < visit.occurred_at:
        visit.occurred_at = scanned_at


def _first_scan(data: dict) -> dict:
    return _scan({**data, "rows": data.get("rows", [])[:1]})


def _scan(data: dict) -> dict:
    scan = {"row": data["rows"][0] if data.get("rows") else None}
    scan |= {key: data[key] for key in ("scanned_at", "rating", "notes", "extra") if key in data}
    return scan
