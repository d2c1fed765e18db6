"""Today's list: every call due today in queue order with when it opens, its
filters, its pages and its count."""

import datetime as dt
import re

import pytest
from django.db import connection

from followups.queue import selectors, views
from followups.queue.selectors import QUEUE_ORDER
from tests.factories import CampaignFactory, InteractionFactory
from tests.followups.queue.cards import (
    NOW,
    QUEUE_LIST,
    call_for,
    callable_cells,
    lead_of,
    listed_touches,
    tuesday_afternoon,  # noqa: F401 (autouse)
)

pytestmark = pytest.mark.django_db


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


def test_a_long_day_lists_the_first_rows_and_says_how_many_there_are(alice, rep_alice, monkeypatch):
    from followups.queue import views

    for _ in range(3):
        call_for(lead_of(rep_alice))
    monkeypatch.setattr(views, "LIST_ROWS", 2)

    response = alice.get(QUEUE_LIST)

    assert len(listed_touches(response)) == 2
    assert "3 calls today — the first 2 shown" in response.text


def test_a_long_day_is_read_page_by_page_in_queue_order(alice, rep_alice, monkeypatch):
    from followups.queue import views

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
    day = selectors.todays_queue(rep_alice)

    plan = day.order_by(*QUEUE_ORDER)[: views.LIST_ROWS + 1].explain()

    assert "touch_open_queue_idx" in plan and "Sort" not in plan, plan


def page_link(response, rel: str) -> str:
    query = re.search(rf'href="\?([^"]+)" rel="{rel}"', response.text)[1]
    return f"{QUEUE_LIST}?{query.replace('&amp;', '&')}"


def test_a_very_long_day_is_counted_no_further_than_the_cap(alice, rep_alice, monkeypatch):
    """A rep with a hundred thousand calls due is not kept waiting while they are
    all counted: the list says there are at least so many."""
    from followups.queue import views

    for _ in range(4):
        call_for(lead_of(rep_alice))
    monkeypatch.setattr(views, "LIST_ROWS", 2)
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)

    response = alice.get(QUEUE_LIST)

    assert len(listed_touches(response)) == 2
    assert "3+ calls today — the first 2 shown" in response.text


def test_a_day_of_exactly_the_cap_is_counted_exactly(alice, rep_alice, monkeypatch):
    from followups.queue import views

    for _ in range(3):
        call_for(lead_of(rep_alice))
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)

    response = alice.get(QUEUE_LIST)

    assert "3 calls today" in response.text and "3+" not in response.text
