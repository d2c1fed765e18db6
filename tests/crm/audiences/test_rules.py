import datetime as dt

import pytest

from crm.audiences.rules.base import DefinitionError
from crm.audiences.rules.checking import definition_clean
from crm.audiences.rules.compiling import audience_count, audience_leads, has_time_window
from crm.audiences.rules.describing import definition_describe
from crm.models import Lead
from tests.crm.audiences.people import NOW, Kind, ago, did, expo_2026, person, visit
from tests.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db


def rule(type_: str, **params) -> dict:
    return {"type": type_, **params}


def every(*rules) -> dict:
    return {"match": "all", "rules": list(rules)}


def either(*rules) -> dict:
    return {"match": "any", "rules": list(rules)}


def picked(definition: dict, now: dt.datetime = NOW) -> set[str]:
    return set(audience_leads(definition, now=now).values_list("first_name", flat=True))


def errors_of(definition) -> dict[str, list[str]]:
    with pytest.raises(DefinitionError) as raised:
        definition_clean(definition)
    return raised.value.errors


# Behaviour


@pytest.fixture
def visitors():
    pia = person("Pia")  # pricing, no checkout, this week
    visit(pia, "/pricing", ago(2))
    cole = person("Cole")  # pricing and checkout, this week
    visit(cole, "/Pricing/enterprise", ago(3))
    visit(cole, "/checkout", ago(1))
    olga = person("Olga")  # pricing a month ago
    visit(olga, "/pricing", ago(30))
    nina = person("Nina")  # only the blog
    visit(nina, "/blog/pricing-tips", ago(1))
    person("Ned")  # never visited


def test_visited_a_page_pattern_within_days(visitors):
    assert picked(every(rule("visited_page", path="/pricing*", days=7))) == {"Pia", "Cole"}
    assert picked(every(rule("visited_page", path="/pricing*"))) == {"Pia", "Cole", "Olga"}
    assert picked(every(rule("visited_page", path="*pricing*", days=7))) == {"Pia", "Cole", "Nina"}
    assert picked(every(rule("visited_page", path="/pricing", days=7))) == {"Pia"}


def test_did_not_visit_a_page_pattern_within_days(visitors):
    not_checkout = every(rule("not_visited_page", path="/checkout*", days=7))
    assert picked(not_checkout) == {"Pia", "Olga", "Nina", "Ned"}


def test_visited_pricing_but_not_checkout_in_7_days(visitors):
    definition = every(
        rule("visited_page", path="/pricing*", days=7),
        rule("not_visited_page", path="/checkout*", days=7),
    )
    assert picked(definition) == {"Pia"}


def test_a_glob_matches_literally_apart_from_its_wildcards(db):
    percent = person("Percy")
    visit(percent, "/offers/100%_off", ago(1))
    visit(person("Otto"), "/offers/100x-off", ago(1))

    assert picked(every(rule("visited_page", path="/offers/100%_off"))) == {"Percy"}
    assert picked(every(rule("visited_page", path="/offers/100?_off"))) == {"Percy"}


def test_pages_viewed_counts_visits_in_the_window(db):
    three = person("Three")
    for days in (1, 2, 3):
        visit(three, f"/page-{days}", ago(days))
    two = person("Two")
    for days in (1, 2):
        visit(two, "/same", ago(days))
    late = person("Late")  # three, but one is older than the window
    for days in (1, 2, 9):
        visit(late, "/x", ago(days))

    assert picked(every(rule("page_views", pages=3, days=7))) == {"Three"}
    assert picked(every(rule("page_views", pages=3))) == {"Three", "Late"}
    assert picked(every(rule("page_views", pages=3, days=7, negate=True))) == {"Two", "Late"}


def test_time_on_site_sums_the_seconds_of_visits_in_the_window(db):
    long_reader = person("Long")
    visit(long_reader, "/a", ago(1), seconds=200)
    visit(long_reader, "/b", ago(2), seconds=150.5)
    junk = person("Junk")  # a value that is not a number counts as nothing, never an error
    visit(junk, "/a", ago(1), seconds=200)
    visit(junk, "/b", ago(1), seconds="a lot")
    old = person("Old")
    visit(old, "/a", ago(10), seconds=400)

    assert picked(every(rule("time_on_site", minutes=5, days=7))) == {"Long"}
    assert picked(every(rule("time_on_site", minutes=5))) == {"Long", "Old"}


def test_cart_abandoned_within_days_and_nothing_bought_since(db):
    left = person("Left")
    did(left, Kind.CART_ABANDONED, ago(2))
    came_back = person("CameBack")
    did(came_back, Kind.CART_ABANDONED, ago(2))
    did(came_back, Kind.PURCHASE, ago(1))
    bought_before = person("BoughtBefore")
    did(bought_before, Kind.PURCHASE, ago(5))
    did(bought_before, Kind.CART_ABANDONED, ago(2))
    long_ago = person("LongAgo")
    did(long_ago, Kind.CART_ABANDONED, ago(10))

    assert picked(every(rule("cart_abandoned", days=7))) == {"Left", "BoughtBefore"}
    assert picked(every(rule("cart_abandoned"))) == {"Left", "BoughtBefore", "LongAgo"}


def test_attended_an_event_is_a_booth_visit_in_that_campaign(db):
    expo, other = expo_2026(), CampaignFactory(name="Fair")
    did(person("Visitor"), Kind.BOOTH_VISIT, ago(10), campaign=expo)
    did(person("Elsewhere"), Kind.BOOTH_VISIT, ago(10), campaign=other)
    did(person("Entrant"), Kind.GIVEAWAY_ENTRY, ago(10), campaign=expo)

    assert picked(every(rule("attended_event", campaign=expo.pk))) == {"Visitor"}
    assert picked(every(rule("attended_event", campaign=expo.pk, days=7))) == set()


def test_entered_a_giveaway_is_an_entry_in_that_campaign(db):
    giveaway, other = CampaignFactory(name="Win a drone"), CampaignFactory(name="Win a bike")
    did(person("Entrant"), Kind.GIVEAWAY_ENTRY, ago(3), campaign=giveaway)
    did(person("Other"), Kind.GIVEAWAY_ENTRY, ago(3), campaign=other)
    did(person("Visitor"), Kind.BOOTH_VISIT, ago(3), campaign=giveaway)

    assert picked(every(rule("entered_giveaway", campaign=giveaway.pk))) == {"Entrant"}


@pytest.fixture
def expo_people():
    expo = expo_2026()  # starts 10 March
    early = person("Early")  # white paper before the event, then the booth
    did(early, Kind.CONTENT_DOWNLOAD, dt.datetime(2026, 3, 9, 23, tzinfo=dt.UTC),
        data={"content": "Cloud Security White Paper"})  # fmt: skip
    did(early, Kind.BOOTH_VISIT, dt.datetime(2026, 3, 11, tzinfo=dt.UTC), campaign=expo)
    after = person("After")  # the booth, then the white paper
    did(after, Kind.BOOTH_VISIT, dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), campaign=expo)
    did(after, Kind.CONTENT_DOWNLOAD, dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
        data={"content": "ROI white paper"})  # fmt: skip
    guide = person("Guide")  # something else before the event, and the booth
    did(guide, Kind.CONTENT_DOWNLOAD, ago(30), data={"content": "Pricing guide"})
    did(guide, Kind.BOOTH_VISIT, dt.datetime(2026, 3, 11, tzinfo=dt.UTC), campaign=expo)
    reader = person("Reader")  # the white paper before, never at the booth
    did(reader, Kind.CONTENT_DOWNLOAD, ago(60), data={"content": "Edge white paper"})
    return expo


def test_downloaded_content_by_pattern_before_an_event_or_within_days(expo_people):
    expo = expo_people
    white_paper = "*white paper*"
    assert picked(every(rule("downloaded_content", content=white_paper))) == {
        "Early",
        "After",
        "Reader",
    }
    before = rule("downloaded_content", content=white_paper, before_campaign=expo.pk)
    assert picked(every(before)) == {"Early", "Reader"}
    assert picked(every(rule("downloaded_content", days=14))) == {"Early", "After"}
    assert picked(every(rule("downloaded_content"))) == {"Early", "After", "Guide", "Reader"}


def test_booth_at_expo_and_a_white_paper_before_it(expo_people):
    most_qualified = every(
        rule("attended_event", campaign=expo_people.pk),
        rule("downloaded_content", content="*white paper*", before_campaign=expo_people.pk),
    )
    assert picked(most_qualified) == {"Early"}


def test_opened_and_clicked_emails_within_days(db):
    did(person("Opener"), Kind.EMAIL_OPENED, ago(2))
    did(person("OldOpener"), Kind.EMAIL_OPENED, ago(40))
    did(person("Clicker"), Kind.EMAIL_CLICKED, ago(2))
    did(person("Sent"), Kind.EMAIL_SENT, ago(1))

    assert picked(every(rule("opened_email", days=30))) == {"Opener"}
    assert picked(every(rule("opened_email"))) == {"Opener", "OldOpener"}
    assert picked(every(rule("clicked_email", days=30))) == {"Clicker"}


def app_event(lead: Lead, name: str, when: dt.datetime) -> None:
    did(lead, Kind.APP_EVENT, when, data={"name": name})


@pytest.fixture
def app_users():
    made = person("Made")  # signed up, then created a project within days
    app_event(made, "signed_up", ago(5))
    app_event(made, "project_created", ago(2))
    stuck = person("Stuck")  # signed up, no project yet
    app_event(stuck, "signed_up", ago(4))
    early = person("Early")  # a project long ago
    app_event(early, "project_created", ago(40))
    lookalike = person("Lookalike")  # another event's name, and a download's data
    app_event(lookalike, "project_created_draft", ago(1))
    app_event(lookalike, "Project_Created", ago(1))
    did(lookalike, Kind.CONTENT_DOWNLOAD, ago(1), data={"name": "project_created"})
    person("Never")


def test_did_an_app_event_by_its_exact_name_within_days_or_ever(app_users):
    assert picked(every(rule("app_event", name="project_created", days=7))) == {"Made"}
    assert picked(every(rule("app_event", name="project_created"))) == {"Made", "Early"}
    assert picked(every(rule("app_event", name="signed_up", days=3))) == set()


def test_did_not_do_an_app_event_within_days_or_ever(app_users):
    not_this_week = every(rule("not_app_event", name="project_created", days=7))
    assert picked(not_this_week) == {"Stuck", "Early", "Lookalike", "Never"}
    assert picked(every(rule("not_app_event", name="project_created"))) == {
        "Stuck",
        "Lookalike",
        "Never",
    }


def test_signed_up_over_three_days_ago_and_no_project_since(app_users):
    signed_up_a_while_ago = every(
        rule("app_event", name="signed_up", days=14),
        rule("app_event", name="signed_up", days=3, negate=True),
        rule("not_app_event", name="project_created"),
    )
    assert picked(signed_up_a_while_ago) == {"Stuck"}
    assert picked(signed_up_a_while_ago, now=ago(0.5)) == {"Stuck"}
    assert picked(signed_up_a_while_ago, now=ago(1.5)) == set()  # 2.5 days after signing up


# Profile, customer data, consent


def test_profile_rules(rep_alice, rep_bob):
    person("Ann", country="US", region="CA", title="Director of IT", stage="new", owner=rep_alice,
           score=10)  # fmt: skip
    person("Ben", country="DE", region="Bavaria", title="Engineer", stage="working",
           owner=rep_bob, score=50)  # fmt: skip
    person("Cat", country="GB", region="ca", title="IT director", stage="customer", score=90)

    assert picked(every(rule("country", countries=["US", "Germany"]))) == {"Ann", "Ben"}
    assert picked(every(rule("country", countries="gb"))) == {"Cat"}
    assert picked(every(rule("region", regions=["CA"]))) == {"Ann", "Cat"}
    assert picked(every(rule("region", regions="bavaria, NY"))) == {"Ben"}
    assert picked(every(rule("title_contains", text="director"))) == {"Ann", "Cat"}
    assert picked(every(rule("stage", stages=["new", "customer"]))) == {"Ann", "Cat"}
    assert picked(every(rule("owner", owners=[rep_alice.pk, rep_bob.pk]))) == {"Ann", "Ben"}
    assert picked(every(rule("owner", owners=[rep_bob.pk], negate=True))) == {"Ann", "Cat"}
    assert picked(every(rule("score", min=10, max=50))) == {"Ann", "Ben"}
    assert picked(every(rule("score", min=51))) == {"Cat"}
    assert picked(every(rule("score", max=9))) == set()


def test_last_purchase_more_than_days_ago(db):
    lapsed = person("Lapsed")
    did(lapsed, Kind.PURCHASE, ago(100))
    recent = person("Recent")
    did(recent, Kind.PURCHASE, ago(100))
    did(recent, Kind.PURCHASE, ago(10))
    person("Never")

    assert picked(every(rule("last_purchase_before", days=90))) == {"Lapsed"}
    assert picked(every(rule("last_purchase_before", days=5))) == {"Lapsed", "Recent"}


def test_bought_a_product_but_not_the_add_on(db):
    did(person("ProOnly"), Kind.PURCHASE, ago(30), data={"products": ["crm-pro"], "value": 990})
    did(person("Both"), Kind.PURCHASE, ago(30), data={"products": ["crm-pro", "support-addon"]})
    later = person("Later")  # the add-on in a later purchase
    did(later, Kind.PURCHASE, ago(30), data={"products": ["crm-pro"]})
    did(later, Kind.PURCHASE, ago(3), data={"product": "support-addon"})
    did(person("Single"), Kind.PURCHASE, ago(30), data={"product": "crm-pro"})
    did(person("Lookalike"), Kind.PURCHASE, ago(30), data={"products": ["crm-pro-2"]})
    did(person("NotAPurchase"), Kind.CART_ADD, ago(30), data={"products": ["crm-pro"]})

    pro_without_addon = every(rule("bought_product", product="crm-pro", without="support-addon"))
    assert picked(pro_without_addon) == {"ProOnly", "Single"}
    assert picked(every(rule("bought_product", product="crm-pro"))) == {
        "ProOnly",
        "Both",
        "Later",
        "Single",
    }


def test_consent_rules(settings):
    person("Confirmed", email_consent="confirmed")
    person("Pending", email_consent="pending")
    person("Customer", email_consent="none", stage="customer")
    person("Unsubscribed", email_consent="unsubscribed", stage="customer")
    person("NoAddress", email="", email_consent="confirmed", phone="+12125550100")
    person("NoMail", do_not_mail=True, email_consent="confirmed")
    person("NoCall", do_not_call=True)
    everyone = set(Lead.objects.values_list("first_name", flat=True))

    settings.MAIL_SOFT_OPT_IN = False
    assert picked(every(rule("consent", consent="may_email"))) == {"Confirmed", "NoMail"}
    assert picked(every(rule("consent", consent="email_confirmed"))) == {"Confirmed", "NoMail"}
    assert picked(every(rule("consent", consent="not_do_not_mail"))) == everyone - {"NoMail"}
    assert picked(every(rule("consent", consent="not_do_not_call"))) == everyone - {"NoCall"}
    settings.MAIL_SOFT_OPT_IN = True
    assert picked(every(rule("consent", consent="may_email"))) == {
        "Confirmed",
        "NoMail",
        "Customer",
    }


# Combining


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


# Checking


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
