"""Demo touches for a demo database (crm.demo.seed writes no touches): the next
call for each lead a rep would call and a few call-backs, so the queue, the
team view and the calendar feeds have something to show (demo emails come from
mailings' demo cadence, which sends them as real cadences do). Each call takes
its priority and talking points from the first call step of the cadence the
lead's latest interaction would start, as if it had.

Like the lead seeder it skips the services (one touch at a time, with locks)
and writes rows with crm.bulk.TableWriter: COPY on PostgreSQL. Leads are read
in batches by id, a handful of queries per batch, so a million leads take as
many queries as a few hundred batches. Keys are per lead ("demo:lead:7:call"):
the rows need no ids of their own, so none are reserved.
"""

import json
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from crm.bulk import TableWriter
from crm.models import Campaign, Interaction, Lead
from crm.roles import Role
from crm.services import leads_owner_set
from followups.assigning import people_with_role
from followups.cadences.models import CadenceStep, CadenceTrigger
from followups.cadences.triggers import describe
from followups.calling_hours import zone
from followups.models import Channel, Touch
from followups.team.calendar_feeds import CALL_BACK_ORIGIN, CALL_BACK_REASON

BATCH = 5000
CALL_STAGES = (Lead.Stage.NEW, Lead.Stage.WORKING, Lead.Stage.QUALIFIED)
STAGE_PRIORITY = {Lead.Stage.NEW: 40, Lead.Stage.WORKING: 50, Lead.Stage.QUALIFIED: 70}
CALL_BACK_PRIORITY = 80
CALL_BACK_SHARE = 0.1  # of the working and qualified leads last reached by phone
CALLS_FROM, CALLS_UNTIL = timedelta(days=-3), timedelta(days=4)


@dataclass(frozen=True)
class DemoTouches:
    calls: int
    call_backs: int
    owners_set: int


@transaction.atomic
def demo_touches_seed(*, seed: int = 1, now: datetime | None = None) -> DemoTouches:
    """Plan one open call for every callable new, working or qualified lead that
    has none, assigned to its owner (an unowned lead gets a rep, in turn, as its
    owner). The same seed gives the same touches for the same leads and `now`."""
    planner = _Planner(random.Random(seed), now or timezone.now())
    writer = TableWriter(Touch, with_pk=False)
    reasons = _Reasons()
    after = 0
    while leads := _callable_leads(after, planner.now):
        rows, new_owners = planner.plan(leads, _latest_interactions(leads, reasons))
        for rep_id, lead_ids in new_owners.items():
            leads_owner_set(lead_ids=lead_ids, owner_id=rep_id)
        writer.insert(rows)
        after = leads[-1]["id"]
    return planner.summary()


def _callable_leads(after: int, now: datetime) -> list[dict]:
    """The next batch of leads to plan a call for, each with its latest interaction's id."""
    latest = Interaction.objects.filter(lead=OuterRef("pk")).order_by("-occurred_at", "-id")
    open_call = Touch.objects.filter(lead=OuterRef("pk"), channel=Channel.CALL)
    return list(
        Lead.objects.filter(pk__gt=after, stage__in=CALL_STAGES, do_not_call=False)
        .filter(phone_invalid=False)
        .exclude(phone="")
        .filter(Q(calls_paused_until__isnull=True) | Q(calls_paused_until__lte=now))
        .filter(~Exists(open_call.filter(status__in=Touch.OPEN)))
        .annotate(latest_id=Subquery(latest.values("pk")[:1]))
        .order_by("pk")
        .values("id", "owner_id", "stage", "time_zone", "latest_id")[:BATCH]
    )


@dataclass(frozen=True)
class Latest:
    """What the planner needs of a lead's latest interaction."""

    pk: int
    kind: str
    sentiment: str
    occurred_at: datetime
    reason: str


class _Reasons:
    """followups.cadences.triggers.describe, once per distinct interaction content: demo
    interactions repeat a few hundred contents over a million leads."""

    def __init__(self):
        self.campaigns = Campaign.objects.in_bulk()
        self.known: dict[tuple, str] = {}

    def __call__(self, kind: str, sentiment: str, campaign_id, notes: str, data: dict) -> str:
        key = (kind, sentiment, campaign_id, notes, json.dumps(data, sort_keys=True, default=str))
        if key not in self.known:
            campaign = self.campaigns.get(campaign_id)
            interaction = Interaction(
                kind=kind, sentiment=sentiment, notes=notes, data=data, campaign=campaign
            )
            self.known[key] = describe(interaction)
        return self.known[key]


def _latest_interactions(leads: list[dict], reasons: _Reasons) -> dict[int, Latest]:
    ids = [lead["latest_id"] for lead in leads if lead["latest_id"]]
    rows = Interaction.objects.filter(pk__in=ids).values_list(
        "pk", "lead_id", "kind", "sentiment", "occurred_at", "campaign_id", "notes", "data"
    )
    return {
        lead_id: Latest(pk, kind, sentiment, occurred_at, reasons(kind, sentiment, *content))
        for pk, lead_id, kind, sentiment, occurred_at, *content in rows
    }


class _Planner:
    """Makes touch rows, drawing every choice from one Random in a fixed order."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        self.reps = list(people_with_role(Role.REP).order_by("pk").values_list("pk", flat=True))
        self.steps = _first_call_steps()
        self.calls = self.call_backs = self.owners_set = 0

    def plan(
        self, leads: list[dict], latest: dict[int, Latest]
    ) -> tuple[list[dict], dict[int, list[int]]]:
        rows, new_owners = [], {}
        for lead in leads:
            if lead["owner_id"] is None and self.reps:
                lead["owner_id"] = self.reps[self.owners_set % len(self.reps)]
                new_owners.setdefault(lead["owner_id"], []).append(lead["id"])
                self.owners_set += 1
            interaction = latest.get(lead["id"])
            rows.append(self.call(lead, interaction))
        return rows, new_owners

    def call(self, lead: dict, interaction: Latest | None) -> dict:
        self.calls += 1
        reached_by_phone = interaction is not None and interaction.kind == Interaction.Kind.CALL
        asked = lead["stage"] != Lead.Stage.NEW and self.rng.random() < CALL_BACK_SHARE
        if reached_by_phone and asked:
            return self.call_back(lead, interaction)
        step = self.step_for(interaction)
        seconds = self.rng.uniform(CALLS_FROM.total_seconds(), CALLS_UNTIL.total_seconds())
        return self.row(
            lead,
            interaction,
            channel=Channel.CALL,
            due_at=self.now + timedelta(seconds=seconds),
            reason=interaction.reason if interaction else "New lead",
            priority=step.priority if step else STAGE_PRIORITY[lead["stage"]],
            origin=f"Cadence: {step.cadence.name}"[:100] if step else "Demo data",
            talking_points=step.script if step else "",
        )

    def step_for(self, interaction: Latest | None) -> CadenceStep | None:
        if interaction is None:
            return None
        exact = self.steps.get((interaction.kind, interaction.sentiment))
        return exact or self.steps.get((interaction.kind, ""))

    def call_back(self, lead: dict, interaction: Latest) -> dict:
        """At a quarter hour in the person's working day, within the next four days."""
        self.call_backs += 1
        local_zone = zone(lead["time_zone"])
        day = self.now.astimezone(local_zone).date() + timedelta(days=self.rng.randrange(4))
        at = time(self.rng.randrange(9, 17), self.rng.choice((0, 15, 30, 45)))
        due_at = datetime.combine(day, at, tzinfo=local_zone)
        if due_at <= self.now:
            due_at += timedelta(days=1)
        return self.row(
            lead,
            interaction,
            channel=Channel.CALL,
            due_at=due_at,
            reason=CALL_BACK_REASON,
            priority=CALL_BACK_PRIORITY,
            origin=CALL_BACK_ORIGIN,
        )

    def row(self, lead: dict, interaction: Latest | None, **values) -> dict:
        return {
            "lead_id": lead["id"],
            "assigned_to_id": lead["owner_id"],
            "reason_at": interaction.occurred_at if interaction else None,
            "interaction_id": interaction.pk if interaction else None,
            "key": f"demo:lead:{lead['id']}:{values['channel']}",
            "created_at": self.now,
            **values,
        }

    def summary(self) -> DemoTouches:
        return DemoTouches(self.calls, self.call_backs, self.owners_set)


def _first_call_steps() -> dict[tuple[str, str], CadenceStep]:
    """The first call step of each active cadence for the lead's owner, by the
    (kind, sentiment) of its triggers; the highest priority wins. Two queries."""
    triggers = list(
        CadenceTrigger.objects.filter(
            cadence__is_active=True, cadence__assign="owner", ends=False
        ).select_related("cadence")
    )
    first_steps: dict[int, CadenceStep] = {}
    for step in (
        CadenceStep.objects.filter(cadence__in={trigger.cadence_id for trigger in triggers})
        .select_related("cadence")
        .order_by("-position")
    ):
        first_steps[step.cadence_id] = step  # the lowest position is read last
    steps: dict[tuple[str, str], CadenceStep] = {}
    for trigger in triggers:
        first = first_steps.get(trigger.cadence_id)
        if first is None or first.channel != Channel.CALL:
            continue
        known = steps.get((trigger.kind, trigger.sentiment))
        if known is None or first.priority > known.priority:
            steps[(trigger.kind, trigger.sentiment)] = first
    return steps
