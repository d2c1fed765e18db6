"""The admin changes scoring rules through the same services, and rescores alike."""

import pytest
from django.urls import reverse

from crm.scoring.models import ScoringRule
from tests.crm.scoring.views.pages import Kind, did, score_of

pytestmark = pytest.mark.django_db


def test_changing_the_kind_in_the_admin_rescores_both_kinds(admin_client, known_rules, rescored):
    visitor = did(Kind.BOOTH_VISIT, score=20)
    rule = known_rules[Kind.BOOTH_VISIT]

    response = admin_client.post(
        reverse("admin:crm_scoringrule_change", args=[rule.pk]),
        {"kind": Kind.MEETING, "points": 20, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 302
    assert rescored == [[Kind.BOOTH_VISIT, Kind.MEETING]]
    assert score_of(visitor) == 0


def test_adding_a_rule_in_the_admin_rescores_its_kind(admin_client, rescored):
    lead = did(Kind.REFERRAL)

    response = admin_client.post(
        reverse("admin:crm_scoringrule_add"),
        {"kind": Kind.REFERRAL, "points": 25, "half_life_days": 0, "is_active": "on"},
    )

    assert response.status_code == 302
    assert rescored == [[Kind.REFERRAL]]
    assert score_of(lead) == 25


def test_the_admin_keeps_the_same_bounds(admin_client, known_rules, rescored):
    response = admin_client.post(
        reverse("admin:crm_scoringrule_change", args=[known_rules[Kind.PURCHASE].pk]),
        {"kind": Kind.PURCHASE, "points": 5000, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 200  # the form again, with its error
    assert "less than or equal to 1000" in response.text
    assert rescored == []


def test_deleting_in_the_admin_rescores_the_kind(admin_client, known_rules, rescored):
    buyer = did(Kind.PURCHASE, score=50)
    rule = known_rules[Kind.PURCHASE]

    response = admin_client.post(
        reverse("admin:crm_scoringrule_delete", args=[rule.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert rescored == [[Kind.PURCHASE]]
    assert score_of(buyer) == 0


def test_deleting_several_in_the_admin_rescores_their_kinds_at_once(
    admin_client, known_rules, rescored
):
    chosen = [known_rules[Kind.PURCHASE].pk, known_rules[Kind.BOOTH_VISIT].pk]

    response = admin_client.post(
        reverse("admin:crm_scoringrule_changelist"),
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )

    assert response.status_code == 302
    assert rescored == [[Kind.BOOTH_VISIT, Kind.PURCHASE]]
    assert set(ScoringRule.objects.values_list("kind", flat=True)) == {
        Kind.EMAIL_BOUNCED,
        Kind.WEB_VISIT,
    }
