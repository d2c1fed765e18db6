import datetime as dt

import pytest
import time_machine

from followups.calling_hours import Holidays, is_callable_at, next_business_start
from followups.models import Holiday
from followups.queue.selectors import callable_calls
from tests.followups.factories import CallableLeadFactory, TouchFactory

NO_HOLIDAYS = Holidays()
# The calling hours are read from the database (none stored: the defaults).
pytestmark = pytest.mark.django_db


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_lead_in_berlin_is_open_while_one_in_los_angeles_sleeps():
    tuesday_0830_utc = utc(2026, 3, 3, 8, 30)  # 09:30 in Berlin, 00:30 in Los Angeles

    assert is_callable_at(tuesday_0830_utc, "Europe/Berlin", NO_HOLIDAYS)
    assert not is_callable_at(tuesday_0830_utc, "America/Los_Angeles", NO_HOLIDAYS)


@pytest.mark.parametrize(
    ("berlin_time", "is_open"),
    [("08:59", False), ("09:00", True), ("17:59", True), ("18:00", False)],
)
def test_calls_are_made_from_nine_to_six_local_time(berlin_time, is_open):
    hour, minute = map(int, berlin_time.split(":"))
    moment = utc(2026, 3, 3, hour - 1, minute)  # Berlin is UTC+1 in March

    assert is_callable_at(moment, "Europe/Berlin", NO_HOLIDAYS) is is_open


def test_the_weekend_is_the_leads_weekend():
    moment = utc(2026, 3, 14, 0, 30)  # Saturday 09:30 in Tokyo, Friday 17:30 in Los Angeles

    assert not is_callable_at(moment, "Asia/Tokyo", NO_HOLIDAYS)
    assert is_callable_at(moment, "America/Los_Angeles", NO_HOLIDAYS)


def test_a_holiday_everywhere_closes_every_country():
    tuesday = dt.date(2026, 3, 3)
    holidays = Holidays(everywhere=frozenset({tuesday}))
    moment = utc(2026, 3, 3, 15, 0)

    assert not is_callable_at(moment, "Europe/Berlin", holidays, country="DE")
    assert not is_callable_at(moment, "America/New_York", holidays, country="US")


def test_a_national_holiday_closes_only_that_country():
    holidays = Holidays(by_country=((dt.date(2026, 3, 3), "DE"),))
    moment = utc(2026, 3, 3, 10, 0)

    assert not is_callable_at(moment, "Europe/Berlin", holidays, country="DE")
    assert is_callable_at(moment, "Europe/Vienna", holidays, country="AT")


def test_a_holiday_falls_on_the_leads_own_date():
    holidays = Holidays(everywhere=frozenset({dt.date(2026, 3, 4)}))
    moment = utc(2026, 3, 4, 1, 0)  # Wednesday 10:00 in Tokyo, still Tuesday 17:00 in LA

    assert not is_callable_at(moment, "Asia/Tokyo", holidays)
    assert is_callable_at(moment, "America/Los_Angeles", holidays)


def test_a_lead_without_a_time_zone_is_called_by_utc_hours():
    assert is_callable_at(utc(2026, 3, 3, 10, 0), "", NO_HOLIDAYS)
    assert not is_callable_at(utc(2026, 3, 3, 19, 0), "", NO_HOLIDAYS)


@pytest.fixture
def calls_by_zone(db):
    """A due call to a lead in each of several zones (and one without a zone)."""
    places = {
        "Europe/Berlin": "DE",
        "America/New_York": "US",
        "America/Los_Angeles": "US",
        "Asia/Tokyo": "JP",
        "": "GB",
    }
    return {
        zone: TouchFactory(
            lead=CallableLeadFactory(time_zone=zone, country=country), due_at=utc(2026, 3, 1)
        )
        for zone, country in places.items()
    }


def zones_in_queue(now: dt.datetime, calls_by_zone) -> set[str]:
    zone_of = {call.pk: zone for zone, call in calls_by_zone.items()}
    return {zone_of[pk] for pk in callable_calls(now).values_list("pk", flat=True)}


def test_the_queue_holds_the_calls_whose_lead_is_inside_calling_hours(calls_by_zone):
    # Tuesday 15:00 UTC: 16:00 in Berlin, 10:00 in New York, 07:00 in LA, midnight in Tokyo.
    assert zones_in_queue(utc(2026, 3, 3, 15, 0), calls_by_zone) == {
        "Europe/Berlin",
        "America/New_York",
        "",
    }
    # Wednesday 01:00 UTC: 10:00 in Tokyo, 17:00 on Tuesday in LA.
    assert zones_in_queue(utc(2026, 3, 4, 1, 0), calls_by_zone) == {
        "Asia/Tokyo",
        "America/Los_Angeles",
    }


def test_the_queue_skips_a_country_on_its_holiday(calls_by_zone):
    Holiday.objects.create(date=dt.date(2026, 3, 3), name="Tag der Test", country="DE")

    assert zones_in_queue(utc(2026, 3, 3, 15, 0), calls_by_zone) == {"America/New_York", ""}


def test_the_queue_skips_a_lead_without_a_time_zone_on_its_countrys_holiday(calls_by_zone):
    Holiday.objects.create(date=dt.date(2026, 3, 3), name="Bank holiday", country="GB")

    assert zones_in_queue(utc(2026, 3, 3, 15, 0), calls_by_zone) == {
        "Europe/Berlin",
        "America/New_York",
    }


def test_the_queue_is_empty_on_a_holiday_everywhere(calls_by_zone):
    Holiday.objects.create(date=dt.date(2026, 3, 3), name="Founders' day")

    assert zones_in_queue(utc(2026, 3, 3, 15, 0), calls_by_zone) == set()


@pytest.mark.parametrize(
    ("zone", "before_change", "after_change"),
    [
        # US clocks spring forward on Sunday 2026-03-08: 13:30 UTC is 08:30 EST, then 09:30 EDT.
        ("America/New_York", utc(2026, 3, 2, 13, 30), utc(2026, 3, 9, 13, 30)),
        # EU clocks spring forward on Sunday 2026-03-29: 07:30 UTC is 08:30 CET, then 09:30 CEST.
        ("Europe/Berlin", utc(2026, 3, 23, 7, 30), utc(2026, 3, 30, 7, 30)),
    ],
)
def test_calling_hours_follow_the_clock_change(db, zone, before_change, after_change):
    call = TouchFactory(lead=CallableLeadFactory(time_zone=zone), due_at=utc(2026, 3, 1))

    with time_machine.travel(before_change, tick=False):
        assert list(callable_calls()) == []
    with time_machine.travel(after_change, tick=False):
        assert list(callable_calls()) == [call]


@pytest.mark.parametrize(
    ("zone", "friday_evening", "monday_nine"),
    [
        ("America/New_York", utc(2026, 2, 27, 22, 0), utc(2026, 3, 2, 14, 0)),  # EST
        ("America/New_York", utc(2026, 3, 6, 22, 0), utc(2026, 3, 9, 13, 0)),  # EDT after
        ("America/New_York", utc(2026, 10, 30, 21, 0), utc(2026, 11, 2, 14, 0)),  # EST again
        ("Europe/Berlin", utc(2026, 3, 20, 16, 0), utc(2026, 3, 23, 8, 0)),  # CET
        ("Europe/Berlin", utc(2026, 3, 27, 16, 0), utc(2026, 3, 30, 7, 0)),  # CEST after
    ],
)
def test_the_next_business_day_starts_at_nine_local_time_across_a_clock_change(
    zone, friday_evening, monday_nine
):
    assert next_business_start(friday_evening, zone, NO_HOLIDAYS) == monday_nine


def test_the_next_business_day_counts_from_the_leads_own_date():
    friday_evening_in_la = utc(2026, 3, 14, 1, 0)  # already Saturday in UTC

    assert next_business_start(friday_evening_in_la, "America/Los_Angeles", NO_HOLIDAYS) == utc(
        2026, 3, 16, 16, 0
    )


def test_the_next_business_day_skips_holidays_of_the_leads_country():
    friday = utc(2026, 3, 13, 20, 0)
    holidays = Holidays(by_country=((dt.date(2026, 3, 16), "US"),))

    assert next_business_start(friday, "America/New_York", holidays, country="US") == utc(
        2026, 3, 17, 13, 0
    )
    assert next_business_start(friday, "America/Toronto", holidays, country="CA") == utc(
        2026, 3, 16, 13, 0
    )


def test_business_days_can_be_counted_beyond_the_next():
    thursday = utc(2026, 3, 12, 15, 0)

    assert next_business_start(thursday, "America/New_York", NO_HOLIDAYS, days=2) == utc(
        2026, 3, 16, 13, 0
    )
