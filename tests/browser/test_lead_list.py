"""A manager's lead list in Chromium: an accent-free search finds José García,
phones read as people write them, and the headings sort the list both ways
(axe-core checks every state the test leaves, as in every browser test)."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import LeadFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def leads(rep_alice):
    return {
        "jose": LeadFactory(
            first_name="José",
            last_name="García",
            phone="+390280323411",
            score=10,
            owner=rep_alice,
        ),
        "mary": LeadFactory(first_name="Mary", last_name="Jones", score=70, owner=rep_alice),
        "oli": LeadFactory(first_name="Oli", last_name="Ørsted", score=40, owner=None),
    }


def names(page) -> list[str]:
    return page.locator("table.leads tbody tr td:first-child a").all_inner_texts()


def test_a_manager_searches_without_accents_and_sorts_by_score(page, manager_maria, leads):
    log_in(page, "maria")
    page.goto("/leads/")

    page.get_by_label("Search").fill("jose garcia")
    page.get_by_text("1 lead", exact=True).wait_for()
    assert names(page) == ["José García"]
    row = page.locator("table.leads tbody tr").first
    assert "+39 02 8032 3411" in row.inner_text()
    assert row.get_by_role("cell", name="Alice Rep").count() == 1

    page.get_by_label("Search").fill("")
    page.get_by_text("3 leads", exact=True).wait_for()
    page.get_by_role("link", name="Score").click()
    page.wait_for_url("**sort=score**")
    heading = page.get_by_role("columnheader", name="Score")
    assert heading.get_attribute("aria-sort") == "descending"
    assert names(page) == ["Mary Jones", "Oli Ørsted", "José García"]
    assert page.get_by_label("Sort by").input_value() == "score"

    page.get_by_role("link", name="Score").click()
    page.wait_for_url("**sort=score_lowest**")
    assert page.get_by_role("columnheader", name="Score").get_attribute("aria-sort") == "ascending"
    assert names(page) == ["José García", "Oli Ørsted", "Mary Jones"]
