"""The manager's lead-scoring page at /settings/scoring/: the rules with what an
interaction is worth as it ages, the spread of scores, the top leads, and adding,
changing and deleting a rule, each of which rescores the leads it touches."""

import datetime as dt
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Interaction, Lead
from crm.scoring import services
from crm.scoring.models import ScoringRule
from tests.factories import InteractionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
Kind = Interaction.Kind
LIST, NEW = reverse("scoring:list"), reverse("scoring:create")


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def known_rules() -> dict[str, ScoringRule]:
    """The rules the tests count on, whatever the migration installs."""
    ScoringRule.objects.all().delete()
    rules = [
        ScoringRule(kind=Kind.BOOTH_VISIT, points=20, half_life_days=60),
        ScoringRule(kind=Kind.PURCHASE, points=50, half_life_days=180),
        ScoringRule(kind=Kind.EMAIL_BOUNCED, points=-10, half_life_days=0),
        ScoringRule(kind=Kind.WEB_VISIT, points=5, half_life_days=7, is_active=False),
    ]
    return {rule.kind: rule for rule in ScoringRule.objects.bulk_create(rules)}


@pytest.fixture
def rescored(monkeypatch) -> list[list[str]]:
    """The kinds of each rescore queued (jobs still run, inline, as in every test)."""
    queued = []
    enqueue = services.enqueue

    def spy(func, *args, **kwargs):
        if func is services.SCORES_RECOMPUTE:
            queued.append(args[0])
        return enqueue(func, *args, **kwargs)

    monkeypatch.setattr(services, "enqueue", spy)
    return queued


def did(kind: str, **lead_fields) -> Lead:
    """A lead with one interaction of this kind, written straight to the table
    (no hooks): its score stays 0 until something rescores it."""
    lead = LeadFactory(**lead_fields)
    InteractionFactory(lead=lead, kind=kind, occurred_at=NOW)
    return lead


def score_of(lead: Lead) -> int:
    lead.refresh_from_db()
    return lead.score


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def edit_url(rule: ScoringRule) -> str:
    return reverse("scoring:edit", args=[rule.pk])


def delete_url(rule: ScoringRule) -> str:
    return reverse("scoring:delete", args=[rule.pk])


class _Tables(HTMLParser):
    """Each table by its first class: row heading -> the other cells' text; and
    each table's links, in order."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self.table, self.row, self.cell = {}, {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = (attrs.get("class") or "table").split()[0]
            self.tables[self.table], self.links[self.table] = {}, []
        elif tag == "tr" and self.table:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []
        elif tag == "a" and self.table:
            self.links[self.table].append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row:
            self.tables[self.table][self.row[0]] = self.row[1:]
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page(client) -> _Tables:
    response = client.get(LIST)
    assert response.status_code == 200
    tables = _Tables()
    tables.feed(response.text)
    return tables


# Who may


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


# The rules table


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


# Adding, changing, deleting


def test_adding_a_rule_rescores_the_leads_with_that_kind(maria, rescored):
    lead = did(Kind.CONTENT_DOWNLOAD)

    response = maria.post(
        NEW, {"kind": Kind.CONTENT_DOWNLOAD, "points": 15, "half_life_days": 30, "is_active": "on"}
    )

    assert response.status_code == 302 and response.url == LIST
    rule = ScoringRule.objects.get(kind=Kind.CONTENT_DOWNLOAD)
    assert (rule.points, rule.half_life_days, rule.is_active) == (15, 30, True)
    assert rescored == [[Kind.CONTENT_DOWNLOAD]]
    assert score_of(lead) == 15
    assert messages_of(response) == [
        "Saved the rule for Content download. "
        "The scores of the leads concerned are being recomputed."
    ]


def test_changing_the_points_rescores_the_leads(maria, known_rules, rescored):
    lead = did(Kind.BOOTH_VISIT)
    rule = known_rules[Kind.BOOTH_VISIT]

    response = maria.post(
        edit_url(rule),
        {"kind": Kind.BOOTH_VISIT, "points": 40, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.half_life_days, rule.is_active) == (40, 60, True)
    assert rescored == [[Kind.BOOTH_VISIT]]
    assert score_of(lead) == 40


def test_switching_a_rule_off_rescores_the_leads(maria, known_rules, rescored):
    lead = did(Kind.BOOTH_VISIT, score=20)
    rule = known_rules[Kind.BOOTH_VISIT]

    maria.post(edit_url(rule), {"kind": Kind.BOOTH_VISIT, "points": 20, "half_life_days": 60})

    rule.refresh_from_db()
    assert not rule.is_active  # an unticked box
    assert rescored == [[Kind.BOOTH_VISIT]]
    assert score_of(lead) == 0


def test_changing_the_kind_rescores_the_old_kind_and_the_new(maria, known_rules, rescored):
    visitor, met = did(Kind.BOOTH_VISIT, score=20), did(Kind.MEETING)
    rule = known_rules[Kind.BOOTH_VISIT]

    maria.post(
        edit_url(rule),
        {"kind": Kind.MEETING, "points": 30, "half_life_days": 0, "is_active": "on"},
    )

    assert rescored == [[Kind.BOOTH_VISIT, Kind.MEETING]]
    assert (score_of(visitor), score_of(met)) == (0, 30)


def test_the_edit_form_shows_the_rule(maria, known_rules):
    response = maria.get(edit_url(known_rules[Kind.PURCHASE]))

    assert response.status_code == 200
    assert "Scoring rule: Purchase" in response.text
    assert 'name="points" value="50"' in response.text
    assert 'name="half_life_days" value="180"' in response.text
    assert reverse("scoring:delete", args=[known_rules[Kind.PURCHASE].pk]) in response.text


def test_deleting_asks_first_then_deletes_and_rescores(maria, known_rules, rescored):
    buyer = did(Kind.PURCHASE, score=50)
    rule = known_rules[Kind.PURCHASE]

    asked = maria.get(delete_url(rule))
    assert asked.status_code == 200
    assert "Delete the rule for Purchase?" in asked.text
    assert ScoringRule.objects.filter(pk=rule.pk).exists() and rescored == []

    response = maria.post(delete_url(rule))

    assert response.status_code == 302 and response.url == LIST
    assert not ScoringRule.objects.filter(pk=rule.pk).exists()
    assert rescored == [[Kind.PURCHASE]]
    assert score_of(buyer) == 0
    assert messages_of(response)[0].startswith("Deleted the rule for Purchase")


@pytest.mark.parametrize(
    ("method", "name"), [("get", "edit"), ("post", "edit"), ("get", "delete"), ("post", "delete")]
)
def test_unknown_rules_are_not_found(maria, method, name):
    url = reverse(f"scoring:{name}", args=[987654])

    assert getattr(maria, method)(url).status_code == 404


# Mistakes are answered beside their fields


GOOD = {"kind": Kind.MEETING, "points": "10", "half_life_days": "30", "is_active": "on"}


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"kind": ""}, "kind", "This field is required."),
        ({"kind": "dance"}, "kind", "Select a valid choice."),
        ({"kind": Kind.BOOTH_VISIT}, "kind", "has a rule already"),
        ({"points": ""}, "points", "This field is required."),
        ({"points": "1.5"}, "points", "Enter a whole number."),
        ({"points": "ten"}, "points", "Enter a whole number."),
        ({"points": "1001"}, "points", "less than or equal to 1000"),
        ({"points": "-1001"}, "points", "greater than or equal to -1000"),
        ({"points": "9" * 30}, "points", "less than or equal to 1000"),
        ({"half_life_days": "-1"}, "half_life_days", "greater than or equal to 0"),
        ({"half_life_days": "3651"}, "half_life_days", "less than or equal to 3650"),
        ({"half_life_days": "a week"}, "half_life_days", "Enter a whole number."),
    ],
)
def test_a_new_rule_with_a_mistake_is_answered_400_beside_the_field(
    maria, rescored, changes, field, error
):
    response = maria.post(NEW, GOOD | changes)

    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert not ScoringRule.objects.filter(kind=Kind.MEETING).exists()
    assert rescored == []


def test_moving_a_rule_onto_a_kind_with_a_rule_is_answered_400(maria, known_rules, rescored):
    rule = known_rules[Kind.PURCHASE]

    response = maria.post(edit_url(rule), GOOD | {"kind": Kind.BOOTH_VISIT})

    assert response.status_code == 400
    assert "has a rule already" in response.context["form"].errors["kind"][0]
    assert "Scoring rule: Purchase" in response.text
    rule.refresh_from_db()
    assert (rule.kind, rule.points) == (Kind.PURCHASE, 50)
    assert rescored == []


def test_a_rule_may_keep_its_own_kind(maria, known_rules):
    rule = known_rules[Kind.PURCHASE]

    response = maria.post(edit_url(rule), GOOD | {"kind": Kind.PURCHASE})

    assert response.status_code == 302


# The admin goes through the same services


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_changing_the_kind_in_the_admin_rescores_both_kinds(admin_client, known_rules, rescored):
    visitor = did(Kind.BOOTH_VISIT, score=20)
    rule = known_rules[Kind.BOOTH_VISIT]

    response = admin_client.post(
        reverse("admin:crm_scoringrule_change", args=[rule.pk]),
        {"kind": Kind.MEETING, "points": 20, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 302
    assert rescored == [[Kind.BOOTH_VISIT, Kind.MEETING]]
    assert score_of(visitor) == 0


def test_adding_a_rule_in_the_admin_rescores_its_kind(admin_client, rescored):
    lead = did(Kind.REFERRAL)

    response = admin_client.post(
        reverse("admin:crm_scoringrule_add"),
        {"kind": Kind.REFERRAL, "points": 25, "half_life_days": 0, "is_active": "on"},
    )

    assert response.status_code == 302
    assert rescored == [[Kind.REFERRAL]]
    assert score_of(lead) == 25


def test_the_admin_keeps_the_same_bounds(admin_client, known_rules, rescored):
    response = admin_client.post(
        reverse("admin:crm_scoringrule_change", args=[known_rules[Kind.PURCHASE].pk]),
        {"kind": Kind.PURCHASE, "points": 5000, "half_life_days": 60, "is_active": "on"},
    )

    assert response.status_code == 200  # the form again, with its error
    assert "less than or equal to 1000" in response.text
    assert rescored == []


def test_deleting_in_the_admin_rescores_the_kind(admin_client, known_rules, rescored):
    buyer = did(Kind.PURCHASE, score=50)
    rule = known_rules[Kind.PURCHASE]

    response = admin_client.post(
        reverse("admin:crm_scoringrule_delete", args=[rule.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert rescored == [[Kind.PURCHASE]]
    assert score_of(buyer) == 0


def test_deleting_several_in_the_admin_rescores_their_kinds_at_once(
    admin_client, known_rules, rescored
):
    chosen = [known_rules[Kind.PURCHASE].pk, known_rules[Kind.BOOTH_VISIT].pk]

    response = admin_client.post(
        reverse("admin:crm_scoringrule_changelist"),
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )

    assert response.status_code == 302
    assert rescored == [[Kind.BOOTH_VISIT, Kind.PURCHASE]]
    assert set(ScoringRule.objects.values_list("kind", flat=True)) == {
        Kind.EMAIL_BOUNCED,
        Kind.WEB_VISIT,
    }
