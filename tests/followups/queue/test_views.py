# ruff: noqa: RUF001 (pages write times and days with an en dash)
"""The call queue page: the next call claimed on its card, the empty state and
when the next call opens, who may open the queue, and what the page costs."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from crm.models import Interaction
from crm.roles import Role
from followups.holidays.services import calling_hours_set_for_demo
from followups.models import Holiday, Touch
from followups.queue import selectors
from followups.queue.services import call_claim_next
from tests.factories import CampaignFactory, InteractionFactory, UserFactory
from tests.followups.queue.cards import (
    NOW,
    QUEUE,
    QUEUE_LIST,
    call_for,
    card_heading,
    lead_of,
    listed_touches,
    log,
    text_of,
    tuesday_afternoon,  # noqa: F401 (autouse)
)

pytestmark = pytest.mark.django_db


# The next call


def test_rep_gets_their_highest_priority_then_most_overdue_call_claimed(alice, rep_alice):
    call_for(lead_of(rep_alice, first_name="Low"), priority=50, overdue=dt.timedelta(days=2))
    call_for(lead_of(rep_alice, first_name="Recent"), priority=90, overdue=dt.timedelta(minutes=5))
    oldest = call_for(lead_of(rep_alice, first_name="Oldest", last_name="Urgent"), priority=90)

    response = alice.get(QUEUE)

    assert response.status_code == 200
    assert card_heading(response) == "Call Oldest Urgent"
    oldest.refresh_from_db()
    assert oldest.status == Touch.Status.CLAIMED
    assert oldest.claimed_by == rep_alice


def test_opening_the_queue_again_shows_the_same_claimed_call(alice, rep_alice):
    call_for(lead_of(rep_alice, first_name="First", last_name="Lead"), priority=90)
    call_for(lead_of(rep_alice, first_name="Second", last_name="Lead"), priority=10)

    alice.get(QUEUE)
    response = alice.get(QUEUE)

    assert card_heading(response) == "Call First Lead"
    assert Touch.objects.filter(status=Touch.Status.CLAIMED).count() == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"do_not_call": True}, "they asked not to be called"),
        ({"phone_invalid": True}, "the number is wrong"),
        ({"phone": ""}, "there is no phone number"),
        ({"calls_paused_until": NOW + dt.timedelta(days=90)}, "calls to them are paused"),
    ],
)
def test_a_claimed_call_whose_lead_may_no_longer_be_called_leaves_the_card(
    alice, rep_alice, change, reason
):
    held = call_for(lead_of(rep_alice, first_name="Held"), priority=90)
    other = call_for(lead_of(rep_alice, first_name="Other"), priority=10)
    alice.get(QUEUE)
    # Meanwhile the lead changes: an API call, an import, another rep's outcome.
    type(held.lead).objects.filter(pk=held.lead_id).update(**change)

    response = alice.get(QUEUE)

    assert response.context["touch"] == other
    text = html.unescape(response.text)
    assert f"The call to Held {held.lead.last_name} is off your list: {reason}." in text
    held.refresh_from_db()
    assert (held.status, held.outcome) == (Touch.Status.SKIPPED, reason)


def test_the_card_says_why_now_and_how_to_call(alice, rep_alice):
    expo = CampaignFactory(name="Expo 2026")
    lead = lead_of(
        rep_alice,
        first_name="Dana",
        last_name="Whitfield",
        company="Northwind",
        title="Head of IT",
        phone="+442079460123",
        phone_ext="42",
        source_campaign=expo,
    )
    InteractionFactory(
        lead=lead,
        kind=Interaction.Kind.BOOTH_VISIT,
        notes="Asked about volume pricing",
        occurred_at=NOW - dt.timedelta(days=3),
    )
    call_for(
        lead,
        reason="No answer (1 of 3 tries)",
        reason_at=NOW - dt.timedelta(hours=2),
        origin="Call outcome",
        priority=70,
        attempt=2,
        talking_points="Mention the volume discount.",
    )

    response = alice.get(QUEUE)

    text = text_of(response)
    assert "No answer (1 of 3 tries) · 2 hours ago" in text
    assert "Origin Call outcome Priority 70 Attempt try 2 of 3" in text
    assert "Head of IT at Northwind" in text
    assert "First source Expo 2026" in text
    assert "Call +44 20 7946 0123 ext. 42" in text
    assert 'href="tel:+442079460123;ext=42"' in response.text
    assert "Their time: Tue 15:00 (Europe/London)" in text
    assert "Mention the volume discount." in text
    assert "Asked about volume pricing" in text
    assert response.text.count('aria-keyshortcuts="') == 8
    assert '<kbd aria-hidden="true">3</kbd> Meeting booked' in response.text


def test_the_card_tells_the_rep_how_to_address_the_person(alice, rep_alice):
    name = {"name_prefix": "Prof. Dr.", "first_name": "Anna", "last_name": "Schmidt"}
    call_for(lead_of(rep_alice, name_suffix="MBA", **name))

    assert card_heading(alice.get(QUEUE)) == "Call Prof. Dr. Anna Schmidt, MBA"


def test_the_card_shows_the_ten_latest_interactions(alice, rep_alice):
    lead = lead_of(rep_alice)
    for days in range(12):
        InteractionFactory(
            lead=lead, notes=f"note {days} days ago", occurred_at=NOW - dt.timedelta(days=days)
        )
    call_for(lead)

    page = alice.get(QUEUE).text

    assert "note 9 days ago" in page
    assert "note 10 days ago" not in page


def test_a_rep_with_no_calls_sees_the_empty_state(alice, rep_alice):
    response = alice.get(QUEUE)

    assert response.status_code == 200
    assert card_heading(response) == "Nothing to call right now"
    assert "No calls are planned for you." in response.text


def test_the_empty_state_says_when_the_next_call_opens(alice, rep_alice):
    # Tokyo opens at 09:00 there = 00:00 UTC tomorrow; London's call is due at 16:30 today.
    call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP"), priority=90)
    call_for(lead_of(rep_alice), overdue=-dt.timedelta(minutes=90))
    call_for(lead_of(rep_alice, do_not_call=True), overdue=-dt.timedelta(minutes=10))

    response = alice.get(QUEUE)

    assert card_heading(response) == "Nothing to call right now"
    assert "Your next call opens" in response.text
    assert "(Tue 1 Dec 2026, 16:30)" in response.text
    assert not Touch.objects.filter(status=Touch.Status.CLAIMED).exists()


def test_the_empty_state_waits_for_calling_hours(alice, rep_alice):
    call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP"))

    response = alice.get(QUEUE)

    assert "(Wed 2 Dec 2026, 00:00)" in response.text  # 09:00 in Tokyo


def test_the_empty_state_says_whose_call_opens_next_where_in_their_time_and_the_reps(
    alice, rep_alice
):
    rep_alice.time_zone = "America/New_York"
    rep_alice.save()
    # Tuesday 15:00 UTC is midnight in Tokyo and 16:00 in Madrid (a holiday there).
    Holiday.objects.create(date=NOW.date(), name="Fiesta", country="ES")
    laura = lead_of(
        rep_alice, first_name="Laura", last_name="Pérez", time_zone="Europe/Madrid", country="ES"
    )
    call_for(laura, priority=90)
    call_for(
        lead_of(
            rep_alice, first_name="Kenji", last_name="Sato", time_zone="Asia/Tokyo", country="JP"
        )
    )
    call_for(lead_of(rep_alice, first_name="Yui", time_zone="Asia/Tokyo", country="JP"))
    call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP", city="Osaka"), priority=10)

    response = alice.get(QUEUE)
    page = text_of(response)

    # Tokyo opens first, Wednesday 09:00 there: Tuesday 19:00 in New York.
    assert "Nothing to call right now" in page
    who = re.search(r'<p class="next-call-who"[^>]*>(.*?)</p>', response.text, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", who)) == (
        "Kenji Sato, Tokyo: callable Wed 09:00 their time — Tue 19:00 yours."
    )
    assert "4 due calls wait for calling hours in their leads’ time zones." in page
    assert "Calls are offered Mon–Fri, 09:00–18:00 in each lead’s own time" in page


def test_the_next_call_names_the_city_and_the_zone_when_they_differ(rep_alice):
    lead = lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP", city="Osaka")
    call_for(lead)

    found = selectors.next_call(rep_alice, NOW)

    assert (found.touch.lead, found.place, found.waiting) == (lead, "Osaka (Asia/Tokyo)", 1)
    assert found.at == dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC)
    assert found.lead_time.strftime("%a %H:%M") == "Wed 09:00"


def test_a_call_not_due_yet_can_open_before_the_waiting_ones(rep_alice):
    call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP"))
    soon = call_for(lead_of(rep_alice), overdue=-dt.timedelta(minutes=30))  # London, open

    found = selectors.next_call(rep_alice, NOW)

    assert (found.touch, found.at, found.waiting) == (soon, NOW + dt.timedelta(minutes=30), 1)


def test_the_next_call_costs_the_same_queries_for_any_number_of_waiting_calls(
    rep_alice, django_assert_num_queries
):
    zones = ["Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Pacific/Auckland"]
    for n in range(40):
        call_for(lead_of(rep_alice, time_zone=zones[n % 4], country="JP"))
    selectors.next_call(rep_alice, NOW)  # the holidays and calling hours, kept

    # The due calls by zone, the first of the zone that opens first, the calls not due yet.
    with django_assert_num_queries(4):  # and the holidays ahead
        found = selectors.next_call(rep_alice, NOW)

    assert found.waiting == 40


def test_the_demo_queue_says_its_calling_hours_are_the_demos(alice, rep_alice):
    calling_hours_set_for_demo()

    page = text_of(alice.get(QUEUE))

    assert (
        "Demo calling hours: every day, 00:00–24:00, set by the demo seed so the queue "
        "works at any hour; a manager can change them." in page
    )


def test_times_are_shown_in_the_reps_time_zone(alice, rep_alice):
    rep_alice.time_zone = "America/New_York"
    rep_alice.save()
    call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP"))

    response = alice.get(QUEUE)

    assert "(Tue 1 Dec 2026, 19:00)" in response.text


# Only one's own queue


def test_rep_cannot_log_or_skip_another_reps_call(alice, rep_alice, rep_bob):
    bobs = call_for(lead_of(rep_bob))
    call_claim_next(user=rep_bob)
    alices_unclaimed = call_for(lead_of(rep_alice))

    responses = [
        log(alice, bobs, "do_not_call"),
        log(alice, bobs, "do_not_call", htmx=True),
        alice.post(reverse("queue:skip", args=[bobs.pk])),
        log(alice, alices_unclaimed, "no_answer"),
        alice.post(reverse("queue:skip", args=[alices_unclaimed.pk])),
    ]

    assert [response.status_code for response in responses] == [404] * 5
    bobs.refresh_from_db()
    assert (bobs.status, bobs.claimed_by) == (Touch.Status.CLAIMED, rep_bob)
    assert not Interaction.objects.filter(kind=Interaction.Kind.CALL).exists()
    assert not bobs.lead.do_not_call


def test_rep_never_sees_another_reps_leads_in_the_queue_or_the_list(alice, rep_alice, rep_bob):
    bobs = call_for(lead_of(rep_bob, first_name="Secret", last_name="Person"), priority=99)

    queue = alice.get(QUEUE)
    today = alice.get(QUEUE_LIST)

    assert card_heading(queue) == "Nothing to call right now"
    assert listed_touches(today) == []
    assert "Secret Person" not in queue.text + today.text
    bobs.refresh_from_db()
    assert bobs.status == Touch.Status.PENDING


def test_the_queue_is_for_people_who_make_calls(client, mailroom_max):
    client.force_login(mailroom_max)

    assert client.get(QUEUE).status_code == 403
    assert client.get(QUEUE_LIST).status_code == 403


def test_the_queue_asks_anonymous_visitors_to_log_in(client):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_reps_see_the_queue_in_the_menu(alice, rep_alice):
    page = alice.get(reverse("crm:lead_list")).text

    assert f'href="{QUEUE}"' in page


# Query counts


@pytest.mark.parametrize("calls", [2, 20])
def test_the_queue_page_costs_a_fixed_number_of_queries(
    alice, rep_alice, calls, django_assert_max_num_queries
):
    for _ in range(calls):
        lead = lead_of(rep_alice)
        InteractionFactory.create_batch(3, lead=lead)
        call_for(lead)

    # 13, and the calling hours (kept a minute)
    with django_assert_max_num_queries(14):
        response = alice.get(QUEUE)

    assert response.status_code == 200


@pytest.mark.parametrize("calls", [2, 20])
def test_the_empty_queue_page_costs_a_fixed_number_of_queries(
    alice, rep_alice, calls, django_assert_max_num_queries
):
    for _ in range(calls):
        call_for(lead_of(rep_alice, time_zone="Asia/Tokyo"))

    # The next call: the due calls counted by zone, the first of the zone that
    # opens first, the calls not due yet; and the calling hours (kept a minute).
    with django_assert_max_num_queries(15):
        response = alice.get(QUEUE)

    assert card_heading(response) == "Nothing to call right now"


def test_a_manager_can_work_calls_assigned_to_them(maria, manager_maria):
    lead = lead_of(
        UserFactory(username="carol", role=Role.REP), first_name="Angry", last_name="Customer"
    )
    call_for(lead, assigned_to=manager_maria)

    assert card_heading(maria.get(QUEUE)) == "Call Angry Customer"
