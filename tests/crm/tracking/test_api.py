"""POST /api/track/identify/: the site's backend names a visitor after a form."""

import pytest

from crm.models import Lead
from crm.tracking.models import Visitor
from tests.crm.api.client import api_for
from tests.factories import LeadFactory

pytestmark = pytest.mark.usefixtures("clock")

IDENTIFY = "/api/track/identify/"


@pytest.fixture
def maria_api(client, manager_maria):
    return api_for(client, manager_maria)


def test_the_backend_identifies_a_visitor_and_its_history_joins_the_new_lead(
    browser, maria_api, shop
):
    browser.sent("page_view", path="/pricing")
    browser.sent("content_download", content="white-paper-2026")

    response = maria_api.post(
        IDENTIFY,
        {"site": shop.key, "uid": browser.uid, "email": "ada@example.com", "first_name": "Ada"},
    )

    assert response.status_code == 201, response.content
    lead = Lead.objects.get(email="ada@example.com")
    assert response.json() == {"lead_id": lead.pk, "created": True, "joined": 2}
    assert sorted(lead.interactions.values_list("kind", flat=True)) == [
        "content_download",
        "web_visit",
    ]
    assert Visitor.objects.get().lead == lead


def test_identifying_again_answers_200_and_joins_nothing(browser, maria_api, shop):
    LeadFactory(email="ada@example.com")
    browser.sent("page_view")
    body = {"site": shop.key, "uid": browser.uid, "email": "ada@example.com"}

    first, second = maria_api.post(IDENTIFY, body), maria_api.post(IDENTIFY, body)

    assert (first.status_code, first.json()["joined"]) == (200, 1)
    assert (second.status_code, second.json()["joined"]) == (200, 0)
    assert Lead.objects.get().interactions.count() == 1


def test_a_visitor_not_seen_yet_is_created(maria_api, shop):
    body = {"site": shop.key, "uid": "a" * 32, "email": "ada@example.com"}

    assert maria_api.post(IDENTIFY, body).status_code == 201
    assert Visitor.objects.get(uid="a" * 32).lead.email == "ada@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"site": "nope", "uid": "a" * 32, "email": "ada@example.com"}, "site"),
        ({"uid": "bad uid", "email": "ada@example.com"}, "uid"),
        ({"uid": "a" * 32}, "email"),
        ({"uid": "a" * 32, "email": "not-an-email"}, "email"),
        ({"uid": "a" * 32, "email": "ada@example.com", "ip": "1.2.3.4"}, "ip"),
    ],
)
def test_bad_input_is_answered_400_with_field_errors(maria_api, shop, body, field):
    response = maria_api.post(IDENTIFY, {"site": shop.key, **body})

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Lead.objects.exists()


def test_without_a_token_the_answer_is_401(client, shop):
    response = client.post(
        IDENTIFY,
        {"site": shop.key, "uid": "a" * 32, "email": "ada@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 401


def test_a_person_who_is_another_reps_lead_is_not_found(client, rep_alice, rep_bob, shop):
    LeadFactory(email="ada@example.com", owner=rep_bob)

    response = api_for(client, rep_alice).post(
        IDENTIFY, {"site": shop.key, "uid": "a" * 32, "email": "ada@example.com"}
    )

    assert response.status_code == 404
    assert Visitor.objects.filter(lead__isnull=False).count() == 0
