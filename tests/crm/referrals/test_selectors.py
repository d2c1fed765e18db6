"""Progress toward the reward, in numbers and in words, and the dashboard's
summary of referrals (crm.referrals.selectors)."""

import re

import pytest

from crm.models import Lead
from crm.referrals.selectors import ReferralProgress, referral_progress, referral_summary
from crm.referrals.services import CODE_ALPHABET
from tests.crm.referrals.factories import customer, referred_by

pytestmark = pytest.mark.django_db

CODE = re.compile(f"^[{CODE_ALPHABET}]{{10}}$")
Stage = Lead.Stage


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
