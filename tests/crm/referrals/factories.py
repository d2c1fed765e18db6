"""Leads for the referral tests: customers, and the people a lead referred."""

from crm.models import Lead
from tests.factories import LeadFactory


def customer(**fields) -> Lead:
    return LeadFactory(stage=Lead.Stage.CUSTOMER, **fields)


def referred_by(referrer: Lead, *stages: str) -> list[Lead]:
    return [LeadFactory(referred_by=referrer, stage=stage) for stage in stages]
