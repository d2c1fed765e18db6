"""An audience definition in words."""

import pytest

from crm.audiences.rules.checking import definition_clean
from crm.audiences.rules.describing import definition_describe
from tests.crm.audiences.people import expo_2026
from tests.crm.audiences.rules.definitions import either, every, rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_definition_in_words(rep_alice):
    expo = expo_2026()
    rep_alice.first_name, rep_alice.last_name = "Alice", "Rep"
    rep_alice.save()
    described = definition_describe(
        every(
            rule("attended_event", campaign=expo.pk),
            rule("downloaded_content", content="*white paper*", before_campaign=expo.pk),
            either(rule("owner", owners=[rep_alice.pk]), rule("opened_email", days=1, negate=True)),
        )
    )
    assert described.heading == "All of"
    assert described.items[:2] == [
        "visited the booth at Expo 2026",
        "downloaded “*white paper*” before Expo 2026 (Tue 10 Mar 2026)",
    ]
    assert described.items[2].heading == "Any of"
    assert described.items[2].items == [
        "owned by Alice Rep",
        "NOT opened an email in the last 1 day",
    ]


def test_app_event_rules_in_words(db):
    described = definition_describe(
        every(
            rule("app_event", name="signed_up", days=7),
            rule("not_app_event", name="project_created", days=1),
            rule("app_event", name="invited_team", negate=True),
        )
    )
    assert described.items == [
        "did app event “signed_up” in the last 7 days",
        "did not do app event “project_created” in the last 1 day",
        "NOT did app event “invited_team”",
    ]


def test_a_user_made_owner_is_known(db):
    manager = UserFactory(username="boss")
    cleaned = definition_clean(every(rule("owner", owners=[manager.pk])))
    assert cleaned["rules"][0]["owners"] == [manager.pk]
