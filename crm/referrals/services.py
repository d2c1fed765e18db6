"""Writes for referrals: a lead's code, drawn once and never changed (given to
customers by the batch interaction hook, or when a link is first needed), and
the links made from it."""

import secrets
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

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


def referral_codes_for_new_customers(*, interactions: Sequence[Interaction]) -> None:
    """The batch interaction hook: purchasers who are customers now get their code."""
    buyers = {i.lead_id for i in interactions if i.kind == Interaction.Kind.PURCHASE}
    if not buyers:
        return
    customers = Lead.objects.filter(pk__in=buyers, stage=Lead.Stage.CUSTOMER)
    for lead in customers.filter(Q(referral_code__isnull=True) | Q(referral_code="")):
        referral_code_for(lead)
