"""Referral codes and links (crm.referrals.services): a code drawn once, a
customer's link, and the merge field in emails and letters."""

import re

import pytest

from crm.models import Interaction, Lead
from crm.referrals import services as referrals
from crm.referrals.services import (
    CODE_ALPHABET,
    referral_code_for,
    referral_url,
)
from crm.services import interaction_record
from mailings.letters.compose import letter_for
from mailings.rendering import Links, render_email
from tests.crm.referrals.factories import customer
from tests.factories import LeadFactory
from tests.mailings.factories import StepVariantFactory
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(f"^[{CODE_ALPHABET}]{{10}}$")
Stage = Lead.Stage


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
