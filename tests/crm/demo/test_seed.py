import dataclasses
import random
import signal
from collections import Counter, namedtuple
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Max
from django.http import HttpRequest  # django-axes checks a login against its request
from django.utils import timezone

from crm.contact import parse_phone, valid_time_zones
from crm.demo.campaigns import CAMPAIGN_SPECS
from crm.demo.leads import LeadBuilder
from crm.demo.world import COUNTRIES
from crm.models import Campaign, Interaction, Lead, User
from crm.roles import Role

pytestmark = pytest.mark.django_db

FakeCampaign = namedtuple("FakeCampaign", "pk")

# The zone each demo country's leads should be called in (the US has several).
COUNTRY_ZONES = {
    "GB": "Europe/London",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
}


def seed(leads=300, reps=2, seed=7, **options) -> str:
    out = StringIO()
    call_command("seed_demo", leads=leads, reps=reps, seed=seed, stdout=out, **options)
    return out.getvalue()


def snapshot():
    """What a user would see of the demo leads, without ids and timestamps."""
    leads = list(
        Lead.objects.order_by("id").values_list(
            "email",
            "first_name",
            "last_name",
            "phone",
            "company",
            "city",
            "stage",
            "email_consent",
            "owner__username",
            "source_campaign__kind",
        )
    )
    kinds = Counter(Interaction.objects.values_list("lead__email", "kind", "outcome"))
    return leads, kinds


def delete_demo_data():
    Interaction.objects.all().delete()
    Lead.objects.all().delete()
    Campaign.objects.all().delete()


def test_seeding_creates_users_with_roles_campaigns_and_leads_with_interactions():
    seed(leads=300, reps=2)

    roles = {user.username: set(user.role_names) for user in User.objects.all()}
    assert roles == {
        "rep1": {Role.REP},
        "rep2": {Role.REP},
        "manager": {Role.MANAGER},
        "mailroom": {Role.MAILROOM},
    }
    assert User.objects.get(username="manager").is_staff
    assert set(Campaign.objects.values_list("kind", flat=True)) >= {
        Campaign.Kind.EVENT,
        Campaign.Kind.GIVEAWAY,
        Campaign.Kind.WEBINAR,
        Campaign.Kind.CONTENT,
        Campaign.Kind.WEBSITE,
    }
    assert Lead.objects.count() == 300
    assert not Lead.objects.filter(interactions__isnull=True).exists()
    assert 1 <= Interaction.objects.count() / 300 <= 5


def test_seeded_phones_are_valid_e164_and_time_zones_fit_the_country():
    seed(leads=300)

    leads = list(Lead.objects.all())
    with_phone = [lead for lead in leads if lead.phone]
    assert len(with_phone) > 250
    for lead in with_phone:
        assert parse_phone(lead.phone).e164 == lead.phone
        assert parse_phone(lead.phone_raw, country=lead.country).e164 == lead.phone
    for lead in leads:
        assert lead.time_zone in valid_time_zones()
        if lead.country == "US":
            assert lead.time_zone.startswith(("America/", "Pacific/Honolulu"))
        else:
            assert lead.time_zone == COUNTRY_ZONES[lead.country]


def test_seeded_leads_come_from_several_countries_and_consent_states():
    seed(leads=300)

    assert set(Lead.objects.values_list("country", flat=True)) == {
        "US",
        "GB",
        "DE",
        "FR",
        "NL",
        "ES",
        "IT",
    }
    assert set(Lead.objects.values_list("email_consent", flat=True)) == set(Lead.EmailConsent)
    assert not Lead.objects.exclude(email_consent=Lead.EmailConsent.NONE).filter(
        email_consent_at__isnull=True
    )
    assert len(set(Lead.objects.values_list("stage", flat=True))) == len(Lead.Stage)


def test_seeded_emails_are_unique_lowercase_and_cannot_reach_anyone():
    seed(leads=300)

    emails = list(Lead.objects.values_list("email", flat=True))
    assert len(set(emails)) == len(emails)
    assert all(email == email.lower() and email.endswith(".example") for email in emails)


def test_a_seeded_leads_last_activity_is_its_latest_interaction():
    seed(leads=100)

    for lead in Lead.objects.annotate(latest=Max("interactions__occurred_at")):
        assert lead.last_activity_at == lead.latest
        assert lead.created_at <= lead.latest <= timezone.now()


def test_the_same_seed_gives_the_same_leads_on_another_day_and_another_seed_does_not():
    seed(seed=7)
    first = snapshot()
    delete_demo_data()

    with time_machine.travel(timezone.now() + timedelta(days=40)):
        seed(seed=7)
    assert snapshot() == first
    delete_demo_data()

    seed(seed=8)
    assert snapshot() != first


def test_if_empty_adds_nothing_when_there_are_leads():
    seed(leads=20)
    before = snapshot()

    output = seed(leads=50, seed=99, if_empty=True)

    assert "exist already" in output
    assert snapshot() == before


def test_seeding_again_without_if_empty_is_refused_and_changes_nothing():
    seed(leads=20)

    with pytest.raises(CommandError, match="has leads already"):
        seed(leads=20)
    assert Lead.objects.count() == 20


def test_the_output_lists_the_demo_logins(client):
    output = seed(leads=10)

    for username in ("rep1", "rep2", "manager", "mailroom"):
        assert f"{username} " in output
        assert client.login(request=HttpRequest(), username=username, password="demo1234"), username
    assert "demo1234" in output


def test_the_demo_manager_can_use_the_admin(client):
    seed(leads=10)

    client.login(request=HttpRequest(), username="manager", password="demo1234")

    assert client.get("/admin/crm/lead/").status_code == 200


def test_every_seeded_customer_has_a_purchase_with_product_and_amount():
    seed(leads=300)

    purchases = Interaction.objects.filter(kind=Interaction.Kind.PURCHASE)
    customers = Lead.objects.filter(stage=Lead.Stage.CUSTOMER)
    assert set(purchases.values_list("lead", flat=True)) == set(
        customers.values_list("id", flat=True)
    )
    assert all({"product", "amount", "currency"} <= set(p.data) for p in purchases)


def test_leads_can_be_added_as_usual_after_seeding():
    seed(leads=30)

    lead = Lead.objects.create(email="after.seeding@example.com")

    assert lead.pk > max(Lead.objects.exclude(pk=lead.pk).values_list("pk", flat=True))


def test_a_company_name_used_a_hundred_times_still_gets_a_unique_domain():
    """A big seed runs out of the numbered domains of a common name ("smith-works-2"
    to "-99"); the seeder must go on, not draw numbers forever."""
    campaigns = [(spec, FakeCampaign(pk)) for pk, spec in enumerate(CAMPAIGN_SPECS, 1)]
    builder = LeadBuilder(random.Random(1), timezone.now(), campaigns, rep_ids=[])
    tiny = dataclasses.replace(COUNTRIES[0], last_names=("Smith",), company_words=("Works",))

    def too_slow(*_):
        raise TimeoutError("the seeder is stuck looking for a free domain")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(20)
    try:
        for _ in range(4000):
            builder.company(tiny)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    domains = [domain for _, domain in builder.companies["US"]]
    assert len(domains) == len(set(domains))
    assert sum(domain.startswith("smith-works") for domain in domains) > 99
