"""The scoring rules in the admin (the back office; managers have /settings/scoring/):
a change rescores the leads."""

import pytest
from django.urls import reverse

from crm.models import Interaction
from crm.scoring.models import ScoringRule
from crm.services import interaction_record
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = Interaction.Kind


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_defaults_are_installed_by_the_migration():
    rules = {rule.kind: (rule.points, rule.half_life_days) for rule in ScoringRule.objects.all()}

    assert rules[Kind.BOOTH_VISIT] == (20, 60)
    assert rules[Kind.PURCHASE] == (50, 180)
    assert rules[Kind.EMAIL_BOUNCED] == (-10, 0)
    assert Kind.EMAIL_SENT not in rules  # what we do to a lead scores nothing


def test_managers_may_edit_the_rules():
    from django.contrib.auth.models import Group

    manager = Group.objects.get(name="manager")

    assert set(manager.permissions.values_list("codename", flat=True)) >= {
        "view_scoringrule",
        "change_scoringrule",
    }


def test_changing_a_rule_in_the_admin_rescores_the_leads(admin_client):
    lead = LeadFactory()
    interaction_record(lead=lead, kind=Kind.BOOTH_VISIT, source="test")
    rule = ScoringRule.objects.get(kind=Kind.BOOTH_VISIT)

    response = admin_client.post(
        reverse("admin:crm_scoringrule_change", args=[rule.pk]),
        {"kind": Kind.BOOTH_VISIT, "points": 35, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.score == 35


def test_switching_a_rule_off_in_the_list_rescores_the_leads(admin_client):
    lead = LeadFactory()
    interaction_record(lead=lead, kind=Kind.PURCHASE, source="test")
    rules = list(ScoringRule.objects.order_by("kind"))
    form = {"form-TOTAL_FORMS": len(rules), "form-INITIAL_FORMS": len(rules), "_save": "Save"}
    for n, rule in enumerate(rules):
        form |= {f"form-{n}-id": rule.pk, f"form-{n}-points": rule.points}
        form |= {f"form-{n}-half_life_days": rule.half_life_days}
        if rule.kind != Kind.PURCHASE:
            form[f"form-{n}-is_active"] = "on"

    response = admin_client.post(reverse("admin:crm_scoringrule_changelist"), form)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.score == 0


def test_the_admin_lists_the_rules(admin_client):
    response = admin_client.get(reverse("admin:crm_scoringrule_changelist"))

    assert response.status_code == 200
    assert "booth_visit" in response.text
