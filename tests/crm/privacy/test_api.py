import pytest

from crm.models import Lead
from crm.privacy.models import Erasure
from tests.crm.api.client import api_for
from tests.crm.privacy.people import EMAIL
from tests.factories import LeadFactory


@pytest.fixture
def maria_api(client, manager_maria):
    return api_for(client, manager_maria)


@pytest.fixture
def alice_api(client, rep_alice):
    return api_for(client, rep_alice)


def test_a_managers_token_reads_the_personal_data(maria_api, world):
    response = maria_api.get(f"/api/leads/{world.lead.pk}/personal-data")

    assert response.status_code == 200
    assert response.json()["lead"][0]["email"] == EMAIL
    assert len(response.json()["emails"]) == 2


def test_a_managers_token_erases_the_person(maria_api, world, manager_maria):
    response = maria_api.post(f"/api/leads/{world.lead.pk}/erase", {})

    assert response.status_code == 200
    body = response.json()
    assert body["lead_id"] == world.lead.pk
    assert body["counts"]["Interactions blanked"] == 2
    assert Lead.objects.get(pk=world.lead.pk).email == ""
    assert Erasure.objects.get().erased_by == manager_maria


def test_a_reps_token_is_refused_for_their_own_lead(alice_api, world):
    assert alice_api.get(f"/api/leads/{world.lead.pk}/personal-data").status_code == 403
    assert alice_api.post(f"/api/leads/{world.lead.pk}/erase", {}).status_code == 403
    assert not Erasure.objects.exists()


def test_a_reps_token_does_not_learn_of_another_reps_lead(alice_api, rep_bob):
    lead = LeadFactory(owner=rep_bob)

    assert alice_api.get(f"/api/leads/{lead.pk}/personal-data").status_code == 404
    assert alice_api.post(f"/api/leads/{lead.pk}/erase", {}).status_code == 404


def test_an_unknown_lead_is_not_found(maria_api, db):
    assert maria_api.get("/api/leads/999999/personal-data").status_code == 404


def test_without_a_token_the_api_answers_401(client, world):
    assert client.get(f"/api/leads/{world.lead.pk}/personal-data").status_code == 401
