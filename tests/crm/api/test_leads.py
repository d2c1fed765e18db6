"""The lead endpoints: creating, finding and reading leads, who may, and tokens."""

import json

import pytest

from crm.api_tokens.services import api_token_create
from crm.models import Lead
from tests.crm.api.client import INTERACTIONS, LEADS, api_for, assert_field_error
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


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
