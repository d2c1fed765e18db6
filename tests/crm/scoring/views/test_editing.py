"""Adding, changing and deleting a scoring rule, each of which rescores the leads it touches."""

import pytest
from django.urls import reverse

from crm.scoring.models import ScoringRule
from tests.crm.scoring.views.pages import (
    LIST,
    NEW,
    Kind,
    delete_url,
    did,
    edit_url,
    messages_of,
    score_of,
)

pytestmark = pytest.mark.django_db


def test_adding_a_rule_rescores_the_leads_with_that_kind(maria, rescored):
    lead = did(Kind.CONTENT_DOWNLOAD)

    response = maria.post(
        NEW, {"kind": Kind.CONTENT_DOWNLOAD, "points": 15, "half_life_days": 30, "is_active": "on"}
    )

    assert response.status_code == 302 and response.url == LIST
    rule = ScoringRule.objects.get(kind=Kind.CONTENT_DOWNLOAD)
    assert (rule.points, rule.half_life_days, rule.is_active) == (15, 30, True)
    assert rescored == [[Kind.CONTENT_DOWNLOAD]]
    assert score_of(lead) == 15
    assert messages_of(response) == [
        "Saved the rule for Content download. "
        "The scores of the leads concerned are being recomputed."
    ]


def test_changing_the_points_rescores_the_leads(maria, known_rules, rescored):
    lead = did(Kind.BOOTH_VISIT)
    rule = known_rules[Kind.BOOTH_VISIT]

    response = maria.post(
        edit_url(rule),
        {"kind": Kind.BOOTH_VISIT, "points": 40, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.half_life_days, rule.is_active) == (40, 60, True)
    assert rescored == [[Kind.BOOTH_VISIT]]
    assert score_of(lead) == 40


def test_switching_a_rule_off_rescores_the_leads(maria, known_rules, rescored):
    lead = did(Kind.BOOTH_VISIT, score=20)
    rule = known_rules[Kind.BOOTH_VISIT]

    maria.post(edit_url(rule), {"kind": Kind.BOOTH_VISIT, "points": 20, "half_life_days": 60})

    rule.refresh_from_db()
    assert not rule.is_active  # an unticked box
    assert rescored == [[Kind.BOOTH_VISIT]]
    assert score_of(lead) == 0


def test_changing_the_kind_rescores_the_old_kind_and_the_new(maria, known_rules, rescored):
    visitor, met = did(Kind.BOOTH_VISIT, score=20), did(Kind.MEETING)
    rule = known_rules[Kind.BOOTH_VISIT]

    maria.post(
        edit_url(rule),
        {"kind": Kind.MEETING, "points": 30, "half_life_days": 0, "is_active": "on"},
    )

    assert rescored == [[Kind.BOOTH_VISIT, Kind.MEETING]]
    assert (score_of(visitor), score_of(met)) == (0, 30)


def test_the_edit_form_shows_the_rule(maria, known_rules):
    response = maria.get(edit_url(known_rules[Kind.PURCHASE]))

    assert response.status_code == 200
    assert "Scoring rule: Purchase" in response.text
    assert 'name="points" value="50"' in response.text
    assert 'name="half_life_days" value="180"' in response.text
    assert reverse("scoring:delete", args=[known_rules[Kind.PURCHASE].pk]) in response.text


def test_deleting_asks_first_then_deletes_and_rescores(maria, known_rules, rescored):
    buyer = did(Kind.PURCHASE, score=50)
    rule = known_rules[Kind.PURCHASE]

    asked = maria.get(delete_url(rule))
    assert asked.status_code == 200
    assert "Delete the rule for Purchase?" in asked.text
    assert ScoringRule.objects.filter(pk=rule.pk).exists() and rescored == []

    response = maria.post(delete_url(rule))

    assert response.status_code == 302 and response.url == LIST
    assert not ScoringRule.objects.filter(pk=rule.pk).exists()
    assert rescored == [[Kind.PURCHASE]]
    assert score_of(buyer) == 0
    assert messages_of(response)[0].startswith("Deleted the rule for Purchase")


@pytest.mark.parametrize(
    ("method", "name"), [("get", "edit"), ("post", "edit"), ("get", "delete"), ("post", "delete")]
)
def test_unknown_rules_are_not_found(maria, method, name):
    url = reverse(f"scoring:{name}", args=[987654])

    assert getattr(maria, method)(url).status_code == 404
