"""Checking an audience definition: every problem at once, values normalised, time windows."""

import pytest

from crm.audiences.rules.checking import definition_clean
from crm.audiences.rules.compiling import has_time_window
from tests.crm.audiences.people import expo_2026
from tests.crm.audiences.rules.definitions import either, errors_of, every, rule
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("definition", "path", "message"),
    [
        ([], "definition", "not in the expected form"),
        ({"match": "both", "rules": [rule("opened_email")]}, "match", "“all” or “any”"),
        ({"match": "all", "rules": []}, "rules", "at least one rule"),
        ({"match": "all"}, "rules", "at least one rule"),
        (every(rule("teleported")), "rules.0.type", "Unknown rule type “teleported”"),
        (every({"days": 3}), "rules.0.type", "Choose what the rule checks"),
        (every("visited"), "rules.0", "not in the expected form"),
        (every(rule("visited_page", path="/x", days="seven")), "rules.0.days", "whole number"),
        (every(rule("visited_page", path="/x", days=0)), "rules.0.days", "from 1 to 3,650"),
        (every(rule("visited_page", path="/x", days=4000)), "rules.0.days", "from 1 to 3,650"),
        (every(rule("visited_page", path="/x", days=2.5)), "rules.0.days", "whole number"),
        (every(rule("visited_page", path="/x", days=True)), "rules.0.days", "whole number"),
        (every(rule("visited_page", days=7)), "rules.0.path", "Required"),
        (every(rule("app_event", days=3)), "rules.0.name", "the app event's name, e.g."),
        (every(rule("not_app_event", name="  ")), "rules.0.name", "the app event's name, e.g."),
        (every(rule("app_event", name=["signed_up"])), "rules.0.name", "name as text"),
        (every(rule("app_event", name="x" * 101)), "rules.0.name", "at most 100 characters"),
        (every(rule("app_event", name="x", days=0)), "rules.0.days", "from 1 to 3,650"),
        (every(rule("visited_page", path="x" * 201)), "rules.0.path", "at most 200"),
        (every(rule("page_views", pages=-1)), "rules.0.pages", "whole number"),
        (every(rule("attended_event", campaign=999_999)), "rules.0.campaign", "No such campaign"),
        (every(rule("attended_event", campaign="expo")), "rules.0.campaign", "No such campaign"),
        (every(rule("attended_event")), "rules.0.campaign", "Required"),
        (every(rule("score")), "rules.0.min", "lowest score, a highest or both"),
        (every(rule("score", min=50, max=10)), "rules.0.max", "below the lowest"),
        (every(rule("country", countries="US, Atlantis")), "rules.0.countries", "Atlantis"),
        (every(rule("stage", stages=["sleeping"])), "rules.0.stages", "Choose from"),
        (every(rule("owner", owners=[999_999])), "rules.0.owners", "No such user: #999999"),
        (every(rule("consent", consent="maybe")), "rules.0.consent", "Choose one of"),
        (every(either(rule("visited_page"))), "rules.0.rules.0.path", "Required"),
        (every(either(every(either(rule("opened_email"))))), "rules.0.rules.0.rules.0", "3 levels"),
        (every(either()), "rules.0.rules", "at least one rule"),
        (every(*[rule("opened_email")] * 51), "rules", "at most 50 rules"),
    ],
)
def test_an_invalid_definition_is_refused_with_the_field_and_the_reason(definition, path, message):
    errors = errors_of(definition)
    assert path in errors, errors
    assert message in " ".join(errors[path])


def test_a_before_campaign_needs_a_start_date(db):
    undated = CampaignFactory(name="Someday", starts_on=None)
    errors = errors_of(every(rule("downloaded_content", before_campaign=undated.pk)))
    assert errors == {"rules.0.before_campaign": ["Someday has no start date: give it one."]}


def test_every_problem_is_reported_at_once(db):
    errors = errors_of(
        {"match": "x", "rules": [rule("nope"), rule("opened_email", days=-3), either()]}
    )
    assert set(errors) == {"match", "rules.0.type", "rules.1.days", "rules.2.rules"}


def test_cleaning_normalises_the_values(rep_alice):
    expo = expo_2026()
    cleaned = definition_clean(
        every(
            rule("visited_page", path=" /pricing* ", days="7", extra="dropped"),
            rule("country", countries="us, Germany, US"),
            rule("owner", owners=[str(rep_alice.pk)]),
            rule("attended_event", campaign=str(expo.pk), days=""),
            rule("stage", stages=["customer", "new"], negate=True),
            rule("score", min="-5"),
            rule("not_app_event", name=" project_created ", days="3"),
        )
    )
    assert cleaned == every(
        {"type": "visited_page", "path": "/pricing*", "days": 7},
        {"type": "country", "countries": ["DE", "US"]},
        {"type": "owner", "owners": [rep_alice.pk]},
        {"type": "attended_event", "campaign": expo.pk},
        {"type": "stage", "stages": ["new", "customer"], "negate": True},
        {"type": "score", "min": -5},
        {"type": "not_app_event", "name": "project_created", "days": 3},
    )


def test_time_windows_and_scores_make_an_audience_drift(db):
    assert has_time_window(every(rule("opened_email", days=7)))
    assert has_time_window(every(either(rule("country", countries=["US"]), rule("score", min=5))))
    assert not has_time_window(every(rule("opened_email"), rule("country", countries=["US"])))
    assert has_time_window(every(rule("not_app_event", name="project_created", days=3)))
    assert not has_time_window(every(rule("app_event", name="signed_up")))
    expo = expo_2026()
    before = rule("downloaded_content", before_campaign=expo.pk)
    assert not has_time_window(every(before))
