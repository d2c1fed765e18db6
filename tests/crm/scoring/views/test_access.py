"""Who may use the scoring pages, and which methods each answers."""

import pytest

from crm.scoring.models import ScoringRule
from tests.crm.scoring.views.pages import LIST, NEW, Kind, delete_url, edit_url

pytestmark = pytest.mark.django_db


def scoring_urls(rule: ScoringRule) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", NEW),
        ("post", NEW),
        ("get", edit_url(rule)),
        ("post", edit_url(rule)),
        ("get", delete_url(rule)),
        ("post", delete_url(rule)),
    ]


@pytest.mark.parametrize("persona", ["rep_alice", "mailroom_max"])
def test_the_scoring_pages_are_for_managers_only(client, known_rules, persona, request):
    client.force_login(request.getfixturevalue(persona))
    rule = known_rules[Kind.BOOTH_VISIT]
    for method, url in scoring_urls(rule):
        assert getattr(client, method)(url).status_code == 403, (method, url)
    assert ScoringRule.objects.filter(pk=rule.pk).exists()


def test_signed_out_people_are_sent_to_log_in(client, known_rules):
    for method, url in scoring_urls(known_rules[Kind.BOOTH_VISIT]):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_the_settings_tabs_lead_to_the_scoring_page(maria):
    response = maria.get(LIST)

    assert f'href="{LIST}" aria-current="page"' in response.text


def test_pages_answer_only_their_methods(maria, known_rules):
    assert maria.post(LIST).status_code == 405
    assert maria.put(edit_url(known_rules[Kind.BOOTH_VISIT])).status_code == 405
