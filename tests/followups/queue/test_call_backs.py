"""Call-back presets on the call card, worked out in the lead's zone from the
calling hours (whatever followups.calling_hours says), shown in both zones,
and "Do not call" confirmed before it is logged."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from crm.models import Lead
from followups.models import Touch
from followups.queue import call_backs
from followups.queue.call_backs import NEXT_MONDAY, TOMORROW_MORNING, describe, preset_at
from tests.followups.queue.cards import call_for, lead_of, text_of

NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # a Tuesday
FRIDAY = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)
MADRID = ZoneInfo("Europe/Madrid")
HTMX = {"HTTP_HX_REQUEST": "true"}
# The calling hours are read from the database (none stored: the defaults).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tuesday_afternoon():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at_utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_in_two_hours_is_two_hours_from_now():
    assert preset_at("in_2_hours", lead_zone="Asia/Tokyo", now=NOW) == NOW + dt.timedelta(hours=2)


def test_tomorrow_morning_is_when_calling_hours_start_there_tomorrow():
    # At 15:00 UTC on Tuesday it is already Wednesday in Tokyo: its tomorrow is Thursday.
    assert preset_at(TOMORROW_MORNING, lead_zone="Europe/London", now=NOW) == at_utc(2026, 12, 2, 9)
    assert preset_at(TOMORROW_MORNING, lead_zone="Asia/Tokyo", now=NOW) == at_utc(2026, 12, 3, 0)
    assert preset_at(TOMORROW_MORNING, lead_zone="America/New_York", now=NOW) == at_utc(
        2026, 12, 2, 14
    )


def test_presets_follow_the_calling_hours_and_weekdays(monkeypatch):
    monkeypatch.setattr(call_backs, "hours", lambda: (dt.time(8, 30), dt.time(17)))
    monkeypatch.setattr(call_backs, "weekdays", lambda: frozenset({0, 1, 2, 3, 4, 5}))

    london = {"lead_zone": "Europe/London"}
    assert preset_at(TOMORROW_MORNING, **london, now=NOW) == at_utc(2026, 12, 2, 8, 30)
    assert preset_at(TOMORROW_MORNING, **london, now=FRIDAY) == at_utc(2026, 12, 5, 8, 30)  # Sat


def test_a_fridays_tomorrow_morning_is_mondays_when_no_one_calls_at_weekends():
    assert preset_at(TOMORROW_MORNING, lead_zone="Europe/London", now=FRIDAY) == at_utc(
        2026, 12, 7, 9
    )


def test_next_monday_is_the_coming_monday_morning():
    assert preset_at(NEXT_MONDAY, lead_zone="Europe/London", now=NOW) == at_utc(2026, 12, 7, 9)
    monday = at_utc(2026, 12, 7, 10)
    assert preset_at(NEXT_MONDAY, lead_zone="Europe/London", now=monday) == at_utc(2026, 12, 14, 9)


def test_a_preset_reads_in_both_zones():
    tomorrow = at_utc(2026, 12, 2, 9)
    in_tokyo = at_utc(2026, 12, 3, 0)

    assert (
        describe(tomorrow, lead_zone="Europe/London", rep_zone=MADRID, now=NOW)
        == "Tomorrow 09:00 their time — 10:00 yours"
    )
    assert (
        describe(in_tokyo, lead_zone="Asia/Tokyo", rep_zone=MADRID, now=NOW)
        == "Tomorrow 09:00 their time — Thu 3 Dec 01:00 yours"  # Tokyo is in Wednesday
    )
    assert (
        describe(tomorrow, lead_zone="Europe/London", rep_zone=ZoneInfo("Europe/London"), now=NOW)
        == "Tomorrow 09:00, your time and theirs"
    )


# On the card


@pytest.fixture
def rep_in_madrid(alice, rep_alice):
    rep_alice.time_zone = "Europe/Madrid"
    rep_alice.save()
    return alice


def test_the_card_offers_the_presets_in_both_zones_and_fills_the_field_in_the_reps(
    rep_in_madrid, rep_alice
):
    call_for(lead_of(rep_alice, time_zone="Europe/London"))

    response = rep_in_madrid.get(reverse("queue:next"))

    text = text_of(response)
    assert "Tomorrow morning Tomorrow 09:00 their time — 10:00 yours" in text
    assert "In 2 hours Today 17:00 their time — 18:00 yours" in text
    assert 'data-local="2026-12-02T10:00"' in response.text  # what the field takes: Madrid time


def test_a_preset_books_the_call_back_without_javascript(rep_in_madrid, rep_alice):
    call = call_for(lead_of(rep_alice, time_zone="Europe/London"))
    rep_in_madrid.get(reverse("queue:next"))

    response = rep_in_madrid.post(
        reverse("queue:log", args=[call.pk]),
        {"outcome": "call_back", "call_back_preset": TOMORROW_MORNING, "call_back_at": ""},
    )

    assert response.status_code == 302
    again = Touch.objects.get(lead=call.lead, status=Touch.Status.PENDING)
    assert again.due_at == at_utc(2026, 12, 2, 9)


def test_a_preset_is_ignored_for_other_outcomes(rep_in_madrid, rep_alice):
    call = call_for(lead_of(rep_alice))
    rep_in_madrid.get(reverse("queue:next"))

    rep_in_madrid.post(
        reverse("queue:log", args=[call.pk]), {"outcome": "no_answer", "call_back_preset": "x"}
    )

    assert not Touch.objects.filter(lead=call.lead, status=Touch.Status.PENDING).exists()


def test_an_unknown_preset_is_a_field_error(rep_in_madrid, rep_alice):
    call = call_for(lead_of(rep_alice))
    rep_in_madrid.get(reverse("queue:next"))

    response = rep_in_madrid.post(
        reverse("queue:log", args=[call.pk]), {"outcome": "call_back", "call_back_preset": "soon"}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in text_of(response)


# "Do not call" asks first


def test_do_not_call_asks_to_confirm_before_it_is_logged(alice, rep_alice):
    call = call_for(lead_of(rep_alice, first_name="Laura", last_name="Pérez"))
    alice.get(reverse("queue:next"))
    url = reverse("queue:log", args=[call.pk])

    asked = alice.post(url, {"outcome": "do_not_call", "notes": "Shouted at me"})

    assert asked.status_code == 200
    assert "Never call Laura Pérez again?" in text_of(asked)
    assert re.search(r'name="confirmed" value="1"', asked.text)
    assert 'value="Shouted at me"' in asked.text  # the note goes with the confirmation
    assert Lead.objects.get(pk=call.lead_id).do_not_call is False
    call.refresh_from_db()
    assert call.status == Touch.Status.CLAIMED

    confirmed = alice.post(
        url, {"outcome": "do_not_call", "confirmed": "1", "notes": "Shouted at me"}, **HTMX
    )

    assert confirmed.status_code == 200
    assert Lead.objects.get(pk=call.lead_id).do_not_call is True
    assert call.lead.interactions.get(kind="call").notes == "Shouted at me"


def test_the_card_has_a_dialog_for_confirming_with_javascript(alice, rep_alice):
    call_for(lead_of(rep_alice))

    response = alice.get(reverse("queue:next"))

    assert '<dialog id="do-not-call-dialog"' in response.text
    assert 'data-confirm="do-not-call-dialog"' in response.text
