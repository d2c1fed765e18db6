"""Mistakes in a scoring rule's form, answered beside their fields."""

import pytest

from crm.scoring.models import ScoringRule
from tests.crm.scoring.views.pages import NEW, Kind, edit_url

pytestmark = pytest.mark.django_db


GOOD = {"kind": Kind.MEETING, "points": "10", "half_life_days": "30", "is_active": "on"}


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"kind": ""}, "kind", "This field is required."),
        ({"kind": "dance"}, "kind", "Select a valid choice."),
        ({"kind": Kind.BOOTH_VISIT}, "kind", "has a rule already"),
        ({"points": ""}, "points", "This field is required."),
        ({"points": "1.5"}, "points", "Enter a whole number."),
        ({"points": "ten"}, "points", "Enter a whole number."),
        ({"points": "1001"}, "points", "less than or equal to 1000"),
        ({"points": "-1001"}, "points", "greater than or equal to -1000"),
        ({"points": "9" * 30}, "points", "less than or equal to 1000"),
        ({"half_life_days": "-1"}, "half_life_days", "greater than or equal to 0"),
        ({"half_life_days": "3651"}, "half_life_days", "less than or equal to 3650"),
        ({"half_life_days": "a week"}, "half_life_days", "Enter a whole number."),
    ],
)
def test_a_new_rule_with_a_mistake_is_answered_400_beside_the_field(
    maria, rescored, changes, field, error
):
    response = maria.post(NEW, GOOD | changes)

    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert not ScoringRule.objects.filter(kind=Kind.MEETING).exists()
    assert rescored == []


def test_moving_a_rule_onto_a_kind_with_a_rule_is_answered_400(maria, known_rules, rescored):
    rule = known_rules[Kind.PURCHASE]

    response = maria.post(edit_url(rule), GOOD | {"kind": Kind.BOOTH_VISIT})

    assert response.status_code == 400
    assert "has a rule already" in response.context["form"].errors["kind"][0]
    assert "Scoring rule: Purchase" in response.text
    rule.refresh_from_db()
    assert (rule.kind, rule.points) == (Kind.PURCHASE, 50)
    assert rescored == []


def test_a_rule_may_keep_its_own_kind(maria, known_rules):
    rule = known_rules[Kind.PURCHASE]

    response = maria.post(edit_url(rule), GOOD | {"kind": Kind.PURCHASE})

    assert response.status_code == 302
