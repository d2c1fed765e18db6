"""Audience rules combined: all is and, any is or, groups nest, a count is one query."""

import pytest

from crm.audiences.rules.compiling import audience_count
from tests.crm.audiences.people import NOW, person
from tests.crm.audiences.rules.definitions import either, every, picked, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiles():
    person("UsNew", country="US", stage="new")
    person("UsCustomer", country="US", stage="customer")
    person("DeNew", country="DE", stage="new")
    person("DeCustomer", country="DE", stage="customer")
    person("FrLost", country="FR", stage="lost")


def test_all_is_and_any_is_or(profiles):
    us, new = rule("country", countries=["US"]), rule("stage", stages=["new"])
    assert picked(every(us, new)) == {"UsNew"}
    assert picked(either(us, new)) == {"UsNew", "UsCustomer", "DeNew"}


def test_groups_nest(profiles):
    # FR, or (DE and not new), or (US and (customer or lost))
    definition = either(
        rule("country", countries=["FR"]),
        every(rule("country", countries=["DE"]), rule("stage", stages=["new"], negate=True)),
        every(
            rule("country", countries=["US"]),
            either(rule("stage", stages=["customer"]), rule("stage", stages=["lost"])),
        ),
    )
    assert picked(definition) == {"FrLost", "DeCustomer", "UsCustomer"}


def test_a_count_is_one_query_however_many_leads(expo_people, django_assert_num_queries):
    definition = every(
        rule("attended_event", campaign=expo_people.pk),
        rule("downloaded_content", content="*white paper*", before_campaign=expo_people.pk),
        either(rule("visited_page", path="/pricing*", days=7), rule("page_views", pages=2)),
    )
    with django_assert_num_queries(2):  # the campaign named, then the count
        assert audience_count(definition, now=NOW) == 0
