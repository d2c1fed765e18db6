"""The lead-scoring page at /settings/scoring/: the rules with what an interaction
is worth as it ages, the spread of scores and the top leads."""

import pytest

from crm.scoring.models import ScoringRule
from tests.crm.scoring.views.pages import LIST, NEW, Kind, page
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_table_shows_each_rule_and_what_an_interaction_is_worth_as_it_ages(maria):
    rules = page(maria).tables["scoring-rules"]

    # 20 * 0.5^(7/60) = 18.45, 20 * 0.5^(30/60) = 14.14, 20 * 0.5^(90/60) = 7.07
    assert rules["Booth visit"] == [
        "20",
        "60 days",
        "Yes",
        "18.4",
        "14.1",
        "7.1",
        "Edit the rule for Booth visit Delete the rule for Booth visit",
    ]
    # 50 * 0.5^(7/180) = 48.67, 50 * 0.5^(30/180) = 44.54, 50 * 0.5^(90/180) = 35.36
    assert rules["Purchase"][3:6] == ["48.7", "44.5", "35.4"]
    assert rules["Email bounced"][:6] == ["-10", "0: never fades", "Yes", "-10", "-10", "-10"]


def test_a_rule_switched_off_is_worth_nothing(maria):
    rules = page(maria).tables["scoring-rules"]

    assert rules["Web visit"][:6] == ["5", "7 days", "off", "0", "0", "0"]


def test_kinds_without_a_rule_are_worth_nothing_with_a_link_to_add_one(maria):
    tables = page(maria)

    assert tables.tables["scoring-rules"]["Note"] == [
        "No rule: worth nothing",
        "0",
        "0",
        "0",
        "Add a rule for Note",
    ]
    assert f"{NEW}?kind=note" in tables.links["scoring-rules"]
    assert len(tables.tables["scoring-rules"]) == 2 + len(Kind.values)  # two header rows


def test_add_a_rule_for_a_kind_starts_with_that_kind(maria):
    response = maria.get(NEW, {"kind": Kind.MEETING})

    assert response.status_code == 200
    assert '<option value="meeting" selected>Meeting</option>' in response.text


# The spread and the top leads


def test_the_spread_counts_the_leads_in_each_band_of_scores(maria):
    for score in (-10, 0, 0, 1, 19, 20, 49, 50, 99, 100, 250):
        LeadFactory(score=score)

    spread = page(maria).tables["score-spread"]

    assert {band: cells[0] for band, cells in spread.items()} == {
        "Score": "Leads",
        "Below 0": "1",
        "0": "2",
        "1\N{EN DASH}19": "2",
        "20\N{EN DASH}49": "2",
        "50\N{EN DASH}99": "2",
        "100 and over": "2",
    }
    assert spread["0"][1] == "18.2%"  # 2 of 11


def test_the_spread_of_no_leads_is_all_zero(maria):
    spread = page(maria).tables["score-spread"]

    assert spread["0"] == ["0", "0%"]


def test_the_ten_highest_scores_are_listed_with_links_to_the_leads(maria, rep_alice):
    leads = [LeadFactory(first_name=f"Lead{score}", score=score) for score in range(1, 13)]
    LeadFactory(first_name="Nobody", score=0)
    leads[-1].owner = rep_alice  # a rep's lead: managers see every lead
    leads[-1].save()

    tables = page(maria)

    top = tables.tables["top-leads"]
    expected = list(reversed(leads))[:10]
    assert [name.split()[0] for name in list(top)[1:]] == [lead.first_name for lead in expected]
    assert top[leads[-1].display_name][-2:] == ["Alice Rep", "12"]  # the owner by name
    assert tables.links["top-leads"] == [lead.get_absolute_url() for lead in expected]


def test_without_scores_above_0_there_are_no_top_leads(maria):
    LeadFactory(score=0)

    response = maria.get(LIST)

    assert "No lead scores above 0 yet." in response.text


@pytest.mark.parametrize(("rules", "leads"), [(1, 1), (len(Kind.values), 25)])
def test_the_page_costs_a_fixed_number_of_queries(
    maria, rules, leads, django_assert_max_num_queries
):
    ScoringRule.objects.all().delete()
    for kind in Kind.values[:rules]:
        ScoringRule.objects.create(kind=kind, points=10, half_life_days=30)
    owners = [UserFactory(username=f"rep{n}") for n in range(3)]
    for n in range(leads):
        LeadFactory(score=n * 7, owner=owners[n % 3])

    # session, user, groups, permissions (2, for the menu); the rules, the spread, the top leads
    with django_assert_max_num_queries(8):
        tables = page(maria)

    assert len(tables.links.get("top-leads", [])) == min(leads - 1, 10)  # the first scores 0
