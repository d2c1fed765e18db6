"""Referrals: people who came through a customer's referral link, and how far they got."""

from crm.models import Lead
from crm.referrals.selectors import ReferralSummary, referral_summary
from reports.selectors.common import DashboardFilter

TOP_REFERRERS = 10

DEFINITIONS = {
    "referred": (
        "Referred",
        "Leads created in the period who came through someone's referral link.",
    ),
    "customers": ("Became customers", "Of those, leads whose stage is customer now."),
    "referrers": ("Referrers", "People who referred at least one of those leads."),
    "rewards": (
        "Rewards earned",
        "A referrer earns a reward for every few referred leads who became customers "
        "(3 unless the company set another number); counted on the leads above only.",
    ),
    "top": (
        "Top referrers",
        f"The {TOP_REFERRERS} referrers with the most referred customers, then the most "
        "referred, and their progress toward the next reward.",
    ),
}


def referrals(filters: DashboardFilter) -> ReferralSummary:
    """crm.referrals.selectors.referral_summary for the leads created in the period (and from
    the campaign). Four queries."""
    return referral_summary(
        referred=Lead.objects.filter(filters.of_campaign()),
        since=filters.start,
        until=filters.end,
        limit=TOP_REFERRERS,
    )
