"""The import's result page: the next steps, one click each, with the number of
leads each concerns."""

import re

import pytest
from django.urls import reverse

from crm.imports.services import campaign_for_event
from crm.models import Interaction, Lead, LeadImport
from tests.booth_lists import import_booth_list
from tests.factories import InteractionFactory, LeadFactory
from tests.mailings.factories import email_cadence

pytestmark = pytest.mark.django_db


@pytest.fixture
def expo(tmp_path, rep_alice, rep_bob):
    LeadFactory(email="grace@cobol.example", first_name="Grace", last_name="Hopper")
    return import_booth_list(tmp_path)


def next_steps(response) -> dict[str, str]:
    """The card's links: their text -> where they go."""
    assert response.status_code == 200
    card = re.search(r'<section class="card next-steps".*?</section>', response.text, re.S)
    assert card, "no Next steps card"
    links = re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>', card.group(0))
    return {text: href for href, text in links}


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())


def test_the_result_page_offers_the_next_steps_with_the_leads_each_concerns(maria, expo):
    grace = Lead.objects.get(email="grace@cobol.example")
    InteractionFactory(lead=grace, kind=Interaction.Kind.CALL, outcome="voicemail")

    response = maria.get(expo.get_absolute_url())

    query = f"?lead_import={expo.pk}"
    assert next_steps(response) == {
        "Open these 9 leads": reverse("crm:lead_list") + query,
        "Assign 8 leads": reverse("team:assign") + query,
        "Enrol 9 leads in a cadence": reverse("cadences:enrol") + query,
    }
    assert "the 1 other is being worked: they stay with their reps" in text_of(response)


def test_each_step_opens_on_the_leads_it_counted(maria, expo):
    cadence = email_cadence(0, name="Thanks for visiting")
    InteractionFactory(
        lead=Lead.objects.get(email="max@quanta.example"), kind=Interaction.Kind.MEETING
    )
    steps = next_steps(maria.get(expo.get_absolute_url()))

    lead_list = maria.get(steps["Open these 9 leads"])
    assign = maria.get(steps["Assign 8 leads"])
    enrol = maria.get(steps["Enrol 9 leads in a cadence"] + f"&cadence={cadence.pk}")

    assert "9 leads" in text_of(lead_list)
    assert "8 leads to share out." in text_of(assign)
    assert "Enrol 9 leads in Thanks for visiting?" in text_of(enrol)


def test_an_import_not_yet_run_offers_no_next_steps(maria, manager_maria):
    previewed = LeadImport.objects.create(
        filename="expo-badges.csv",
        content=b"Email\nada@analytical.example\n",
        campaign=campaign_for_event(name="Expo 2026", country="US"),
        header=["Email"],
        mapping={"0": "email"},
        status=LeadImport.Status.PREVIEWED,
        rows=1,
        created_by=manager_maria,
    )

    response = maria.get(previewed.get_absolute_url())

    assert response.status_code == 200
    assert "Next steps" not in response.text


def test_the_result_page_runs_a_bounded_number_of_queries(
    maria, expo, django_assert_max_num_queries
):
    # session, user, roles, the import, the engaged visits, the two counts, permissions
    with django_assert_max_num_queries(9):
        response = maria.get(expo.get_absolute_url())

    assert len(next_steps(response)) == 3
