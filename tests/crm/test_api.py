import json
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.api_tokens.services import api_token_create
from crm.models import Interaction, Lead
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/leads/"
INTERACTIONS = "/api/interactions/"


class Api:
    """The Django test client speaking JSON with one user's bearer token."""

    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def post(self, url: str, body, **kwargs):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
        return self.client.post(url, data=data, headers=self.headers, **kwargs)

    def get(self, url: str):
        return self.client.get(url, headers=self.headers)


def api_for(client, user) -> Api:
    _token, secret = api_token_create(user=user, name="tests")
    return Api(client, secret)


@pytest.fixture
def alice_api(client, rep_alice):
    return api_for(client, rep_alice)


@pytest.fixture
def maria_api(client, manager_maria):
    return api_for(client, manager_maria)


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()


# Leads


def test_posting_a_new_person_creates_a_lead_owned_by_the_rep(alice_api, rep_alice):
    response = alice_api.post(LEADS, {"email": "mary@example.com", "first_name": "Mary"})

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    lead = Lead.objects.get(pk=body["id"])
    assert (lead.email, lead.first_name, lead.owner) == ("mary@example.com", "Mary", rep_alice)
    assert body["lead"]["email"] == "mary@example.com"


def test_a_lead_is_created_with_its_name_prefix_and_suffix_and_returns_them(alice_api):
    body = {
        "email": "anna@example.de",
        "name_prefix": "Dr.",
        "first_name": "Anna",
        "last_name": "Schmidt",
        "name_suffix": "PhD",
    }

    response = alice_api.post(LEADS, body)

    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.name_prefix, lead.name_suffix) == ("Dr.", "PhD")
    returned = response.json()["lead"]
    assert (returned["name_prefix"], returned["name_suffix"]) == ("Dr.", "PhD")
    read = alice_api.get(f"{LEADS}{lead.pk}/").json()
    assert (read["name_prefix"], read["name_suffix"]) == ("Dr.", "PhD")


def test_a_name_prefix_fills_an_existing_lead_without_one_but_never_overwrites(alice_api):
    alice_api.post(LEADS, {"email": "anna@example.de", "name_suffix": "MD"})

    found = alice_api.post(
        LEADS, {"email": "anna@example.de", "name_prefix": "Prof.", "name_suffix": "PhD"}
    )

    assert (found.json()["lead"]["name_prefix"], found.json()["lead"]["name_suffix"]) == (
        "Prof.",
        "MD",
    )


def test_posting_the_same_person_again_by_email_in_another_case_finds_the_lead(alice_api):
    created = alice_api.post(LEADS, {"email": "mary@example.com", "phone": "+1 415 555 2671"})

    found = alice_api.post(LEADS, {"email": "MARY@Example.com", "company": "Acme"})

    assert found.status_code == 200
    assert found.json()["created"] is False
    assert found.json()["id"] == created.json()["id"]
    assert found.json()["lead"]["company"] == "Acme"
    assert Lead.objects.count() == 1


def test_posting_the_same_person_again_by_national_phone_finds_the_lead(alice_api):
    created = alice_api.post(LEADS, {"phone": "+44 20 7946 0958"})

    found = alice_api.post(LEADS, {"phone": "020 7946 0958", "country": "United Kingdom"})

    assert (found.status_code, found.json()["id"]) == (200, created.json()["id"])


def test_a_lead_can_be_read_by_id(alice_api, rep_alice):
    lead = LeadFactory(owner=rep_alice, email="mary@example.com", phone="+14155552671")

    response = alice_api.get(f"/api/leads/{lead.pk}/")

    assert response.status_code == 200
    assert response.json()["email"] == "mary@example.com"
    assert response.json()["phone"] == "+14155552671"


def test_rep_cannot_read_another_reps_lead(alice_api, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    response = alice_api.get(f"/api/leads/{lead.pk}/")

    assert response.status_code == 404
    assert lead.email not in response.content.decode()


def test_a_lead_that_does_not_exist_is_not_found(alice_api):
    assert alice_api.get("/api/leads/999999/").status_code == 404
    assert alice_api.get("/api/leads/99999999999999999999999/").status_code in (400, 404)


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/leads/1%2F2/", "/api/leads/1/notes"])
def test_an_address_under_api_that_names_no_operation_is_the_api_s_404(alice_api, path):
    response = alice_api.get(path)

    assert response.status_code == 404
    assert response.json() == {"errors": {"__all__": ["Not found."]}}


def test_manager_can_read_any_lead(maria_api, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    assert maria_api.get(f"/api/leads/{lead.pk}/").status_code == 200


def test_posting_another_reps_person_answers_as_a_lead_the_rep_may_not_see(alice_api, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com", company="", city="")
    unseen = alice_api.get(f"/api/leads/{lead.pk}/")

    response = alice_api.post(
        LEADS, {"email": "Mary@example.com", "company": "Acme", "city": "Oslo"}
    )

    assert response.status_code == unseen.status_code == 404
    assert response.json() == unseen.json() == {"errors": {"__all__": ["Not found."]}}
    lead.refresh_from_db()
    assert (lead.company, lead.city) == ("", "")  # the rep changed nothing on it
    assert Lead.objects.count() == 1  # nor made a second one


def test_posting_another_reps_person_by_phone_answers_404_too(alice_api, rep_bob):
    LeadFactory(owner=rep_bob, email="", phone="+14155552671")

    response = alice_api.post(LEADS, {"phone": "(415) 555-2671", "country": "US"})

    assert response.status_code == 404
    assert response.json() == {"errors": {"__all__": ["Not found."]}}
    assert Lead.objects.count() == 1


def test_manager_posting_a_reps_person_finds_the_lead_and_its_owner(maria_api, rep_bob):
    lead = LeadFactory(owner=rep_bob, email="mary@example.com", city="")

    response = maria_api.post(LEADS, {"email": "mary@example.com", "city": "Oslo"})

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["created"], body["lead"]["owner_id"]) == (lead.pk, False, rep_bob.pk)
    lead.refresh_from_db()
    assert (lead.owner, lead.city) == (rep_bob, "Oslo")


def test_manager_assigns_a_new_lead_to_a_rep(maria_api, rep_bob):
    response = maria_api.post(LEADS, {"email": "mary@example.com", "owner_id": rep_bob.pk})

    assert response.status_code == 201
    assert Lead.objects.get().owner == rep_bob


def test_a_lead_remembers_the_campaign_it_came_from(alice_api):
    campaign = CampaignFactory()

    response = alice_api.post(LEADS, {"email": "mary@example.com", "campaign_id": campaign.pk})

    assert response.json()["lead"]["source_campaign_id"] == campaign.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "mary@example.com", "phone": "12"}, "phone"),
        ({"first_name": "Mary"}, "email"),
        ({"email": "mary@example.com", "favourite_colour": "blue"}, "favourite_colour"),
        ({"email": "mary@example.com", "first_name": ["Mary"]}, "first_name"),
        ({"email": "mary@example.com", "campaign_id": "abc"}, "campaign_id"),
        ({"email": "mary@example.com", "campaign_id": 999999}, "campaign_id"),
        ({"email": "mary@example.com", "country": "Atlantis"}, "country"),
        ({"email": "mary@example.com", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"email": "x" * 300 + "@example.com"}, "email"),
        ({"email": "mary@example.com", "first_name": "Ma\u0000ry"}, "first_name"),
        ({"email": "mary@example.com", "name_prefix": "Dr. " * 20}, "name_prefix"),
        ({"email": "mary@example.com", "name_suffix": ["PhD"]}, "name_suffix"),
    ],
)
def test_invalid_lead_data_answers_400_with_field_errors(alice_api, body, field):
    response = alice_api.post(LEADS, body)

    assert_field_error(response, field)
    assert not Lead.objects.exists()


def test_a_rep_cannot_set_the_owner(alice_api, rep_bob):
    response = alice_api.post(LEADS, {"email": "mary@example.com", "owner_id": rep_bob.pk})

    assert_field_error(response, "owner_id")
    assert not Lead.objects.exists()


def test_a_manager_cannot_assign_to_an_unknown_user(maria_api):
    assert_field_error(
        maria_api.post(LEADS, {"email": "a@example.com", "owner_id": 999}), "owner_id"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"email": "mary@example.com",', "application/json"),
        ("email=mary@example.com", "application/x-www-form-urlencoded"),
        ("just some text", "text/plain"),
        ('["mary@example.com"]', "application/json"),
        ("", "application/json"),
    ],
    ids=["malformed-json", "form-encoded", "text", "json-list", "empty"],
)
def test_a_body_that_is_not_a_json_object_answers_400(alice_api, body, content_type):
    response = alice_api.post(LEADS, body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-secret", "Token abc", "Bearer "],
    ids=["none", "wrong", "other-scheme", "empty"],
)
def test_without_a_valid_token_the_api_answers_401(client, rep_alice, authorization):
    api_token_create(user=rep_alice, name="real")
    headers = {"Authorization": authorization} if authorization else {}
    body = json.dumps({"email": "mary@example.com"})

    response = client.post(LEADS, body, content_type="application/json", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"errors": {"__all__": ["Unauthorized"]}}
    assert client.get("/api/leads/1/", headers=headers).status_code == 401
    assert not Lead.objects.exists()


def test_a_deactivated_users_token_is_refused(client, rep_alice):
    api = api_for(client, rep_alice)
    rep_alice.is_active = False
    rep_alice.save()

    assert api.post(LEADS, {"email": "mary@example.com"}).status_code == 401


def test_a_token_records_when_it_was_last_used(alice_api, rep_alice):
    alice_api.post(LEADS, {"email": "mary@example.com"})

    assert rep_alice.api_tokens.get().last_used_at is not None


# Interactions


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


# The schema


def test_the_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert {"/api/leads/", "/api/leads/{lead_id}/", "/api/interactions/"} <= set(paths)


def test_the_openapi_schema_documents_the_name_prefix_and_suffix(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]

    for schema in ("LeadIn", "LeadOut"):
        assert {"name_prefix", "name_suffix"} <= set(schemas[schema]["properties"])
    assert "Dr." in schemas["LeadIn"]["properties"]["name_prefix"]["description"]


def test_a_mailroom_token_may_not_create_leads_or_log_interactions(client, mailroom_max):
    api = api_for(client, mailroom_max)

    leads = api.post(LEADS, {"email": "new@example.com"})
    interactions = api.post(INTERACTIONS, {"email": "new@example.com", "kind": "note"})

    assert (leads.status_code, interactions.status_code) == (403, 403)
    assert "errors" in leads.json()
    assert not Lead.objects.exists()


def test_a_manager_can_only_assign_leads_to_reps(maria_api, mailroom_max):
    response = maria_api.post(LEADS, {"email": "new@example.com", "owner_id": mailroom_max.pk})

    assert_field_error(response, "owner_id")
    assert not Lead.objects.exists()


# The OpenAPI document


def test_the_document_lists_every_error_answer_of_every_operation_with_its_body(client):
    document = client.get("/api/openapi.json").json()

    error_body = document["components"]["schemas"]["ErrorOut"]
    assert error_body["properties"]["errors"]["additionalProperties"] == {
        "items": {"type": "string"},
        "type": "array",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "413", "429"):
                answer = operation["responses"].get(status)
                assert answer, f"{method.upper()} {path} does not list {status}"
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}
    enrolments = document["paths"]["/api/cadences/{cadence_id}/enrolments/"]["post"]
    assert "409" in enrolments["responses"]
