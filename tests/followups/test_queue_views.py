# ruff: noqa: RUF001 (pages write times and days with an en dash)
import datetime as dt
import html
import itertools
import re

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from crm.models import Interaction
from crm.roles import Role
from followups import queue_selectors, views
from followups.calls import call_claim_next, call_log_outcome
from followups.holidays.services import calling_hours_set_for_demo
from followups.models import Channel, Holiday, Touch
from followups.selectors import QUEUE_ORDER
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

# A Tuesday: 15:00 in London, 10:00 in New York, midnight going on Wednesday in Tokyo.
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
QUEUE = reverse("queue:next")
QUEUE_LIST = reverse("queue:list")
HTMX = {"HTTP_HX_REQUEST": "true"}

_keys = itertools.count()
_phones = itertools.count(100)


@pytest.fixture(autouse=True)
def tuesday_afternoon():
    with time_machine.travel(NOW, tick=False):
        yield


def lead_of(rep, **fields):
    """A lead of `rep` in London, callable now."""
    defaults = {
        "owner": rep,
        "phone": f"+4420794600{next(_phones):02d}",
        "country": "GB",
        "time_zone": "Europe/London",
    }
    return LeadFactory(**(defaults | fields))


def call_for(lead, *, priority=50, overdue=dt.timedelta(hours=1), **fields) -> Touch:
    """A pending call to `lead`, for its owner, due `overdue` ago."""
    values = {
        "lead": lead,
        "channel": Channel.CALL,
        "due_at": NOW - overdue,
        "reason": "Downloaded the pricing guide",
        "reason_at": NOW - overdue,
        "origin": "Cadence: Content download: call while it is fresh",
        "priority": priority,
        "assigned_to": lead.owner,
        "key": f"test:{next(_keys)}",
    }
    return Touch.objects.create(**(values | fields))


def card_heading(response) -> str:
    match = re.search(r'<h2 id="call-card-heading"[^>]*>([^<]*)</h2>', response.text)
    assert match, response.text
    return html.unescape(match.group(1))


def callable_cells(response) -> dict[int, str]:
    """Each listed touch's "Callable" cell, by touch id."""
    cells = re.findall(
        r'<tr id="touch-(\d+)">.*?<td class="callable">(.*?)</td>', response.text, re.S
    )
    return {int(pk): cell for pk, cell in cells}


def text_of(response) -> str:
    """The page as a person reads it: no tags, single spaces."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def log(client, touch, outcome, *, htmx=False, **data):
    url = reverse("queue:log", args=[touch.pk])
    return client.post(url, {"outcome": outcome, **data}, **(HTMX if htmx else {}))


def listed_touches(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [int(pk) for pk in re.findall(r'<tr id="touch-(\d+)">', response.text)]


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

    found = queue_selectors.next_call(rep_alice, NOW)

    assert (found.touch.lead, found.place, found.waiting) == (lead, "Osaka (Asia/Tokyo)", 1)
    assert found.at == dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC)
    assert found.lead_time.strftime("%a %H:%M") == "Wed 09:00"


def test_a_call_not_due_yet_can_open_before_the_waiting_ones(rep_alice):
    call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP"))
    soon = call_for(lead_of(rep_alice), overdue=-dt.timedelta(minutes=30))  # London, open

    found = queue_selectors.next_call(rep_alice, NOW)

    assert (found.touch, found.at, found.waiting) == (soon, NOW + dt.timedelta(minutes=30), 1)


def test_the_next_call_costs_the_same_queries_for_any_number_of_waiting_calls(
    rep_alice, django_assert_num_queries
):
    zones = ["Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Pacific/Auckland"]
    for n in range(40):
        call_for(lead_of(rep_alice, time_zone=zones[n % 4], country="JP"))
    queue_selectors.next_call(rep_alice, NOW)  # the holidays and calling hours, kept

    # The due calls by zone, the first of the zone that opens first, the calls not due yet.
    with django_assert_num_queries(4):  # and the holidays ahead
        found = queue_selectors.next_call(rep_alice, NOW)

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


# Logging a call


def test_logging_an_outcome_with_htmx_records_the_call_and_shows_the_next_lead(alice, rep_alice):
    first = call_for(lead_of(rep_alice, first_name="Ada", last_name="First"), priority=90)
    call_for(lead_of(rep_alice, first_name="Ben", last_name="Second"), priority=50)
    alice.get(QUEUE)

    response = log(alice, first, "meeting", notes="Demo on Friday", htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.text  # only the card
    assert card_heading(response) == "Call Ben Second"
    assert "Logged “Meeting booked” for Ada First — Undo" in text_of(response)
    call = Interaction.objects.get(lead=first.lead, kind=Interaction.Kind.CALL)
    assert (call.outcome, call.notes, call.user) == ("meeting", "Demo on Friday", rep_alice)
    first.refresh_from_db()
    assert (first.status, first.outcome) == (Touch.Status.DONE, "meeting")


def test_the_card_shows_earlier_calls_by_their_outcomes_label(alice, rep_alice):
    lead = lead_of(rep_alice, first_name="Ada", last_name="First")
    for when, outcome in ((3, "voicemail"), (2, "Rang, a fax answered")):
        InteractionFactory(
            lead=lead,
            kind=Interaction.Kind.CALL,
            outcome=outcome,
            occurred_at=NOW - dt.timedelta(days=when),
        )
    call_for(lead)

    text = text_of(alice.get(QUEUE))

    assert "Called and left a voicemail" in text
    assert "Called — Rang, a fax answered" in text  # free text from before codes, as it was


def test_logging_an_outcome_without_htmx_redirects_to_the_next_lead(alice, rep_alice):
    first = call_for(lead_of(rep_alice, first_name="Ada", last_name="First"), priority=90)
    call_for(lead_of(rep_alice, first_name="Ben", last_name="Second"), priority=50)
    alice.get(QUEUE)

    response = log(alice, first, "no_answer")

    assert response.status_code == 302
    assert response.url == QUEUE
    page = alice.get(QUEUE)
    assert card_heading(page) == "Call Ben Second"
    assert "Logged “No answer” for Ada First — Undo" in text_of(page)
    call = Interaction.objects.get(lead=first.lead, kind=Interaction.Kind.CALL)
    assert (call.outcome, call.outcome_label) == ("no_answer", "No answer")
    first.refresh_from_db()
    assert first.status == Touch.Status.DONE  # outside a cadence nothing else is planned


def test_logging_the_last_call_shows_the_empty_state(alice, rep_alice):
    only = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    response = log(alice, only, "not_interested", htmx=True)

    assert card_heading(response) == "Nothing to call right now"


def test_call_back_at_requires_a_future_time(alice, rep_alice):
    touch = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    past = log(alice, touch, "call_back", call_back_at="2026-12-01T14:59", htmx=True)
    missing = log(alice, touch, "call_back", call_back_at="", htmx=True)
    plain = log(alice, touch, "call_back", call_back_at="2026-11-30T10:00")

    assert past.status_code == missing.status_code == plain.status_code == 400
    assert "Pick a time in the future." in past.text
    assert "<html" not in past.text
    assert "When should we call back?" in missing.text
    assert "Pick a time in the future." in plain.text
    assert "<html" in plain.text  # a plain post gets the whole page back
    touch.refresh_from_db()
    assert touch.status == Touch.Status.CLAIMED
    assert not Interaction.objects.filter(kind=Interaction.Kind.CALL).exists()


def test_call_back_at_is_read_in_the_reps_time_zone(alice, rep_alice):
    rep_alice.time_zone = "Europe/Berlin"
    rep_alice.save()
    touch = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    response = log(alice, touch, "call_back", call_back_at="2026-12-02T10:30", htmx=True)

    assert response.status_code == 200
    again = touch.lead.touches.get(status=Touch.Status.PENDING)
    assert again.due_at == dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


def test_a_call_back_time_is_ignored_for_other_outcomes(alice, rep_alice):
    touch = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    response = log(alice, touch, "voicemail", call_back_at="2026-11-30T10:00", htmx=True)

    assert response.status_code == 200
    touch.refresh_from_db()
    assert touch.outcome == "voicemail"


def test_an_unknown_outcome_is_refused(alice, rep_alice):
    touch = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    response = log(alice, touch, "hung_up", htmx=True)

    assert response.status_code == 400
    assert "Select a valid choice." in response.text


def test_a_call_logged_meanwhile_answers_400_with_the_message(alice, rep_alice, monkeypatch):
    touch = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    def logged_by_another_tab_first(**kwargs):
        call_log_outcome(**kwargs)
        return call_log_outcome(**kwargs)

    monkeypatch.setattr(views, "call_log_outcome", logged_by_another_tab_first)
    response = log(alice, touch, "no_answer", htmx=True)

    assert response.status_code == 400
    assert "This call has been logged already." in response.text
    assert Interaction.objects.filter(kind=Interaction.Kind.CALL).count() == 1


# Skipping


def test_skipping_gives_the_call_back_to_the_queue_and_shows_the_next(alice, rep_alice):
    first = call_for(lead_of(rep_alice, first_name="Ada", last_name="First"), priority=90)
    second = call_for(lead_of(rep_alice, first_name="Ben", last_name="Second"), priority=50)
    alice.get(QUEUE)

    response = alice.post(reverse("queue:skip", args=[first.pk]), **HTMX)

    assert response.status_code == 200
    assert card_heading(response) == "Call Ben Second"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.claimed_by, first.claimed_at) == (Touch.Status.PENDING, None, None)
    assert (second.status, second.claimed_by) == (Touch.Status.CLAIMED, rep_alice)
    assert not Interaction.objects.filter(kind=Interaction.Kind.CALL).exists()


def test_skipped_call_comes_back_after_the_next_one(alice, rep_alice):
    first = call_for(lead_of(rep_alice, first_name="Ada", last_name="First"), priority=90)
    second = call_for(lead_of(rep_alice, first_name="Ben", last_name="Second"), priority=50)
    alice.get(QUEUE)
    alice.post(reverse("queue:skip", args=[first.pk]))

    response = log(alice, second, "interested", htmx=True)

    assert card_heading(response) == "Call Ada First"


def test_skipping_the_only_call_leaves_it_in_the_queue(alice, rep_alice):
    only = call_for(lead_of(rep_alice))
    alice.get(QUEUE)

    response = alice.post(reverse("queue:skip", args=[only.pk]))

    assert response.status_code == 302
    only.refresh_from_db()
    assert only.status == Touch.Status.PENDING
    assert card_heading(alice.get(QUEUE)) == f"Call {only.lead.display_name}"


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


# Today's list


def test_todays_list_shows_each_call_due_today_in_queue_order_and_when_it_opens(
    alice, rep_alice, rep_bob
):
    now = call_for(lead_of(rep_alice), priority=50)
    tokyo = call_for(lead_of(rep_alice, time_zone="Asia/Tokyo", country="JP"), priority=90)
    evening = call_for(lead_of(rep_alice), priority=70, overdue=-dt.timedelta(hours=5))
    call_for(lead_of(rep_alice), overdue=-dt.timedelta(hours=10))  # tomorrow
    call_for(lead_of(rep_bob), priority=99)

    response = alice.get(QUEUE_LIST)

    assert listed_touches(response) == [tokyo.pk, evening.pk, now.pk]
    rows = callable_cells(response)
    assert "Now" in rows[now.pk]
    assert "from <time" in rows[tokyo.pk] and "Wed 2 Dec 2026, 00:00" in rows[tokyo.pk]
    assert "Wed 2 Dec 2026, 09:00" in rows[evening.pk]  # London closes at 18:00


def test_todays_list_says_when_a_paused_lead_may_be_called_and_who_may_not(alice, rep_alice):
    paused = call_for(lead_of(rep_alice, calls_paused_until=NOW + dt.timedelta(days=1)))
    refused = call_for(lead_of(rep_alice, do_not_call=True), priority=40)

    response = alice.get(QUEUE_LIST)

    cells = callable_cells(response)
    assert "Wed 2 Dec 2026, 15:00" in cells[paused.pk]
    assert "May not be called" in cells[refused.pk]


def test_todays_list_ends_at_midnight_in_the_reps_time_zone(alice, rep_alice):
    rep_alice.time_zone = "Asia/Tokyo"  # already Wednesday 00:00 there: a whole day ahead
    rep_alice.save()
    later = call_for(lead_of(rep_alice), overdue=-dt.timedelta(hours=10))

    assert listed_touches(alice.get(QUEUE_LIST)) == [later.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["expo", "interaction", "reason", "german", "qualified"]),
        ({"campaign": "EXPO"}, ["expo", "interaction"]),
        ({"reason": "WEBINAR"}, ["reason"]),
        ({"country": "Germany"}, ["german"]),
        ({"country": "de"}, ["german"]),
        ({"time_zone": "europe/berlin"}, ["german"]),
        ({"time_zone": "America/"}, ["expo", "interaction", "reason", "qualified"]),
        ({"stage": "qualified"}, ["qualified"]),
    ],
)
def test_todays_list_filters(alice, rep_alice, query, expected):
    expo = CampaignFactory(name="Expo")
    visit = InteractionFactory(lead=lead_of(rep_alice), campaign=expo)
    touches = {
        "expo": call_for(lead_of(rep_alice, time_zone="America/New_York", source_campaign=expo)),
        "interaction": call_for(visit.lead, interaction=visit, priority=49),
        "reason": call_for(lead_of(rep_alice), reason="Watched the webinar", priority=48),
        "german": call_for(
            lead_of(rep_alice, country="DE", time_zone="Europe/Berlin"), priority=47
        ),
        "qualified": call_for(lead_of(rep_alice, stage="qualified"), priority=46),
    }
    for name in ("interaction", "reason", "qualified"):
        touches[name].lead.time_zone = "America/Chicago"
        touches[name].lead.save()
    if "campaign" in query:
        query = {"campaign": expo.pk}

    response = alice.get(QUEUE_LIST, query)

    assert listed_touches(response) == [touches[name].pk for name in expected]


def test_an_unknown_campaign_filter_answers_400(alice, rep_alice):
    response = alice.get(QUEUE_LIST, {"campaign": "999999"})

    assert response.status_code == 400
    assert "Check the filters" in response.text


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


@pytest.mark.parametrize("calls", [2, 20])
def test_todays_list_costs_a_fixed_number_of_queries(
    alice, rep_alice, calls, django_assert_max_num_queries
):
    expo = CampaignFactory()
    for _ in range(calls):
        visit = InteractionFactory(lead=lead_of(rep_alice), campaign=expo)
        call_for(visit.lead, interaction=visit)

    # 8, the count of the whole day, the audiences, the calling hours
    with django_assert_max_num_queries(11):
        response = alice.get(QUEUE_LIST)

    assert len(listed_touches(response)) == calls


def test_logging_a_call_costs_a_bounded_number_of_queries(
    alice, rep_alice, django_assert_max_num_queries
):
    touches = [call_for(lead_of(rep_alice), priority=90 - n) for n in range(10)]
    alice.get(QUEUE)

    # 39 with rescoring the lead after its call (crm.scoring: 4 queries) and the
    # cadence triggers (1 query for the batch); 41 with keeping what the outcome
    # changed for its undo (followups.undo: 5) and offering it on the next card;
    # 44 with the audit trail's record of the stage the call moved (crm.audit: the
    # old stage read, the entry written, in a savepoint)
    with django_assert_max_num_queries(44):
        response = log(alice, touches[0], "no_answer", htmx=True)

    assert response.status_code == 200


def test_a_manager_can_work_calls_assigned_to_them(maria, manager_maria):
    lead = lead_of(
        UserFactory(username="carol", role=Role.REP), first_name="Angry", last_name="Customer"
    )
    call_for(lead, assigned_to=manager_maria)

    assert card_heading(maria.get(QUEUE)) == "Call Angry Customer"


def test_a_long_day_lists_the_first_rows_and_says_how_many_there_are(alice, rep_alice, monkeypatch):
    from followups import views

    for _ in range(3):
        call_for(lead_of(rep_alice))
    monkeypatch.setattr(views, "LIST_ROWS", 2)

    response = alice.get(QUEUE_LIST)

    assert len(listed_touches(response)) == 2
    assert "3 calls today — the first 2 shown" in response.text


def test_a_long_day_is_read_page_by_page_in_queue_order(alice, rep_alice, monkeypatch):
    from followups import views

    calls = [
        call_for(lead_of(rep_alice), priority=priority, overdue=dt.timedelta(hours=hours))
        for priority, hours in [(50, 1), (90, 1), (50, 3), (10, 5), (50, 2)]
    ]
    monkeypatch.setattr(views, "LIST_ROWS", 2)
    in_queue_order = [calls[i].pk for i in (1, 2, 4, 0, 3)]

    first = alice.get(QUEUE_LIST)
    second = alice.get(page_link(first, "next"))
    third = alice.get(page_link(second, "next"))
    back = alice.get(page_link(third, "prev"))

    pages = [listed_touches(page) for page in (first, second, third)]
    assert [pk for page in pages for pk in page] == in_queue_order
    assert 'rel="next"' not in third.text
    assert listed_touches(back) == pages[1]
    assert "5 calls today — 1 shown, in queue order" in third.text


@pytest.mark.postgres
def test_a_page_of_the_day_is_read_in_queue_order_from_the_open_touches_index(postgres, rep_alice):
    """A page seeks the index in the list's order instead of sorting the rep's whole
    day: guards that the partial index keeps matching the list's query."""
    call_for(lead_of(rep_alice))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # until the test's rollback
    day = queue_selectors.todays_queue(rep_alice)

    plan = day.order_by(*QUEUE_ORDER)[: views.LIST_ROWS + 1].explain()

    assert "touch_open_queue_idx" in plan and "Sort" not in plan, plan


def page_link(response, rel: str) -> str:
    query = re.search(rf'href="\?([^"]+)" rel="{rel}"', response.text)[1]
    return f"{QUEUE_LIST}?{query.replace('&amp;', '&')}"


def test_a_very_long_day_is_counted_no_further_than_the_cap(alice, rep_alice, monkeypatch):
    """A rep with a hundred thousand calls due is not kept waiting while they are
    all counted: the list says there are at least so many."""
    from followups import views

    for _ in range(4):
        call_for(lead_of(rep_alice))
    monkeypatch.setattr(views, "LIST_ROWS", 2)
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)

    response = alice.get(QUEUE_LIST)

    assert len(listed_touches(response)) == 2
    assert "3+ calls today — the first 2 shown" in response.text


def test_a_day_of_exactly_the_cap_is_counted_exactly(alice, rep_alice, monkeypatch):
    from followups import views

    for _ in range(3):
        call_for(lead_of(rep_alice))
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)

    response = alice.get(QUEUE_LIST)

    assert "3 calls today" in response.text and "3+" not in response.text
