"""Referrals: a customer's personal link, and how the people it brought do.

Every customer gets a referral code when they become one (a purchase; the batch
interaction hook below) or the first time one is needed (a merge field, the
lead page). Their link is REFERRAL_LANDING_URL followed by the code — by default
SITE_URL/r/<code>, which redirects to the company's website
(REFERRAL_REDIRECT_URL) with ?ref=<code>. The website tracking records a person
who arrives that way as a lead with referred_by set, and a referral interaction
on the referrer.

Codes are 10 characters from 31 letters and digits that cannot be mistaken for
one another (no 0/o, 1/l/i): about 8e14 of them, drawn with `secrets`, so
they cannot be guessed or enumerated; the unique index settles the rare clash.

Progress toward the reward counts referred leads that became customers against
REFERRAL_REWARD_CUSTOMERS (3: "3 referred, 2 became customers — 1 more for the
reward"); every further multiple earns another.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum

from crm.models import Interaction, Lead

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10
CODE_ATTEMPTS = 5


def new_referral_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def referral_code_for(lead: Lead) -> str:
    """The lead's referral code, given one now if it has none (collision-safe and
    safe to call concurrently: a code once given never changes)."""
    if lead.referral_code:
        return lead.referral_code
    codeless = Lead.objects.filter(Q(referral_code__isnull=True) | Q(referral_code=""), pk=lead.pk)
    for _ in range(CODE_ATTEMPTS):
        code = new_referral_code()
        try:
            with transaction.atomic():
                given = codeless.update(referral_code=code)
        except IntegrityError:
            continue  # another lead has this code: draw again
        if not given:  # given one meanwhile
            code = Lead.objects.values_list("referral_code", flat=True).get(pk=lead.pk)
        lead.referral_code = code
        return code
    raise RuntimeError(f"No free referral code after {CODE_ATTEMPTS} draws.")


def referral_url(lead: Lead) -> str:
    """The lead's personal referral link (gives the lead a code if it has none)."""
    return settings.REFERRAL_LANDING_URL + referral_code_for(lead)


def customer_referral_url(lead: Lead) -> str:
    """The merge field: a customer's referral link, empty for anyone else."""
    return referral_url(lead) if lead.stage == Lead.Stage.CUSTOMER else ""


def referral_landing(code: str) -> str:
    """Where a referral link leads: the website, with ?ref=<code> added."""
    parts = urlsplit(settings.REFERRAL_REDIRECT_URL)
    query = urlencode([*parse_qsl(parts.query), ("ref", code)])
    return urlunsplit(parts._replace(query=query))


def referrer_for_code(code: str) -> Lead | None:
    code = code.strip().lower()
    if not code or len(code) > Lead._meta.get_field("referral_code").max_length:
        return None
    return Lead.objects.filter(referral_code=code).first()


def referral_codes_for_new_customers(*, interactions: Sequence[Interaction]) -> None:
    """The batch interaction hook: purchasers who are customers now get their code."""
    buyers = {i.lead_id for i in interactions if i.kind == Interaction.Kind.PURCHASE}
    if not buyers:
        return
    customers = Lead.objects.filter(pk__in=buyers, stage=Lead.Stage.CUSTOMER)
    for lead in customers.filter(Q(referral_code__isnull=True) | Q(referral_code="")):
        referral_code_for(lead)


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
