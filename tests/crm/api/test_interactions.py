"""The interaction endpoint: logging what happened, by lead id or contact, with outcomes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Interaction, Lead
from tests.crm.api.client import INTERACTIONS, assert_field_error
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_logging_an_interaction_for_a_lead(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    response = alice_api.post(INTERACTIONS, {"lead_id": lead.pk, "kind": "web_visit"})

    assert response.status_code == 201
    body = response.json()
    assert (body["lead_id"], body["kind"], body["created"]) == (lead.pk, "web_visit", True)
    interaction = Interaction.objects.get(pk=body["id"])
    assert (interaction.user, interaction.source) == (rep_alice, "api")


def test_logging_an_interaction_by_email_finds_or_creates_the_lead(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice, email="mary@example.com")

    known = alice_api.post(INTERACTIONS, {"email": "MARY@example.com", "kind": "web_visit"})
    new = alice_api.post(INTERACTIONS, {"email": "ben@example.com", "kind": "content_download"})

    assert known.status_code == 201
    assert known.json()["lead_id"] == lead.pk
    assert new.status_code == 201
    new_lead = Lead.objects.get(pk=new.json()["lead_id"])
    assert (new_lead.email, new_lead.owner) == ("ben@example.com", rep_alice)


def test_a_retry_with_the_same_external_id_answers_200_with_the_same_interaction(
    alice_api, rep_alice
):
    lead = LeadFactory(owner=rep_alice)
    body = {"lead_id": lead.pk, "kind": "purchase", "external_id": "order-17"}

    first = alice_api.post(INTERACTIONS, body)
    retry = alice_api.post(INTERACTIONS, body)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["created"] is False
    assert lead.interactions.count() == 1


def test_an_external_id_used_for_another_lead_is_refused(alice_api, rep_alice):
    one, other = LeadFactory(owner=rep_alice), LeadFactory(owner=rep_alice)
    alice_api.post(INTERACTIONS, {"lead_id": one.pk, "kind": "note", "external_id": "x-1"})

    response = alice_api.post(
        INTERACTIONS, {"lead_id": other.pk, "kind": "note", "external_id": "x-1"}
    )

    assert_field_error(response, "external_id")


def test_a_purchase_through_the_api_makes_a_customer(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice, stage=Lead.Stage.WORKING)

    alice_api.post(INTERACTIONS, {"lead_id": lead.pk, "kind": "purchase"})

    assert alice_api.get(f"/api/leads/{lead.pk}/").json()["stage"] == "customer"


def test_a_past_occurred_at_is_kept_with_or_without_a_zone(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    with_zone = alice_api.post(
        INTERACTIONS,
        {"lead_id": lead.pk, "kind": "call", "occurred_at": "2024-03-01T10:00:00+01:00"},
    )
    naive = alice_api.post(
        INTERACTIONS, {"lead_id": lead.pk, "kind": "call", "occurred_at": "2024-03-01T10:00:00"}
    )

    assert (with_zone.status_code, naive.status_code) == (201, 201)
    times = {i.occurred_at.isoformat() for i in lead.interactions.all()}
    assert times == {"2024-03-01T09:00:00+00:00", "2024-03-01T10:00:00+00:00"}


def test_an_outcome_is_logged_by_its_code_and_answered_with_its_label(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    response = alice_api.post(
        INTERACTIONS, {"lead_id": lead.pk, "kind": "call", "outcome": "interested"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["outcome"], body["outcome_label"]) == ("interested", "Connected: interested")
    assert Interaction.objects.get(pk=body["id"]).outcome == "interested"


def test_an_interaction_without_an_outcome_answers_empty_ones(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    body = alice_api.post(INTERACTIONS, {"lead_id": lead.pk, "kind": "web_visit"}).json()

    assert (body["outcome"], body["outcome_label"]) == ("", "")


@pytest.mark.parametrize(
    ("kind", "outcome", "named"),
    [
        ("call", "Connected: interested", "interested, not_interested, meeting"),  # a label
        ("meeting", "interested", "held, no_show, rescheduled, cancelled"),
        ("support_call", "fixed", "resolved, unresolved, escalated"),
        ("note", "interested", "a note has none"),
    ],
)
def test_an_outcome_that_is_no_code_of_its_kind_is_refused_naming_the_codes(
    alice_api, kind, outcome, named
):
    response = alice_api.post(
        INTERACTIONS, {"email": "new@example.com", "kind": kind, "outcome": outcome}
    )

    assert_field_error(response, "outcome")
    assert named in response.json()["errors"]["outcome"][0]
    assert not Lead.objects.exists()  # refused before the lead was created


def test_the_openapi_schema_lists_the_outcome_codes_of_each_kind(client):
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]

    description = schema["InteractionIn"]["properties"]["outcome"]["description"]
    assert "call: interested, not_interested" in description
    assert "meeting: held, no_show" in description
    assert {"outcome", "outcome_label"} <= set(schema["InteractionOut"]["required"])


def test_rep_cannot_log_an_interaction_on_another_reps_lead(alice_api, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    response = alice_api.post(INTERACTIONS, {"lead_id": lead.pk, "kind": "note"})

    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_rep_logging_by_email_of_another_reps_lead_is_not_found(alice_api, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com")

    response = alice_api.post(INTERACTIONS, {"email": "mary@example.com", "kind": "note"})

    assert response.status_code == 404
    assert str(lead.pk) not in response.content.decode()
    assert not Interaction.objects.exists()


def test_an_unknown_campaign_creates_no_lead_from_the_contact(alice_api):
    response = alice_api.post(
        INTERACTIONS, {"email": "new@example.com", "kind": "note", "campaign_id": 999999}
    )

    assert_field_error(response, "campaign_id")
    assert not Lead.objects.exists()


def test_an_app_event_is_logged_with_its_name_trimmed(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice)

    response = alice_api.post(
        INTERACTIONS,
        {"lead_id": lead.pk, "kind": "app_event", "data": {"name": " project_created ", "plan": 2}},
    )

    assert response.status_code == 201
    interaction = Interaction.objects.get(pk=response.json()["id"])
    assert interaction.kind == Interaction.Kind.APP_EVENT
    assert interaction.data == {"name": "project_created", "plan": 2}
    assert interaction.description == "App event: project_created"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "needs its name"),
        ({"name": "   "}, "needs its name"),
        ({"name": None}, "needs its name"),
        ({"name": 42}, "as text"),
        ({"name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_an_app_event_without_a_usable_name_answers_400_and_creates_no_lead(
    alice_api, data, message
):
    body = {"email": "new@example.com", "kind": "app_event", "data": data}

    response = alice_api.post(INTERACTIONS, body)

    assert_field_error(response, "data.name")
    assert message in " ".join(response.json()["errors"]["data.name"])
    assert not Lead.objects.exists()


MINE = "the rep's own lead"
FUTURE = "an hour from now"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lead_id": "abc", "kind": "note"}, "lead_id"),
        ({"kind": "note"}, "lead_id"),
        ({"lead_id": MINE, "kind": "telepathy"}, "kind"),
        ({"lead_id": MINE}, "kind"),
        ({"lead_id": MINE, "kind": "note", "occurred_at": FUTURE}, "occurred_at"),
        ({"lead_id": MINE, "kind": "note", "occurred_at": "yesterday-ish"}, "occurred_at"),
        ({"lead_id": MINE, "kind": "note", "campaign_id": 999999}, "campaign_id"),
        ({"lead_id": MINE, "kind": "note", "sentiment": "ecstatic"}, "sentiment"),
        ({"lead_id": MINE, "kind": "note", "data": "not an object"}, "data"),
        ({"lead_id": MINE, "kind": "note", "colour": "blue"}, "colour"),
        ({"lead_id": MINE, "kind": "note", "notes": "a\u0000b"}, "notes"),
        ({"lead_id": MINE, "kind": "note", "external_id": "a\u0000b"}, "external_id"),
        ({"lead_id": MINE, "kind": "note", "data": {"page": ["/a\u0000"]}}, "data"),
        ({"email": "not-an-email", "kind": "note"}, "email"),
        ({"phone": "12", "kind": "note"}, "phone"),
    ],
)
def test_invalid_interaction_data_answers_400_with_field_errors(alice_api, rep_alice, body, field):
    lead = LeadFactory(owner=rep_alice)
    in_an_hour = (timezone.now() + timedelta(hours=1)).isoformat()
    replace = {MINE: lead.pk, FUTURE: in_an_hour}
    body = {name: replace.get(str(value), value) for name, value in body.items()}

    response = alice_api.post(INTERACTIONS, body)

    assert_field_error(response, field)
    assert not Interaction.objects.exists()
