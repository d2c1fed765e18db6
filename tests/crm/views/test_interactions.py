"""Logging an interaction on the lead page, with its outcome."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Interaction, Lead
from tests.factories import InteractionFactory, LeadFactory

pytestmark = pytest.mark.django_db


def interaction_data(**changes) -> dict:
    when = timezone.localtime() - timedelta(hours=1)
    data = {"kind": "call", "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "notes": ""}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_logging_an_interaction_adds_it_to_the_timeline(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, stage=Lead.Stage.NEW)
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(url, interaction_data(notes="Talked about pricing"))

    assert response.status_code == 302
    assert response.url == lead.get_absolute_url()
    page = alice.get(lead.get_absolute_url()).text
    assert "Talked about pricing" in page
    assert "by Alice Rep" in page
    assert "Working" in page  # a first call starts work


def test_logging_an_interaction_with_htmx_answers_the_new_timeline_item(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(
        url, interaction_data(notes="Left a voicemail"), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Left a voicemail" in response.text
    assert 'hx-swap-oob="afterbegin:#timeline"' in response.text
    assert "<html" not in response.text
    assert "Left a voicemail" in alice.get(lead.get_absolute_url()).text


def test_the_outcome_is_one_select_with_each_kinds_outcomes_in_a_group(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    page = alice.get(lead.get_absolute_url()).text

    select = re.search(r'<select name="outcome"[^>]*>(.*?)</select>', page, re.S)
    groups = re.findall(r'<optgroup label="([^"]*)">', select.group(1))
    assert groups == ["Call", "Meeting", "Support call"]
    assert '<option value="interested" data-kind="call">Connected: interested</option>' in page
    assert '<option value="no_show" data-kind="meeting">No-show</option>' in page
    assert 'data-outcome-for="kind"' in select.group(0)
    assert "js/interaction_form.js" in page  # offers only the chosen kind's outcomes


@pytest.mark.parametrize(
    ("kind", "outcome", "sentence"),
    [
        ("call", "interested", "Called and reached them: interested"),
        ("meeting", "held", "Met them"),
    ],
)
def test_logging_an_outcome_stores_its_code_and_tells_it(alice, rep_alice, kind, outcome, sentence):
    lead = LeadFactory(owner=rep_alice)
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(
        url, interaction_data(kind=kind, outcome=outcome), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    interaction = lead.interactions.get()
    assert interaction.outcome == outcome
    assert f'<strong class="sentence">{sentence}</strong>' in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"occurred_at": "2999-01-01T10:00"}, "already happened"),
        ({"kind": None}, "This field is required."),
        ({"kind": "email_opened"}, "Select a valid choice."),
        ({"occurred_at": "yesterday"}, "Enter a valid date/time."),
        ({"outcome": "teleported"}, "Select a valid choice."),
        (
            {"kind": "meeting", "outcome": "interested"},
            "“Connected: interested” is not an outcome of a meeting",
        ),
        ({"kind": "note", "outcome": "held"}, "“Meeting held” is not an outcome of a note"),
    ],
)
def test_an_invalid_interaction_answers_400_with_the_form_errors(
    alice, rep_alice, changes, message, htmx
):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones")
    url = reverse("crm:interaction_create", args=[lead.pk])
    headers = {"HX-Request": "true"} if htmx else {}

    response = alice.post(url, interaction_data(notes="x", **changes), headers=headers)

    assert response.status_code == 400
    assert message in response.text
    assert not Interaction.objects.exists()


def test_an_invalid_interaction_without_htmx_shows_the_whole_lead_page(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice, first_name="Mary", last_name="Jones")
    InteractionFactory(lead=lead, notes="Earlier note")
    url = reverse("crm:interaction_create", args=[lead.pk])

    response = alice.post(url, interaction_data(kind=None))

    assert response.status_code == 400
    assert "<h1>Mary Jones</h1>" in response.text
    assert "Earlier note" in response.text
