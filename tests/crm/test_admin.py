"""The Django admin's lead pages."""

import pytest
from django.urls import reverse

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_the_admin_edits_a_leads_name_prefix_and_suffix(staff_maria):
    lead = LeadFactory(name_prefix="Dr.", name_suffix="PhD")

    text = staff_maria.get(reverse("admin:crm_lead_change", args=[lead.pk])).text

    assert 'name="name_prefix" value="Dr."' in text
    assert 'name="name_suffix" value="PhD"' in text
