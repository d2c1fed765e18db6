"""The holidays' writes: one holiday per date and country, and a country's public
holidays for a year added once, each forgetting the calling hours' copy."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from followups.calling_hours import holidays_near
from followups.holidays.services import (
    holiday_create,
    holiday_delete,
    holiday_update,
    holidays_import_public,
)
from followups.models import Holiday

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
UNITY_DAY = dt.date(2027, 10, 3)
GERMANY_2027 = 9  # New Year, Good Friday, Easter Monday, Labour Day, Ascension, Whit
# Monday, German Unity Day, Christmas and the day after: the holidays nationwide.


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_second_holiday_on_a_date_for_the_same_country_is_an_error_on_the_date():
    holiday_create(date=UNITY_DAY, name="Tag der Deutschen Einheit", country="DE")

    with pytest.raises(ValidationError) as refused:
        holiday_create(date=UNITY_DAY, name="Unity Day", country="DE")

    assert refused.value.message_dict["date"] == [
        "There is a holiday on this date for Germany (DE) already (Tag der Deutschen Einheit)."
    ]
    assert Holiday.objects.count() == 1


def test_the_same_date_may_be_a_holiday_everywhere_and_in_a_country():
    holiday_create(date=UNITY_DAY, name="Tag der Deutschen Einheit", country="DE")
    holiday_create(date=UNITY_DAY, name="Company day", country="")
    holiday_create(date=UNITY_DAY, name="Día de algo", country="ES")

    assert Holiday.objects.count() == 3


def test_moving_a_holiday_onto_a_taken_date_is_an_error_on_the_date():
    holiday_create(date=dt.date(2026, 12, 25), name="Christmas", country="")
    boxing_day = holiday_create(date=dt.date(2026, 12, 26), name="Boxing Day", country="")

    with pytest.raises(ValidationError) as refused:
        holiday_update(holiday=boxing_day, date=dt.date(2026, 12, 25), name="Boxing Day")

    assert "every country" in refused.value.message_dict["date"][0]
    assert Holiday.objects.get(name="Boxing Day").date == dt.date(2026, 12, 26)


def test_a_holiday_changed_or_deleted_counts_from_the_next_claim():
    today = NOW.date()
    assert not holidays_near(NOW).blocks(today, "US")  # the copy kept for a minute

    holiday = holiday_create(date=today, name="Snow day", country="US")
    assert holidays_near(NOW).blocks(today, "US")

    holiday_update(holiday=holiday, date=today, name="Snow day", country="CA")
    assert not holidays_near(NOW).blocks(today, "US")
    assert holidays_near(NOW).blocks(today, "CA")

    holiday_delete(holiday=holiday)
    assert not holidays_near(NOW).blocks(today, "CA")


def test_a_countrys_public_holidays_for_a_year_are_added_once():
    first = holidays_import_public(country="DE", year=2027)
    again = holidays_import_public(country="DE", year=2027)

    assert (first.added, first.already_there) == (GERMANY_2027, 0)
    assert (again.added, again.already_there) == (0, GERMANY_2027)
    assert Holiday.objects.filter(country="DE").count() == GERMANY_2027
    unity_day = Holiday.objects.get(date=UNITY_DAY)
    assert (unity_day.name, unity_day.country) == ("Tag der Deutschen Einheit", "DE")


def test_a_holiday_already_there_keeps_its_name_and_the_others_are_added():
    Holiday.objects.create(date=UNITY_DAY, name="Unity Day", country="DE")
    Holiday.objects.create(date=dt.date(2027, 12, 25), name="Office closed", country="")

    added = holidays_import_public(country="DE", year=2027)

    # Only the same date in the same country counts as there already.
    assert (added.added, added.already_there) == (GERMANY_2027 - 1, 1)
    assert Holiday.objects.get(date=UNITY_DAY).name == "Unity Day"
    assert Holiday.objects.filter(date=dt.date(2027, 12, 25)).count() == 2


def test_public_holidays_added_count_from_the_next_claim():
    on_unity_day = dt.datetime(2027, 10, 3, 12, 0, tzinfo=dt.UTC)
    assert not holidays_near(on_unity_day).blocks(UNITY_DAY, "DE")  # kept for a minute

    holidays_import_public(country="DE", year=2027)

    # A bulk insert sends no signal: the service itself forgets the copy.
    assert holidays_near(on_unity_day).blocks(UNITY_DAY, "DE")
    assert not holidays_near(on_unity_day).blocks(UNITY_DAY, "AT")
