"""Audience rules on who people are: their profile, what they bought, their consent."""

import pytest

from crm.models import Lead
from tests.crm.audiences.people import Kind, ago, did, person
from tests.crm.audiences.rules.definitions import every, picked, rule

pytestmark = pytest.mark.django_db


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
