# ruff: noqa: RUF001 (the warning writes hours and days with an en dash)
"""A rep may open a lead whose local time is outside calling hours: the lead
page and a touch card say so, with the time there and the hours."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from followups.cadences.models import Channel
from followups.models import Holiday, Touch
from followups.selectors import outside_calling_hours
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

TUESDAY_2214_MADRID = dt.datetime(2026, 12, 1, 21, 14, tzinfo=dt.UTC)
TUESDAY_1100_MADRID = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
SATURDAY_1100_MADRID = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


def madrid_lead(**fields):
    defaults = {"phone": "+34915550123", "country": "ES", "time_zone": "Europe/Madrid"}
    return LeadFactory(**(defaults | fields))


def warning(response) -> str | None:
    found = re.search(r'<p class="outside-hours"[^>]*>(.*?)</p>', response.text, re.S)
    return html.unescape(found.group(1)) if found else None


def test_the_lead_page_warns_outside_calling_hours(maria):
    lead = madrid_lead(city="Madrid")

    with time_machine.travel(TUESDAY_2214_MADRID, tick=False):
        response = maria.get(lead.get_absolute_url())

    assert warning(response) == (
        "It is 22:14 in Madrid, outside calling hours (09:00–18:00). You may still call."
    )


def test_the_lead_page_does_not_warn_inside_calling_hours(maria):
    lead = madrid_lead()

    with time_machine.travel(TUESDAY_1100_MADRID, tick=False):
        assert warning(maria.get(lead.get_absolute_url())) is None


def test_a_closed_day_is_named_with_the_calling_days():
    found = outside_calling_hours(madrid_lead(city="Sevilla"), SATURDAY_1100_MADRID)

    assert str(found) == (
        "It is Sat 11:00 in Sevilla (Europe/Madrid), outside calling hours (Mon–Fri, 09:00–18:00)."
    )


def test_a_holiday_in_the_leads_country_is_named():
    Holiday.objects.create(date=TUESDAY_1100_MADRID.date(), name="Fiesta", country="ES")

    found = outside_calling_hours(madrid_lead(), TUESDAY_1100_MADRID)

    assert str(found) == "It is 11:00 in Madrid, a holiday there: no calls are offered today."


def test_a_lead_who_may_not_be_called_gets_no_warning():
    assert outside_calling_hours(madrid_lead(do_not_call=True), TUESDAY_2214_MADRID) is None
    assert outside_calling_hours(madrid_lead(phone=""), TUESDAY_2214_MADRID) is None


def test_a_task_card_warns_outside_calling_hours(alice, rep_alice):
    lead = madrid_lead(owner=rep_alice)
    task = Touch.objects.create(
        lead=lead,
        channel=Channel.TASK,
        due_at=TUESDAY_2214_MADRID - dt.timedelta(hours=1),
        reason="Asked for a call",
        origin="Test",
        assigned_to=rep_alice,
        key="test:task",
    )

    with time_machine.travel(TUESDAY_2214_MADRID, tick=False):
        response = alice.get(reverse("queue:touch", args=[task.pk]))

    assert response.status_code == 200
    assert warning(response).startswith("It is 22:14 in Madrid, outside calling hours")
