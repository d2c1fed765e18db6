"""Deterministic demo data: users, campaigns, leads and their interactions.

Why not the services: they write one lead or interaction at a time, with
validation, locks and follow-up jobs, which takes many minutes for 100,000
leads. Why not even bulk_create: see table_writer. The rows are built already
valid, as plain dicts, from one random.Random(seed). Lead ids are assigned
here, so the interactions can point at their leads without reading ids back.
No jobs run and no follow-ups are scheduled: it is demo data. Emails use the
reserved `.example` domain, so demo follow-ups cannot reach real people.

The campaigns come from crm.demo.campaigns, each lead and its history from
crm.demo.leads.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from crm.bulk import TableWriter, reserve_ids
from crm.demo.campaigns import demo_campaigns
from crm.demo.leads import LeadBuilder, LeadPlan
from crm.models import Interaction, Lead, User
from crm.roles import Role

DEMO_PASSWORD = "demo1234"
LEADS_PER_BATCH = 5000

# (first name, last name, time zone) of rep1, rep2, ...; more reps reuse them in turn.
REP_PERSONAS = (
    ("Alice", "Walker", "America/New_York"),
    ("Bob", "Nguyen", "America/Chicago"),
    ("Emma", "Clarke", "Europe/London"),
    ("David", "Schulz", "Europe/Berlin"),
    ("Carmen", "Ortiz", "America/Los_Angeles"),
    ("Farid", "Haddad", "Europe/Paris"),
    ("Greta", "Jansen", "Europe/Amsterdam"),
    ("Hugo", "Moreno", "Europe/Madrid"),
    ("Irene", "Conti", "Europe/Rome"),
    ("James", "Miller", "America/Denver"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


@dataclass(frozen=True)
class DemoSummary:
    logins: list[DemoLogin]
    campaigns: int
    leads: int
    interactions: int
    password: str = DEMO_PASSWORD


@transaction.atomic
def demo_seed(*, leads: int, reps: int, seed: int, now: datetime | None = None) -> DemoSummary:
    """Create the demo users and campaigns, then `leads` leads with their interactions.

    The same seed gives the same content. Timestamps count back from the start
    of today (UTC), or of `now`'s day. Meant for a database without leads.
    """
    anchor = _day_start(now or timezone.now())
    logins, rep_ids = _demo_users(reps)
    campaigns = demo_campaigns(anchor)
    builder = LeadBuilder(random.Random(seed), anchor, campaigns, rep_ids)
    writer = _PlanWriter()
    for start in range(0, leads, LEADS_PER_BATCH):
        writer.write([builder.plan() for _ in range(start, min(leads, start + LEADS_PER_BATCH))])
    return DemoSummary(logins, len(campaigns), leads, writer.interactions)


def _day_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _demo_users(reps: int) -> tuple[list[DemoLogin], list[int]]:
    """rep1..repN, manager and mailroom; users that exist already keep their password."""
    password = make_password(DEMO_PASSWORD)  # hashing is slow on purpose: do it once
    people = [
        (f"rep{number}", Role.REP, REP_PERSONAS[(number - 1) % len(REP_PERSONAS)])
        for number in range(1, reps + 1)
    ]
    people += [
        ("manager", Role.MANAGER, ("Maria", "Keller", "America/New_York")),
        ("mailroom", Role.MAILROOM, ("Max", "Fischer", "America/New_York")),
    ]
    rep_ids = []
    for username, role, (first_name, last_name, time_zone) in people:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@crm.example",
                "time_zone": time_zone,
                "password": password,
                "is_staff": role == Role.MANAGER,
            },
        )
        user.groups.add(Group.objects.get(name=role))
        if role == Role.REP:
            rep_ids.append(user.pk)
    return [DemoLogin(username, role.label) for username, role, _ in people], rep_ids


class _PlanWriter:
    """Writes LeadPlans: leads with reserved ids, so interactions can point at them."""

    def __init__(self):
        self.leads = TableWriter(Lead, with_pk=True)
        self.interaction_table = TableWriter(Interaction, with_pk=False)
        self.interactions = 0

    def write(self, plans: list["LeadPlan"]) -> None:
        for plan, lead_id in zip(plans, reserve_ids(Lead, len(plans)), strict=True):
            plan.lead["id"] = lead_id
            for interaction in plan.interactions:
                interaction["lead_id"] = lead_id
        self.leads.insert([plan.lead for plan in plans])
        interactions = [row for plan in plans for row in plan.interactions]
        self.interaction_table.insert(interactions)
        self.interactions += len(interactions)
