"""The lead page: the timeline, the heading and its query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Interaction
from tests.factories import CampaignFactory, InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_lead_page_shows_the_timeline_newest_first(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    now = timezone.now()
    InteractionFactory(lead=lead, notes="Older note", occurred_at=now - timedelta(days=2))
    InteractionFactory(lead=lead, notes="Newer note", occurred_at=now - timedelta(days=1))

    text = alice.get(lead.get_absolute_url()).text

    assert text.index("Newer note") < text.index("Older note")


def test_the_timeline_names_an_app_event(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    InteractionFactory(lead=lead, kind=Interaction.Kind.APP_EVENT, data={"name": "project_created"})

    text = alice.get(lead.get_absolute_url()).text

    assert '<strong class="sentence">In the app: project_created</strong>' in text


def test_the_lead_page_heading_gives_the_name_with_its_prefix_and_suffix(alice, rep_alice):
    name = {
        "name_prefix": "Dr.",
        "first_name": "Anna",
        "last_name": "Schmidt",
        "name_suffix": "PhD",
    }
    lead = LeadFactory(owner=rep_alice, **name)

    text = alice.get(lead.get_absolute_url()).text

    assert "<h1>Dr. Anna Schmidt, PhD</h1>" in text
    assert "<title>Dr. Anna Schmidt, PhD" in text


def test_the_lead_page_heading_of_a_lead_without_a_name_is_its_email(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, name_prefix="Dr.", first_name="", last_name="")

    assert f"<h1>{lead.email}</h1>" in alice.get(lead.get_absolute_url()).text


def test_the_lead_page_runs_a_bounded_number_of_queries(
    maria, rep_alice, django_assert_max_num_queries
):
    lead = LeadFactory(owner=rep_alice, phone="+14155552671")
    LeadFactory(phone="+14155552671")  # a possible duplicate
    campaigns = CampaignFactory.create_batch(3)
    for i in range(30):
        InteractionFactory(lead=lead, user=rep_alice, campaign=campaigns[i % 3], notes=f"n{i}")

    # session, user, roles, lead, timeline, upcoming touches, duplicates,
    # 2 x permissions, campaign choices, score breakdown, and the cadences section
    # (followups: the lead's enrolments, the cadences to enrol them in), and
    # the calling hours and holidays for the warning outside them (kept a minute),
    # and the lead's history (crm.audit)
    with django_assert_max_num_queries(16):
        response = maria.get(lead.get_absolute_url())

    assert response.text.count('class="timeline-item') == 30
