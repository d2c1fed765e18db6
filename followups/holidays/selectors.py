"""Reads for the holidays page: the holidays listed by country, the countries to
choose from, and a country's public holidays for a year as the `holidays`
package knows them (the only module that asks it)."""

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays as public_calendars
import pycountry
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from crm.contact import country_name
from crm.models import Lead, User
from crm.roles import require_manager
from followups.models import Holiday

EVERY_COUNTRY = "Every country"
NAME_LENGTH = Holiday._meta.get_field("name").max_length


@dataclass(frozen=True)
class CountryHolidays:
    """The holidays of one country ("": every country), in date order."""

    country: str
    label: str
    holidays: list[Holiday]


@dataclass(frozen=True)
class PublicHoliday:
    date: dt.date
    name: str
    exists: bool  # a holiday on this date for this country is there already


def get_holiday_for_user(user: User, pk: int) -> Holiday:
    """The holiday for a manager (403 for anyone else), or 404."""
    require_manager(user, "The calling hours and holidays pages")
    return get_object_or_404(Holiday, pk=pk)


def holidays_listed(*, today: dt.date, past: bool, country: str | None) -> QuerySet[Holiday]:
    """Upcoming holidays (from today on, soonest first), or past ones (latest first);
    with a country, the holidays that keep calls there: every country's and its own."""
    if past:
        listed = Holiday.objects.filter(date__lt=today).order_by("-date", "country")
    else:
        listed = Holiday.objects.filter(date__gte=today).order_by("date", "country")
    if country is not None:
        listed = listed.filter(country__in={"", country})
    return listed


def holidays_by_country(holidays: QuerySet[Holiday]) -> list[CountryHolidays]:
    """One group per country, every country first, then by the country's name."""
    groups: dict[str, list[Holiday]] = {}
    for holiday in holidays:
        groups.setdefault(holiday.country, []).append(holiday)
    ordered = sorted(groups, key=lambda code: (code != "", country_label(code)))
    return [CountryHolidays(code, country_label(code), groups[code]) for code in ordered]


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})" if code else EVERY_COUNTRY


def holiday_countries() -> list[str]:
    """The countries that have holidays of their own, for the list's filter."""
    codes = Holiday.objects.exclude(country="").values_list("country", flat=True)
    return sorted(set(codes), key=country_label)


def lead_countries() -> list[tuple[str, int]]:
    """The countries the leads are in, with how many, most leads first."""
    rows = (
        Lead.objects.exclude(country="")
        .values_list("country")
        .annotate(leads=Count("pk"))
        .order_by("-leads", "country")
    )
    return list(rows)


@cache
def iso_countries() -> tuple[str, ...]:
    """Every ISO 3166 country code, by country name."""
    return tuple(sorted((c.alpha_2 for c in pycountry.countries), key=country_label))


@cache
def public_holiday_countries() -> tuple[str, ...]:
    """The countries whose public holidays the `holidays` package knows, by name."""
    return tuple(sorted(public_calendars.list_supported_countries(), key=country_label))


def public_holidays(*, country: str, year: int) -> list[PublicHoliday]:
    """The country's public holidays in the year, named in the country's own
    language (not the server's locale, which the package would go by), each
    marked if a holiday on its date for that country is there already."""
    language = public_calendars.country_holidays(country).default_language
    calendar = public_calendars.country_holidays(country, years=year, language=language)
    existing = set(
        Holiday.objects.filter(country=country, date__year=year).values_list("date", flat=True)
    )
    return [
        PublicHoliday(day, name[:NAME_LENGTH], day in existing)
        for day, name in sorted(calendar.items())
    ]
