"""Writes for the holidays page. Calling hours keep the holidays near now for a
minute (followups.calling_hours.holidays_near): saving or deleting one forgets
that copy through the model's signals, and a bulk insert, which sends none,
forgets it here."""

import datetime as dt
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from followups.calling_hours import forget_holidays
from followups.holidays.selectors import country_label, public_holidays
from followups.models import Holiday


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
