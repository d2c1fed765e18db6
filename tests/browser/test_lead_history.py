"""The lead's History as its owner reads it (axe-core checks the page, as every
browser test's pages)."""

import pytest

from crm.services import lead_owner_claim, lead_update
from tests.browser.conftest import log_in
from tests.factories import LeadFactory

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_rep_reads_who_changed_their_lead(page, rep_alice, manager_maria):
    lead = LeadFactory(first_name="Dana", last_name="Whitfield", city="Rome", owner=None)
    lead_owner_claim(lead=lead, owner=rep_alice)
    lead_update(lead=lead, fields={"city": "Milan"}, phone=None, by=manager_maria)
    log_in(page, "alice")

    page.goto(lead.get_absolute_url())
    history = page.get_by_role("region", name="History").locator("li")

    assert history.count() == 2
    assert "Maria Manager changed city from “Rome” to “Milan”" in history.nth(0).inner_text()
    assert "system changed owner from (empty) to alice" in history.nth(1).inner_text()
