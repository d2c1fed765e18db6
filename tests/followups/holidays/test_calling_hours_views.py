# ruff: noqa: RUF001 (the page writes times and days with an en dash)
"""The calling hours on the managers' calling hours and holidays page: shown and
set in place (/settings/calling-hours/ leads there), the demo's said so; reps
get 403, bad input 400 with the field's error."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from followups.calling_hours import END_OF_DAY, calling_hours
from followups.holidays.services import calling_hours_set_for_demo, calling_hours_update
from followups.models import CallingHours

pytestmark = pytest.mark.django_db

LIST, HOURS = reverse("holidays:list"), reverse("holidays:hours")
WEEKEND = {"weekdays": ["5", "6"], "start": "10:00", "end": "14:30"}


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_page_shows_the_calling_hours_beside_the_holidays(maria):
    response = maria.get(LIST)

    assert response.status_code == 200
    assert "<h1>Calling hours and holidays</h1>" in response.text
    assert "Calls are offered <strong>Mon–Fri, 09:00–18:00</strong>" in response.text
    assert 'value="09:00"' in response.text and 'value="18:00"' in response.text


def test_the_settings_address_leads_to_the_page(maria):
    response = maria.get(reverse("calling_hours"))

    assert (response.status_code, response.url) == (302, LIST)


def test_a_manager_sets_the_calling_hours(maria, manager_maria):
    response = maria.post(HOURS, WEEKEND)

    assert (response.status_code, response.url) == (302, LIST)
    assert said(response) == [
        "Saved the calling hours: Sat, Sun, 10:00–14:30 in each lead's own time."
    ]
    row = CallingHours.objects.get()
    assert (row.weekdays, row.start, row.end, row.updated_by) == (
        "56",
        dt.time(10),
        dt.time(14, 30),
        manager_maria,
    )
    assert calling_hours().weekdays == frozenset({5, 6})
    assert "Calls are offered <strong>Sat, Sun, 10:00–14:30</strong>" in maria.get(LIST).text


def test_calls_may_go_on_until_midnight(maria):
    maria.post(HOURS, {"weekdays": ["0"], "start": "0:00", "end": "24:00"})

    assert (calling_hours().start, calling_hours().end) == (dt.time(0), END_OF_DAY)
    page = maria.get(LIST).text
    assert "00:00–24:00" in page and 'value="24:00"' in page


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (WEEKEND | {"end": "09:00"}, "end", "Calls must end after they start."),
        (WEEKEND | {"end": "10:00"}, "end", "Calls must end after they start."),
        ({k: v for k, v in WEEKEND.items() if k != "weekdays"}, "weekdays", "at least one day"),
        (WEEKEND | {"weekdays": ["7"]}, "weekdays", "Select a valid choice"),
        (WEEKEND | {"start": "25:00"}, "start", "HH:MM"),
        (WEEKEND | {"start": "24:00"}, "start", "HH:MM"),
        (WEEKEND | {"start": "nine"}, "start", "HH:MM"),
        (WEEKEND | {"end": ""}, "end", "required"),
    ],
)
def test_bad_calling_hours_are_refused_with_the_fields_error(maria, data, field, error):
    response = maria.post(HOURS, data)

    assert response.status_code == 400
    assert error in " ".join(response.context["hours_form"].errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert not CallingHours.objects.exists()


def test_the_demos_calling_hours_say_so_until_a_manager_sets_them(maria):
    calling_hours_set_for_demo()

    assert "Demo calling hours: every day, 00:00–24:00, set by the demo seed" in (
        maria.get(LIST).text
    )
    maria.post(HOURS, WEEKEND)
    assert "Demo calling hours" not in maria.get(LIST).text
    assert not CallingHours.objects.get().set_by_demo


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_reps_and_the_mailroom_may_not_set_calling_hours(client, request, persona, method):
    client.force_login(request.getfixturevalue(persona))

    response = getattr(client, method)(HOURS, WEEKEND)

    assert response.status_code == 403
    assert not CallingHours.objects.exists()


def test_signing_in_comes_first(client):
    assert client.get(HOURS).url.startswith(reverse("login"))


def test_the_form_of_its_own_shows_the_hours_set(maria):
    calling_hours_update(weekdays=[1, 3], start=dt.time(8), end=dt.time(12))

    response = maria.get(HOURS)

    assert response.status_code == 200
    assert 'value="08:00"' in response.text
    assert response.context["hours_form"].initial["weekdays"] == [1, 3]
