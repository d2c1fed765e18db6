"""The builder's preview: the newest leads the rules pick now, compiled once per
definition (crm.prepared) and right for every "now" and every campaign date."""

import datetime as dt

import pytest

from crm.audiences import selectors
from crm.audiences.rules.base import DefinitionError
from crm.audiences.rules.compiling import audience_leads
from tests.crm.audiences.people import NOW, Kind, ago, did, expo_2026, person, visit

pytestmark = pytest.mark.django_db

PRICING_THIS_WEEK = {
    "match": "all",
    "rules": [
        {"type": "visited_page", "path": "/pricing*", "days": 7},
        {"type": "not_visited_page", "path": "/checkout*", "days": 7},
    ],
}


def names(leads) -> list[str]:
    return [lead.first_name for lead in leads]


def test_the_preview_is_the_newest_leads_the_rules_pick(rep_alice):
    for name, days in (("Pia", 2), ("Olga", 20), ("Ria", 6), ("Cas", 1)):
        lead = person(name, owner=rep_alice)
        visit(lead, "/pricing/enterprise", ago(days))
        if name == "Cas":
            visit(lead, "/checkout", ago(0.5))

    preview = selectors.audience_preview(PRICING_THIS_WEEK, now=NOW, size=10)

    assert names(preview) == ["Ria", "Pia"]
    assert preview[0].owner.username == "alice"
    picked = audience_leads(PRICING_THIS_WEEK, now=NOW).order_by(*selectors.MEMBER_ORDER)
    assert [lead.pk for lead in preview] == [lead.pk for lead in picked]
    assert names(selectors.audience_preview(PRICING_THIS_WEEK, now=NOW, size=1)) == ["Ria"]


def test_one_compiled_preview_follows_now():
    visit(person("Pia"), "/pricing", ago(2))
    visit(person("Ria"), "/pricing", ago(6))
    selectors._preview_statement.cache_clear()

    today = selectors.audience_preview(PRICING_THIS_WEEK, now=NOW, size=10)
    in_three_days = selectors.audience_preview(
        PRICING_THIS_WEEK, now=NOW + dt.timedelta(days=3), size=10
    )
    in_six_days = selectors.audience_preview(
        PRICING_THIS_WEEK, now=NOW + dt.timedelta(days=6), size=10
    )

    assert names(today) == ["Ria", "Pia"]
    assert names(in_three_days) == ["Pia"]  # Ria's visit is nine days old then
    assert names(in_six_days) == []
    assert selectors._preview_statement.cache_info().misses == 1


def test_a_campaign_moved_moves_the_preview():
    expo = expo_2026()  # starts on March 10th
    rules = {
        "match": "all",
        "rules": [
            {"type": "attended_event", "campaign": expo.pk},
            {"type": "downloaded_content", "content": "*white*paper*", "before_campaign": expo.pk},
        ],
    }
    lead = person("Wim")
    did(lead, Kind.BOOTH_VISIT, ago(9), campaign=expo)
    did(lead, Kind.CONTENT_DOWNLOAD, dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
        data={"content": "ROI white paper"})  # fmt: skip
    assert names(selectors.audience_preview(rules, now=NOW, size=10)) == ["Wim"]

    expo.starts_on = dt.date(2026, 3, 1)
    expo.save()

    assert names(selectors.audience_preview(rules, now=NOW, size=10)) == []


def test_invalid_rules_are_refused():
    with pytest.raises(DefinitionError) as refused:
        selectors.audience_preview(
            {"match": "all", "rules": [{"type": "visited_page", "days": 0}]}, now=NOW, size=10
        )
    assert set(refused.value.errors) == {"rules.0.path", "rules.0.days"}


def test_the_consent_setting_is_part_of_the_compiled_preview(settings):
    person("Confirmed", email_consent="confirmed")
    person("Customer", email_consent="none", stage="customer")
    may_email = {"match": "all", "rules": [{"type": "consent", "consent": "may_email"}]}

    settings.MAIL_SOFT_OPT_IN = False
    assert names(selectors.audience_preview(may_email, now=NOW, size=10)) == ["Confirmed"]
    settings.MAIL_SOFT_OPT_IN = True
    assert names(selectors.audience_preview(may_email, now=NOW, size=10)) == [
        "Customer",
        "Confirmed",
    ]
