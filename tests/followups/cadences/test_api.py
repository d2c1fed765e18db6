"""The cadences API: list cadences, enrol a lead by id, email or phone."""

import datetime as dt

import pytest
import time_machine

from crm.roles import Role
from followups.cadences.models import Channel, Enrolment
from followups.models import Touch
from tests.crm.api.client import api_for
from tests.factories import LeadFactory, UserFactory
from tests.followups.cadences.factories import CadenceFactory, cadence_with

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alice_api(client, rep_alice):
    return api_for(client, rep_alice)


@pytest.fixture
def expo():
    return cadence_with(
        {"channel": Channel.CALL, "wait": 30, "wait_unit": "minutes"},
        {"channel": Channel.EMAIL, "wait": 1, "wait_unit": "days"},
        name="Expo follow-up",
    )


@pytest.fixture
def ada(rep_alice):
    return LeadFactory(owner=rep_alice, email="Ada@Example.com", phone="+12125550100")


def enrolments_url(cadence) -> str:
    return f"/api/cadences/{cadence.pk}/enrolments/"


def assert_field_errors(response, *fields) -> None:
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == set(fields), response.json()


def test_integrators_list_the_cadences_with_their_ids(alice_api, expo):
    off = CadenceFactory(name="Winter nurture", is_active=False)

    response = alice_api.get("/api/cadences/")

    assert response.status_code == 200
    listed = {row["id"]: row for row in response.json()}
    assert listed[expo.pk] == {"id": expo.pk, "name": "Expo follow-up", "is_active": True}
    assert listed[off.pk]["is_active"] is False


def test_enrolling_by_lead_id_answers_201_with_the_enrolment(alice_api, rep_alice, expo, ada):
    response = alice_api.post(enrolments_url(expo), {"lead_id": ada.pk})

    assert response.status_code == 201, response.content
    enrolment = Enrolment.objects.get()
    assert response.json() == {
        "id": enrolment.pk,
        "cadence_id": expo.pk,
        "cadence": "Expo follow-up",
        "lead_id": ada.pk,
        "status": "active",
        "step": {"position": 1, "channel": "call"},
        "next_due_at": "2026-03-10T15:30:00Z",
        "created": True,
    }
    assert enrolment.enrolled_by == rep_alice
    assert enrolment.source == "API (Alice Rep)"
    assert Touch.objects.get(enrolment=enrolment).channel == Channel.CALL


def test_enrolling_again_answers_200_with_the_same_enrolment(alice_api, expo, ada):
    first = alice_api.post(enrolments_url(expo), {"lead_id": ada.pk})
    again = alice_api.post(enrolments_url(expo), {"email": "ada@example.com"})

    assert again.status_code == 200
    assert again.json() | {"created": True} == first.json()
    assert Enrolment.objects.count() == 1


@pytest.mark.parametrize(
    "identifier",
    [
        {"email": "ADA@example.com"},
        {"phone": "+1 212 555 0100"},
        {"phone": "(212) 555-0100"},  # national, in the default country (US)
    ],
)
def test_a_lead_is_found_by_email_or_phone(alice_api, expo, ada, identifier):
    response = alice_api.post(enrolments_url(expo), identifier)

    assert response.status_code == 201, response.content
    assert response.json()["lead_id"] == ada.pk


def test_an_unknown_cadence_answers_404(alice_api, ada):
    response = alice_api.post("/api/cadences/999999/enrolments/", {"lead_id": ada.pk})

    assert response.status_code == 404
    assert response.json() == {"errors": {"__all__": ["Not found."]}}


@pytest.mark.parametrize(
    "identifier", [{"lead_id": 999999}, {"email": "nobody@example.com"}, {"phone": "+12125550199"}]
)
def test_an_unknown_lead_answers_404(alice_api, expo, ada, identifier):
    response = alice_api.post(enrolments_url(expo), identifier)

    assert response.status_code == 404
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    "identifier", [{"lead_id": "BOB"}, {"email": "bob@example.com"}, {"phone": "+12125550111"}]
)
def test_another_reps_lead_answers_404(alice_api, rep_bob, expo, identifier):
    bob_lead = LeadFactory(owner=rep_bob, email="bob@example.com", phone="+12125550111")
    if identifier.get("lead_id") == "BOB":
        identifier = {"lead_id": bob_lead.pk}

    response = alice_api.post(enrolments_url(expo), identifier)

    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_a_manager_may_enrol_any_lead(client, manager_maria, expo, ada):
    response = api_for(client, manager_maria).post(enrolments_url(expo), {"phone": "+12125550100"})

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"lead_id"}),
        ({"email": "", "phone": ""}, {"lead_id"}),
        ({"lead_id": 1, "email": "ada@example.com"}, {"lead_id", "email"}),
        ({"email": "ada@example.com", "phone": "+12125550100"}, {"email", "phone"}),
        ({"phone": "12"}, {"phone"}),
        ({"phone": "not a phone"}, {"phone"}),
        ({"email": "not an address"}, {"email"}),
        ({"lead_id": "x"}, {"lead_id"}),
        ({"lead_id": 1, "colour": "red"}, {"colour"}),
    ],
)
def test_bad_input_answers_400_with_field_errors(alice_api, expo, body, fields):
    response = alice_api.post(enrolments_url(expo), body)

    assert_field_errors(response, *fields)


def test_a_body_that_is_not_json_answers_400(alice_api, expo):
    response = alice_api.post(enrolments_url(expo), "{not json")

    assert response.status_code == 400


def test_a_cadence_without_steps_answers_409(alice_api, ada):
    empty = CadenceFactory(name="Empty")

    response = alice_api.post(enrolments_url(empty), {"lead_id": ada.pk})

    assert response.status_code == 409
    assert response.json()["errors"]["__all__"] == [
        "Empty has no steps yet: nobody can be enrolled."
    ]


def test_a_token_of_someone_who_may_not_change_leads_answers_403(client, expo, ada):
    mailroom = UserFactory(username="max", role=Role.MAILROOM)

    response = api_for(client, mailroom).post(enrolments_url(expo), {"lead_id": ada.pk})

    assert response.status_code == 403


def test_without_a_token_the_api_answers_401(client, expo):
    assert client.get("/api/cadences/").status_code == 401
    assert client.post(enrolments_url(expo), {}, content_type="application/json").status_code == 401
