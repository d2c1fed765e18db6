"""The builder's live count and preview of the leads the rules pick now."""

import json

import pytest

from crm.audiences.models import Audience
from tests.crm.audiences.people import ago, expo_2026, person, visit
from tests.crm.audiences.views.pages import COUNT, PREVIEW, count

pytestmark = pytest.mark.django_db


def test_the_live_count_counts_the_leads_the_rules_pick_now(maria):
    for name in ("Pia", "Ria"):
        visit(person(name), "/pricing", ago(2))
    visit(person("Olga"), "/pricing", ago(20))

    status, body = count(
        maria, {"match": "all", "rules": [{"type": "visited_page", "path": "/pricing*", "days": 7}]}
    )

    assert (status, body) == (200, {"count": 2})
    assert not Audience.objects.exists()  # counting saves nothing


def test_the_live_count_answers_400_with_field_errors(maria):
    expo = expo_2026()
    definition = {
        "match": "all",
        "rules": [
            {"type": "attended_event", "campaign": expo.pk, "days": "a week"},
            {"match": "any", "rules": [{"type": "downloaded_content", "before_campaign": 424242}]},
        ],
    }

    status, body = count(maria, definition)

    assert status == 400
    assert body == {
        "errors": {
            "rules.0.days": ["Give a whole number from 1 to 3,650."],
            "rules.1.rules.0.before_campaign": ["No such campaign (#424242)."],
        }
    }


@pytest.mark.parametrize(
    "posted",
    [
        "",
        "{not json",
        "null",
        "[]",
        '"all"',
        '{"rules": "x"}',
        '{"match": "all", "rules": [null, 5, [], {"type": null}]}',
        '{"match": "all", "rules": [{"type": "page_views", "pages": 1e400}]}',
        '{"match": "all", "rules": [{"type": "owner", "owners": [{"id": 1}]}]}',
        '{"match": "all", "rules": [{"type": "country", "countries": [7, null]}]}',
        '{"match": "all", "rules": [{"type": "score", "min": "99999999999999999999"}]}',
        '{"match": "all", "rules": [{"type": "attended_event", "campaign": 99999999999999999999}]}',
        '{"match": ["all"], "rules": [{"type": ["opened_email"]}]}',
        '{"match": "all", "rules": [{"type": "consent", "consent": ["may_email"]}]}',
        '{"match": "all", "rules": [{"type": "visited_page", "path": {"a": 1}, "days": [7]}]}',
        '{"match": "all", "rules": [{"match": "any", "rules": [{"match": "all", "rules": '
        '[{"match": "any", "rules": [{"type": "opened_email"}]}]}]}]}',
    ],
)
def test_the_live_count_never_fails_on_what_it_is_sent(maria, posted):
    response = maria.post(COUNT, {"definition": posted})

    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_live_count_is_a_post(maria):
    assert maria.get(COUNT).status_code == 405


# The live preview


def test_the_preview_lists_the_newest_leads_the_rules_pick_now(maria, rep_alice):
    pricing = [person(f"Pia{n:02d}", company=f"Firm {n}", owner=rep_alice) for n in range(12)]
    for lead in pricing:
        visit(lead, "/pricing", ago(2))
    visit(person("Olga"), "/pricing", ago(20))
    rules = {"match": "all", "rules": [{"type": "visited_page", "path": "/pricing*", "days": 7}]}

    response = maria.post(PREVIEW, {"definition": json.dumps(rules)})

    assert response.status_code == 200
    leads = response.json()["leads"]
    assert [lead["name"] for lead in leads] == [f"Pia{n:02d} Test" for n in range(11, 1, -1)]
    newest = pricing[-1]
    assert leads[0] == {
        "name": "Pia11 Test",
        "company": "Firm 11",
        "country": newest.country,
        "stage": newest.get_stage_display(),
        "owner": "Alice Rep",
        "url": newest.get_absolute_url(),
    }
    assert not Audience.objects.exists()  # previewing saves nothing


def test_the_preview_answers_400_with_field_errors_as_the_count_does(maria):
    rules = {"match": "all", "rules": [{"type": "visited_page", "path": "", "days": "a week"}]}

    response = maria.post(PREVIEW, {"definition": json.dumps(rules)})
    counted = maria.post(COUNT, {"definition": json.dumps(rules)})

    assert response.status_code == 400
    assert response.json() == counted.json()
    assert set(response.json()["errors"]) == {"rules.0.path", "rules.0.days"}
    assert maria.post(PREVIEW, {"definition": "{not json"}).status_code == 400
    assert maria.get(PREVIEW).status_code == 405
