"""Referral links: codes, the redirect, the merge field in emails and letters,
progress toward the reward on the referrer's page, and the dashboard summary."""

import re

import pytest
from django.urls import reverse

from crm import referrals
from crm.models import Interaction, Lead
from crm.referrals import (
    CODE_ALPHABET,
    ReferralProgress,
    referral_code_for,
    referral_progress,
    referral_summary,
    referral_url,
)
from crm.services import interaction_record
from mailings.email.rendering import Links, render_email
from mailings.letters.compose import letter_for
from tests.factories import LeadFactory
from tests.mailings.factories import StepVariantFactory
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(f"^[{CODE_ALPHABET}]{{10}}$")
Stage = Lead.Stage


def customer(**fields) -> Lead:
    return LeadFactory(stage=Stage.CUSTOMER, **fields)


def referred_by(referrer: Lead, *stages: str) -> list[Lead]:
    return [LeadFactory(referred_by=referrer, stage=stage) for stage in stages]


# Codes


def test_a_code_is_short_unguessable_and_kept():
    lead = customer()

    code = referral_code_for(lead)

    assert CODE.match(code)
    assert referral_code_for(lead) == code
    lead.refresh_from_db()
    assert lead.referral_code == code
    assert len({referral_code_for(customer()) for _ in range(50)}) == 50


def test_a_code_another_lead_has_is_drawn_again(monkeypatch):
    taken = referral_code_for(customer())
    draws = iter([taken, "fresh23456"])
    monkeypatch.setattr(referrals, "new_referral_code", lambda: next(draws))
    lead = customer()

    assert referral_code_for(lead) == "fresh23456"
    lead.refresh_from_db()
    assert lead.referral_code == "fresh23456"


def test_a_code_given_meanwhile_is_the_one_returned():
    lead = customer()
    stale_copy = Lead.objects.get(pk=lead.pk)
    code = referral_code_for(lead)

    assert referral_code_for(stale_copy) == code


def test_becoming_a_customer_gives_a_code():
    lead = LeadFactory(stage=Stage.QUALIFIED)

    interaction_record(lead=lead, kind=Interaction.Kind.PURCHASE, source="shop")

    lead.refresh_from_db()
    assert lead.stage == Stage.CUSTOMER
    assert CODE.match(lead.referral_code)


def test_other_interactions_give_no_code():
    lead = LeadFactory()

    interaction_record(lead=lead, kind=Interaction.Kind.BOOTH_VISIT, source="expo")

    lead.refresh_from_db()
    assert lead.referral_code is None


# The link and the redirect


def test_the_link_is_on_the_crm_site_by_default():
    lead = customer()

    assert referral_url(lead) == f"https://crm.example.com/r/{lead.referral_code}"


def test_the_link_can_point_elsewhere(settings):
    settings.REFERRAL_LANDING_URL = "https://www.example.com/?ref="
    lead = customer()

    assert referral_url(lead) == f"https://www.example.com/?ref={lead.referral_code}"


def test_the_link_leads_to_the_website_with_the_code(client, settings):
    settings.REFERRAL_REDIRECT_URL = "https://www.example.com/welcome?utm_source=referral"
    code = referral_code_for(customer())

    response = client.get(f"/r/{code.upper()}")

    assert response.status_code == 302
    assert response["Location"] == (
        f"https://www.example.com/welcome?utm_source=referral&ref={code}"
    )


@pytest.mark.parametrize("code", ["nosuchcode", "x" * 40, "%20"])
def test_an_unknown_code_is_not_found(client, code):
    customer(referral_code="abcdefghjk")

    assert client.get(f"/r/{code}").status_code == 404


# The merge field, in emails and letters


def test_a_customers_email_carries_their_referral_link():
    lead = customer(first_name="Ada")
    variant = StepVariantFactory(
        html_body='<p>Tell a friend: <a href="{{ referral_url }}">{{ referral_url }}</a></p>'
    )

    email = render_email(variant, lead, Links(unsubscribe="https://crm.example.com/u/x"))

    lead.refresh_from_db()
    link = f"https://crm.example.com/r/{lead.referral_code}"
    assert f'href="{link}"' in email.html
    assert link in email.text


def test_anyone_else_gets_no_link_and_no_code():
    lead = LeadFactory(stage=Stage.QUALIFIED)
    variant = StepVariantFactory(html_body="<p>[{{ referral_url }}]</p>")

    email = render_email(variant, lead, Links(unsubscribe="https://crm.example.com/u/x"))

    assert "[]" in email.text
    lead.refresh_from_db()
    assert lead.referral_code is None


def test_an_email_that_does_not_use_the_link_gives_no_code():
    lead = customer()

    render_email(StepVariantFactory(), lead, Links(unsubscribe="https://crm.example.com/u/x"))

    lead.refresh_from_db()
    assert lead.referral_code is None


def test_a_customers_letter_carries_their_referral_link():
    lead = MailableLeadFactory(stage=Stage.CUSTOMER)
    template = LetterTemplateFactory(body="<p>Your link: {{ referral_url }}</p>")

    letter = letter_for(template, lead)

    lead.refresh_from_db()
    assert f"Your link: https://crm.example.com/r/{lead.referral_code}" in letter.body_html


# Progress toward the reward


@pytest.mark.parametrize(
    ("referred", "customers", "text"),
    [
        (0, 0, "0 referred, 0 became customers — 3 more for the reward"),
        (3, 1, "3 referred, 1 became a customer — 2 more for the reward"),
        (3, 2, "3 referred, 2 became customers — 1 more for the reward"),
        (4, 3, "4 referred, 3 became customers — 1 reward earned, 3 more for the next"),
        (9, 7, "9 referred, 7 became customers — 2 rewards earned, 2 more for the next"),
    ],
)
def test_progress_reads_in_words(referred, customers, text):
    assert str(ReferralProgress(referred, customers, reward_at=3)) == text


def test_progress_counts_the_referred_people_who_became_customers(settings):
    settings.REFERRAL_REWARD_CUSTOMERS = 2
    referrer = customer()
    referred_by(referrer, Stage.CUSTOMER, Stage.NEW, Stage.CUSTOMER)
    referred_by(customer(), Stage.CUSTOMER)  # someone else's

    progress = referral_progress(referrer)

    assert (progress.referred, progress.customers, progress.rewards_earned) == (3, 2, 1)


def test_the_referrers_page_shows_the_link_and_whom_it_brought(alice, rep_alice):
    referrer = customer(owner=rep_alice, first_name="Rita", last_name="Referrer")
    code = referral_code_for(referrer)
    LeadFactory(referred_by=referrer, stage=Stage.CUSTOMER, first_name="Cara", last_name="Bought")
    LeadFactory(referred_by=referrer, first_name="Nina", last_name="New", owner=rep_alice)

    text = alice.get(referrer.get_absolute_url()).text

    assert f"https://crm.example.com/r/{code}" in text
    assert "2 referred, 1 became a customer — 2 more for the reward" in text
    assert "Cara Bought" in text
    assert f'<a href="/leads/{referrer.referrals.get(first_name="Nina").pk}/">Nina New</a>' in text


def test_a_referred_leads_page_names_who_referred_them(alice, rep_alice):
    referrer = customer(owner=rep_alice, first_name="Rita", last_name="Referrer")
    lead = LeadFactory(owner=rep_alice, referred_by=referrer)

    text = alice.get(lead.get_absolute_url()).text

    assert f'Referred by <a href="/leads/{referrer.pk}/">Rita Referrer</a>' in text


def test_a_customer_without_a_link_gets_one_from_their_page(alice, rep_alice):
    lead = customer(owner=rep_alice)
    assert "Create referral link" in alice.get(lead.get_absolute_url()).text

    response = alice.post(reverse("crm:referral_link_create", args=[lead.pk]))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert CODE.match(lead.referral_code)


def test_a_rep_cannot_make_a_link_for_another_reps_lead(alice, rep_bob):
    lead = customer(owner=rep_bob)

    response = alice.post(reverse("crm:referral_link_create", args=[lead.pk]))

    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.referral_code is None


# The dashboard's summary


def test_the_summary_ranks_referrers_and_totals_their_referrals(
    settings, django_assert_max_num_queries
):
    settings.REFERRAL_REWARD_CUSTOMERS = 2
    ann, ben, cy = (customer(first_name=name, last_name="X") for name in ("Ann", "Ben", "Cy"))
    referred_by(ann, Stage.CUSTOMER, Stage.CUSTOMER, Stage.CUSTOMER, Stage.NEW)
    referred_by(ben, Stage.NEW, Stage.NEW, Stage.WORKING)
    referred_by(cy, Stage.CUSTOMER)

    with django_assert_max_num_queries(4):
        summary = referral_summary(limit=2)

    assert (summary.referrers, summary.referred, summary.customers) == (3, 8, 4)
    assert summary.rewards_earned == 1  # Ann's 3 customers: one reward of 2
    assert [(r.name, r.progress.referred, r.progress.customers) for r in summary.top] == [
        ("Ann X", 4, 3),
        ("Cy X", 1, 1),
    ]


def test_the_summary_can_be_narrowed_to_some_referred_leads():
    ann = customer()
    _early, late = referred_by(ann, Stage.CUSTOMER, Stage.NEW)

    summary = referral_summary(referred=Lead.objects.filter(pk=late.pk))

    assert (summary.referred, summary.customers) == (1, 0)
