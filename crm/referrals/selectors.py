"""Reads for referrals: whose code a link carries, how the people a lead referred
are doing toward the reward (REFERRAL_REWARD_CUSTOMERS), what the lead page
shows, and the dashboard's summary."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum

from crm.models import Lead


def referrer_for_code(code: str) -> Lead | None:
    code = code.strip().lower()
    if not code or len(code) > Lead._meta.get_field("referral_code").max_length:
        return None
    return Lead.objects.filter(referral_code=code).first()


@dataclass(frozen=True)
class ReferralProgress:
    referred: int
    customers: int
    reward_at: int

    @property
    def rewards_earned(self) -> int:
        return self.customers // self.reward_at

    @property
    def to_next_reward(self) -> int:
        return self.reward_at - self.customers % self.reward_at

    def __str__(self) -> str:
        """e.g. "3 referred, 2 became customers — 1 more for the reward"."""
        became = "became a customer" if self.customers == 1 else "became customers"
        text = f"{self.referred} referred, {self.customers} {became}"
        if not self.rewards_earned:
            return f"{text} — {self.to_next_reward} more for the reward"
        earned = "reward earned" if self.rewards_earned == 1 else "rewards earned"
        return f"{text} — {self.rewards_earned} {earned}, {self.to_next_reward} more for the next"


def _reward_at() -> int:
    return max(settings.REFERRAL_REWARD_CUSTOMERS, 1)


def _counts() -> dict:
    return {
        "referred": Count("id"),
        "customers": Count("id", filter=Q(stage=Lead.Stage.CUSTOMER)),
    }


def referral_progress(lead: Lead) -> ReferralProgress:
    """How the people this lead referred are doing, in one query."""
    counts = Lead.objects.filter(referred_by=lead).aggregate(**_counts())
    return ReferralProgress(**counts, reward_at=_reward_at())


def referred_leads(lead: Lead, *, limit: int = 10) -> list[Lead]:
    """The people this lead referred, newest first."""
    return list(
        Lead.objects.filter(referred_by=lead)
        .only("first_name", "last_name", "email", "phone", "stage", "owner", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Referrer:
    lead_id: int
    name: str
    progress: ReferralProgress


@dataclass(frozen=True)
class ReferralSummary:
    referrers: int
    referred: int
    customers: int
    rewards_earned: int
    top: list[Referrer]


def referral_summary(
    *, referred: QuerySet[Lead] | None = None, since=None, until=None, limit: int = 10
) -> ReferralSummary:
    """Referrals for the dashboard: totals and the top referrers (most referred
    customers, then most referred). `referred` narrows the referred leads counted
    (e.g. to a campaign); since/until bound when they became leads. Four queries."""
    leads = (referred if referred is not None else Lead.objects.all()).filter(
        referred_by__isnull=False
    )
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    if until is not None:
        leads = leads.filter(created_at__lt=until)
    per_referrer = leads.order_by().values("referred_by").annotate(**_counts())
    reward_at = _reward_at()
    totals = leads.aggregate(referrers=Count("referred_by", distinct=True), **_counts())
    rewards = per_referrer.aggregate(rewards=Sum(F("customers") / reward_at))["rewards"]
    top = list(per_referrer.order_by("-customers", "-referred", "referred_by")[:limit])
    names = Lead.objects.only("first_name", "last_name", "email", "phone").in_bulk(
        [row["referred_by"] for row in top]
    )
    return ReferralSummary(
        **totals,
        rewards_earned=rewards or 0,
        top=[
            Referrer(
                lead_id=row["referred_by"],
                name=names[row["referred_by"]].display_name,
                progress=ReferralProgress(row["referred"], row["customers"], reward_at),
            )
            for row in top
        ],
    )


@dataclass(frozen=True)
class LeadReferrals:
    """What the lead page shows: the lead's link, whom it brought, who sent the lead."""

    url: str  # empty until the lead has a code
    progress: ReferralProgress | None
    referred: list[Lead]
    referred_by: Lead | None


def lead_referrals(lead: Lead) -> LeadReferrals:
    """No query for a lead that neither has a code nor was referred."""
    has_code = bool(lead.referral_code)
    return LeadReferrals(
        url=settings.REFERRAL_LANDING_URL + lead.referral_code if has_code else "",
        progress=referral_progress(lead) if has_code else None,
        referred=referred_leads(lead) if has_code else [],
        referred_by=Lead.objects.only("first_name", "last_name", "email", "phone", "owner")
        .filter(pk=lead.referred_by_id)
        .first()
        if lead.referred_by_id
        else None,
    )
