"""Writes for the calling hours and holidays page. Calling hours keep the
holidays near now for a minute (followups.calling_hours.holidays_near): saving
or deleting one forgets that copy through the model's signals, and a bulk
insert, which sends none, forgets it here. The calling hours themselves are
forgotten the same way when saved."""

import datetime as dt
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import User
from followups.calling_hours import DEMO_CALLING_HOURS, forget_holidays
from followups.holidays.selectors import country_label, public_holidays
from followups.models import CallingHours, Holiday


class PublicHolidaysAdded(NamedTuple):
    added: int
    already_there: int


def holiday_create(*, date: dt.date, name: str, country: str = "") -> Holiday:
    """A new holiday; a holiday on that date for that country already is a
    ValidationError on "date"."""
    holiday = Holiday(date=date, name=name, country=country)
    _save_unique(holiday)
    return holiday


def holiday_update(*, holiday: Holiday, date: dt.date, name: str, country: str = "") -> Holiday:
    holiday.date, holiday.name, holiday.country = date, name, country
    _save_unique(holiday)
    return holiday


def _save_unique(holiday: Holiday) -> None:
    """Save; one holiday per date and country is left to the database's unique
    constraint, the only check that holds when two managers add the same day."""
    try:
        with transaction.atomic():
            holiday.save()
    except IntegrityError:
        taken = Holiday.objects.filter(date=holiday.date, country=holiday.country).first()
        where = "every country" if not holiday.country else country_label(holiday.country)
        named = f" ({taken.name})" if taken else ""
        message = f"There is a holiday on this date for {where} already{named}."
        raise ValidationError({"date": message}) from None


def holiday_delete(*, holiday: Holiday) -> None:
    holiday.delete()


def holidays_import_public(*, country: str, year: int) -> PublicHolidaysAdded:
    """Add the country's public holidays in the year, as the `holidays` package
    knows them. Idempotent: a holiday already there on a date for that country is
    kept as it is (its name too), and counted as already there."""
    found = public_holidays(country=country, year=year)
    new = [Holiday(date=h.date, name=h.name, country=country) for h in found if not h.exists]
    # ignore_conflicts: a holiday another manager added meanwhile stays theirs.
    Holiday.objects.bulk_create(new, ignore_conflicts=True)
    forget_holidays()
    return PublicHolidaysAdded(added=len(new), already_there=len(found) - len(new))


def calling_hours_update(
    *,
    weekdays: list[int],
    start: dt.time,
    end: dt.time,
    by: User | None = None,
    set_by_demo: bool = False,
) -> CallingHours:
    """Set when leads may be called. Start before end and at least one day, or a
    ValidationError (the table's check constraints hold the same rule)."""
    if not weekdays:
        raise ValidationError({"weekdays": "Choose at least one day to call on."})
    if not start < end:
        raise ValidationError({"end": "Calls must end after they start."})
    row, _ = CallingHours.objects.update_or_create(
        pk=CallingHours.ONLY,
        defaults={
            "weekdays": "".join(str(day) for day in sorted(set(weekdays))),
            "start": start,
            "end": end,
            "set_by_demo": set_by_demo,
            "updated_by": by,
        },
    )
    return row


def calling_hours_set_for_demo() -> bool:
    """The demo's calling hours (every day, all day), so its queue works at any
    hour; unless calling hours were set already. True if they were set now."""
    if CallingHours.objects.filter(pk=CallingHours.ONLY).exists():
        return False
    demo = DEMO_CALLING_HOURS
    calling_hours_update(
        weekdays=sorted(demo.weekdays), start=demo.start, end=demo.end, set_by_demo=True
    )
    return True
