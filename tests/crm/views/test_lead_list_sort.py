"""The lead list sorted by score, last activity and next touch, both ways, page
by page; its owner shown by name; sort headings that say how the list is sorted."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.models import Lead
from followups.models import Channel, Touch
from tests.crm.views.pages import listed_ids, pager_link
from tests.factories import LeadFactory
from tests.followups.factories import TouchFactory

pytestmark = pytest.mark.django_db

LEAD_LIST = reverse("crm:lead_list")


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("crm.views.PAGE_SIZE", 3)


def every_page(client, params: dict) -> list[int]:
    """The lead ids of every page, following the Next links."""
    response = client.get(LEAD_LIST, params)
    ids = listed_ids(response)
    while link := pager_link(response, "next"):
        response = client.get(LEAD_LIST + link)
        ids += listed_ids(response)
    return ids


def back_from_the_last_page(client, params: dict) -> list[int]:
    response = client.get(LEAD_LIST, params)
    while link := pager_link(response, "next"):
        response = client.get(LEAD_LIST + link)
    ids = listed_ids(response)
    while link := pager_link(response, "prev"):
        response = client.get(LEAD_LIST + link)
        ids = listed_ids(response) + ids
    return ids


@pytest.fixture
def scored(rep_alice):
    # Ties on purpose: the id settles them, the same on every page.
    return [LeadFactory(owner=rep_alice, score=score) for score in (5, 30, 5, 80, 30, 5, 0)]


def test_a_rep_sorts_by_score_highest_first_page_by_page(alice, scored, small_pages):
    expected = [lead.pk for lead in sorted(scored, key=lambda lead: (-lead.score, -lead.pk))]

    assert every_page(alice, {"sort": "score"}) == expected
    assert back_from_the_last_page(alice, {"sort": "score"}) == expected


def test_a_rep_sorts_by_score_lowest_first_page_by_page(alice, scored, small_pages):
    expected = [lead.pk for lead in sorted(scored, key=lambda lead: (lead.score, lead.pk))]

    assert every_page(alice, {"sort": "score_lowest"}) == expected
    assert back_from_the_last_page(alice, {"sort": "score_lowest"}) == expected


def test_a_manager_sorts_by_last_activity_both_ways(maria, rep_alice, small_pages):
    now = timezone.now()
    leads = [
        LeadFactory(owner=rep_alice, last_activity_at=now - timedelta(days=days))
        for days in (3, 1, 3, 0, 7)
    ]
    latest = sorted(leads, key=lambda lead: (lead.last_activity_at, lead.pk), reverse=True)

    assert every_page(maria, {"sort": "activity"}) == [lead.pk for lead in latest]
    assert every_page(maria, {"sort": "activity_oldest"}) == [lead.pk for lead in latest][::-1]


@pytest.fixture
def touched(rep_alice):
    """Leads whose next open touch is due in 2, 1, 2 and 5 days, one with only a
    touch done long ago (so no next touch), one with none."""
    now = timezone.now()
    leads = {}
    for name, days in (("in2", 2), ("in1", 1), ("also_in2", 2), ("in5", 5)):
        lead = LeadFactory(owner=rep_alice, first_name=name)
        TouchFactory(lead=lead, due_at=now + timedelta(days=days))
        later = now + timedelta(days=days + 10)
        TouchFactory(lead=lead, due_at=later, channel=Channel.EMAIL)
        leads[name] = lead
    done = LeadFactory(owner=rep_alice, first_name="done")
    TouchFactory(lead=done, due_at=now - timedelta(days=30), status=Touch.Status.DONE)
    leads["done"] = done
    leads["none"] = LeadFactory(owner=rep_alice, first_name="none")
    return leads


def test_the_next_touch_sorts_soonest_first_leads_without_one_last(alice, touched, small_pages):
    names = ("in1", "in2", "also_in2", "in5", "done", "none")
    expected = [touched[name].pk for name in names]

    assert every_page(alice, {"sort": "next_touch"}) == expected
    assert back_from_the_last_page(alice, {"sort": "next_touch"}) == expected


def test_the_next_touch_sorts_latest_first_leads_without_one_still_last(
    alice, touched, small_pages
):
    names = ("in5", "also_in2", "in2", "in1", "none", "done")
    expected = [touched[name].pk for name in names]

    assert every_page(alice, {"sort": "next_touch_latest"}) == expected


def test_the_list_shows_each_leads_next_touch_and_score(alice, touched):
    response = alice.get(LEAD_LIST, {"sort": "next_touch"})

    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", response.text, re.S)[1]
    due = Touch.objects.filter(lead=touched["in1"]).order_by("due_at")[0].due_at
    assert f'datetime="{due.isoformat()}"' in first_row
    assert '<td class="number">0</td>' in first_row


def headings(response) -> dict[str, tuple[str | None, dict]]:
    """Each sortable heading: its aria-sort, and the query its link asks."""
    found = {}
    for attributes, href, label in re.findall(
        r'<th scope="col"([^>]*)>\s*<a class="sort" href="([^"]*)">([^<]*)', response.text
    ):
        sort = re.search(r'aria-sort="(\w+)"', attributes)
        query = parse_qs(urlsplit(unescape(href)).query)
        found[label] = (sort[1] if sort else None, query)
    return found


def test_the_sort_headings_say_how_the_list_is_sorted_and_turn_it_around(alice, scored):
    default = headings(alice.get(LEAD_LIST, {"q": "a"}))
    assert default["Last activity"] == ("descending", {"q": ["a"], "sort": ["activity_oldest"]})
    assert default["Score"] == (None, {"q": ["a"], "sort": ["score"]})
    assert default["Next touch"] == (None, {"q": ["a"], "sort": ["next_touch"]})

    by_score = headings(alice.get(LEAD_LIST, {"sort": "score", "after": scored[0].pk}))
    assert by_score["Score"] == ("descending", {"sort": ["score_lowest"]})  # from page one
    assert by_score["Last activity"] == (None, {"sort": ["activity"]})

    soonest = headings(alice.get(LEAD_LIST, {"sort": "next_touch"}))
    assert soonest["Next touch"] == ("ascending", {"sort": ["next_touch_latest"]})


def test_a_manager_sees_owners_by_name_in_the_column_and_the_filter(maria, rep_alice):
    LeadFactory(owner=rep_alice)

    response = maria.get(LEAD_LIST)

    assert "<td>Alice Rep</td>" in response.text
    assert re.search(rf'<option value="{rep_alice.pk}">Alice Rep</option>', response.text)


def test_an_owner_without_a_full_name_shows_by_username(maria, rep_alice):
    rep_alice.first_name = rep_alice.last_name = ""
    rep_alice.save()
    LeadFactory(owner=rep_alice)

    assert "<td>alice</td>" in maria.get(LEAD_LIST).text


def test_a_sorted_list_runs_a_bounded_number_of_queries(
    alice, touched, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        assert alice.get(LEAD_LIST, {"sort": "next_touch"}).status_code == 200


@pytest.mark.parametrize(
    ("owner", "index"), [(True, "lead_owner_score_idx"), (False, "lead_score_idx")]
)
@pytest.mark.parametrize("sort", ["score", "score_lowest"])
def test_a_list_sorted_by_score_reads_an_index_in_order(postgres, rep_alice, owner, index, sort):
    from crm.filters import LEAD_ORDERINGS

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    leads = Lead.objects.filter(owner=rep_alice) if owner else Lead.objects.all()

    plan = leads.order_by(*LEAD_ORDERINGS[sort])[:51].explain()

    assert f" {index} " in f"{plan}\n" and "Sort" not in plan, plan
