"""The lead list: filtering, searching, paging, htmx and its query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import views
from crm.models import Interaction, Lead
from tests.crm.views.pages import LEAD_LIST, listed_ids, pager_link
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_list_filters_by_stage(maria):
    customer = LeadFactory(stage=Lead.Stage.CUSTOMER)
    LeadFactory(stage=Lead.Stage.NEW)

    assert listed_ids(maria.get(LEAD_LIST, {"stage": "customer"})) == [customer.pk]


def test_the_list_filters_by_campaign_as_source_or_interaction(maria):
    expo = CampaignFactory(name="Expo")
    sourced = LeadFactory(source_campaign=expo)
    visited = LeadFactory(source_campaign=CampaignFactory())
    InteractionFactory(lead=visited, campaign=expo, kind=Interaction.Kind.BOOTH_VISIT)
    InteractionFactory(lead=visited, campaign=expo, kind=Interaction.Kind.NOTE)
    LeadFactory(source_campaign=None)

    ids = listed_ids(maria.get(LEAD_LIST, {"campaign": expo.pk}))

    assert sorted(ids) == sorted([sourced.pk, visited.pk])


@pytest.mark.parametrize("country", ["DE", "de", "Germany", "Deutschland"])
def test_the_list_filters_by_country_code_or_name(maria, country):
    german = LeadFactory(country="DE")
    LeadFactory(country="US")

    assert listed_ids(maria.get(LEAD_LIST, {"country": country})) == [german.pk]


def test_an_unknown_country_lists_nobody(maria):
    LeadFactory(country="AT")

    response = maria.get(LEAD_LIST, {"country": "Atlantis"})

    assert listed_ids(response) == []
    assert "No leads match." in response.text


@pytest.mark.parametrize(
    "text", ["Jones", "mary jones", "MARY@example", "Acme", "2671", "415-555-2671"]
)
def test_the_list_searches_name_email_company_and_phone(maria, text):
    mary = LeadFactory(
        first_name="Mary",
        last_name="Jones",
        email="mary@example.com",
        company="Acme Corp",
        phone="+14155552671",
    )
    LeadFactory(first_name="Ben", last_name="Smith", company="Other", phone="+12125550100")

    assert listed_ids(maria.get(LEAD_LIST, {"q": text})) == [mary.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"stage": "bogus"},
        {"campaign": "abc"},
        {"campaign": "999999"},
        {"owner": "abc"},
        {"sort": "shoe-size"},
    ],
)
def test_an_invalid_filter_choice_answers_400_with_the_form(maria, query):
    LeadFactory()

    response = maria.get(LEAD_LIST, query)

    assert response.status_code == 400
    assert 'class="error"' in response.text


@pytest.mark.parametrize(
    "query",
    [
        {"after": "abc"},
        {"after": "-5"},
        {"after": "²"},
        {"before": "1.5"},
        {"after": "99999999999999999999999"},
        {"country": "Atlantis"},
        {"q": "%_'\"\\"},
    ],
)
def test_bad_paging_or_filter_values_answer_without_an_error(maria, query):
    LeadFactory()

    response = maria.get(LEAD_LIST, query)

    assert response.status_code == 200


def test_the_list_walks_pages_forward_and_back(maria):
    now = timezone.now()
    # Some share a last activity, so the id breaks ties.
    for i in range(120):
        LeadFactory(last_activity_at=now - timedelta(minutes=i // 3))
    assert views.PAGE_SIZE == 50

    first = maria.get(LEAD_LIST)
    second = maria.get(LEAD_LIST + pager_link(first, "next"))
    third = maria.get(LEAD_LIST + pager_link(second, "next"))
    pages = [listed_ids(first), listed_ids(second), listed_ids(third)]

    assert [len(page) for page in pages] == [50, 50, 20]
    walked = [pk for page in pages for pk in page]
    expected = Lead.objects.order_by("-last_activity_at", "-id").values_list("pk", flat=True)
    assert walked == list(expected)
    assert pager_link(first, "prev") is None
    assert pager_link(third, "next") is None
    back = maria.get(LEAD_LIST + pager_link(third, "prev"))
    assert listed_ids(back) == pages[1]
    back_again = maria.get(LEAD_LIST + pager_link(back, "prev"))
    assert listed_ids(back_again) == pages[0]
    assert pager_link(back_again, "prev") is None


def test_paging_keeps_the_filter(maria):
    for _ in range(55):
        LeadFactory(stage=Lead.Stage.WORKING)
    LeadFactory(stage=Lead.Stage.NEW)

    first = maria.get(LEAD_LIST, {"stage": "working"})
    second = maria.get(LEAD_LIST + pager_link(first, "next"))

    assert "stage=working" in pager_link(first, "next")
    assert (len(listed_ids(first)), len(listed_ids(second))) == (50, 5)


def test_an_htmx_request_gets_only_the_table(maria):
    lead = LeadFactory()

    response = maria.get(LEAD_LIST, headers={"HX-Request": "true"})

    assert listed_ids(response) == [lead.pk]
    assert "<html" not in response.text


def test_the_list_page_runs_a_bounded_number_of_queries(
    maria, rep_alice, rep_bob, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    for i in range(60):
        LeadFactory(owner=(rep_alice, rep_bob)[i % 2], source_campaign=campaign)

    # session, user, roles, page, count, 2 x permissions, owner and campaign choices
    with django_assert_max_num_queries(9):
        response = maria.get(LEAD_LIST)

    assert len(listed_ids(response)) == 50


def test_the_filtered_list_runs_a_bounded_number_of_queries(
    alice, rep_alice, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    leads = LeadFactory.create_batch(60, owner=rep_alice, country="DE", stage="working")
    InteractionFactory(lead=leads[0], campaign=campaign)
    page = alice.get(LEAD_LIST, {"stage": "working", "country": "Germany"})
    query = {"stage": "working", "country": "Germany", "after": listed_ids(page)[-1]}

    # as the full list, with the page anchor instead of the owner choices (a rep has none)
    with django_assert_max_num_queries(9):
        response = alice.get(LEAD_LIST, query)

    assert len(listed_ids(response)) == 10


def test_a_cursor_on_another_reps_lead_starts_the_list_over(alice, rep_alice, rep_bob):
    own = LeadFactory(owner=rep_alice)
    hidden = LeadFactory(owner=rep_bob)

    response = alice.get(LEAD_LIST, {"after": hidden.pk, "sort": "newest"})

    assert listed_ids(response) == [own.pk]


def test_an_invalid_filter_from_htmx_answers_400_with_the_table_fragment_only(maria):
    response = maria.get(LEAD_LIST, {"stage": "bogus"}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert "Check the filters" in response.text
    assert "<html" not in response.text
