"""The first touches of many enrolments planned in memory (an import's booth
visits: followups.cadences.enrolling writes them), with the functions one
enrolment uses (progress.step_touch_fields, timing.step_due) and no query per
visit: each enrolment's way to its first step (calls the lead may not get
skipped, as progress.go_to skips them), each step's due time worked out once
per place and moment, and who works each touch picked as one by one would pick
(the open touches counted once, each pick counted as made; leads without an
owner given theirs, one UPDATE a person).

In the set-based paths a model's id is read as .id, not .pk (a property, a call
each: these loops meet it a few hundred thousand times an import).
"""

import datetime as dt
import heapq
from collections import Counter, defaultdict
from typing import NamedTuple

from crm.models import Interaction, Lead, User
from crm.roles import Role
from crm.services import leads_owner_claim
from followups.assigning import open_touches_per_person, people_with_role
from followups.cadences import progress
from followups.cadences.models import REP_CHANNELS, Cadence, CadenceStep, Channel
from followups.cadences.timing import step_due
from followups.calling_hours import Holidays, holidays_around
from followups.ledger import lead_callable
from followups.models import Touch


class Wanted(NamedTuple):
    """A trigger's enrolment: the cadence, the interaction (its lead loaded with it)."""

    cadence: Cadence
    interaction: Interaction


class Step(NamedTuple):
    """One touch of an enrolment's way to its first step that is not skipped."""

    step: CadenceStep
    attempt: int
    due_at: dt.datetime
    skipped: str  # why it is skipped ("" for the touch planned)
    assigned_to: User | None = None


class Plan(NamedTuple):
    cadence: Cadence
    interaction: Interaction
    touches: list[Step]
    finished: str  # why the enrolment ends at once ("" while it goes on)


def plans_make(todo: list[Wanted], steps: dict, enrolled_at) -> tuple[list[Plan], list[Wanted]]:
    """Each enrolment's touches (due times and people), in the order one by one
    plans them; and those left to plan one by one: a call to a lead with an open
    call (folded into it)."""
    calling = _leads_with_open_calls(
        [
            w.interaction.lead_id
            for w in todo
            if any(s.channel == Channel.CALL for s in steps[w.cadence.id])
        ]
    )
    due, people = Due(), People()
    plans, alone = [], []
    for cadence, interaction in todo:
        lead, at = interaction.lead, enrolled_at[interaction.id]
        way = _way_to_first_step(steps[cadence.id], lead, at, due, calling)
        if way is None:
            alone.append(Wanted(cadence, interaction))
            continue
        touches, finished = way
        touches = [
            touch._replace(assigned_to=people.assign(cadence, touch.step, lead, not touch.skipped))
            for touch in touches
        ]
        if any(t.step.channel == Channel.CALL and not t.skipped for t in touches):
            calling.add(lead.id)
        plans.append(Plan(cadence, interaction, touches, finished))
    taken = people.claim()
    return [_owner_kept(plan, taken) for plan in plans], alone


def _owner_kept(plan: Plan, taken: set[int]) -> Plan:
    """A lead given someone meanwhile keeps them: what its pick was to work, they do."""
    lead = plan.interaction.lead
    if lead.id not in taken:
        return plan
    managers = plan.cadence.assign == Cadence.Assign.MANAGER
    return plan._replace(
        touches=[
            touch
            if managers and touch.step.channel in REP_CHANNELS
            else touch._replace(assigned_to=lead.owner)
            for touch in plan.touches
        ]
    )


def _way_to_first_step(steps, lead, at, due, calling) -> tuple[list[Step], str] | None:
    """progress.go_to from the first step, in memory: each step's touch, skipped
    while it is a call the lead may not get, up to one that is planned (or the
    end); None when a call would be folded into one the lead has."""
    touches: list[Step] = []
    attempts: Counter[int] = Counter()
    step = steps[0]
    for _ in range(progress.SKIP_CHAIN_LIMIT):
        if step is None:
            return touches, "Went through every step"
        attempts[step.id] += 1
        due_at = due(step, lead, at)
        barred = ""
        if step.channel == Channel.CALL:
            if lead.id in calling:
                return None
            barred = "" if lead_callable(lead, due_at) else progress.CALLS_BARRED
        touches.append(Step(step, attempts[step.id], due_at, barred))
        if not barred:
            return touches, ""
        step = progress.following_in(steps, step.id)
    return touches, "Every step was skipped"


def _leads_with_open_calls(lead_ids: list[int]) -> set[int]:
    if not lead_ids:
        return set()
    open_calls = Touch.objects.filter(
        lead_id__any=set(lead_ids), channel=Channel.CALL, status__in=Touch.OPEN
    )
    return set(open_calls.values_list("lead_id", flat=True))


class Due:
    """step_due, worked out once per step, place and moment (an import's visits
    share a handful), with the holidays read once per day."""

    def __init__(self):
        self.kept: dict[tuple, dt.datetime] = {}
        self.holidays: dict[tuple, Holidays] = {}

    def __call__(self, step: CadenceStep, lead: Lead, at: dt.datetime) -> dt.datetime:
        key = (step.id, lead.time_zone, lead.country, at)
        if key not in self.kept:
            self.kept[key] = step_due(
                step,
                after=at,
                enrolled_at=at,
                time_zone=lead.time_zone,
                country=lead.country,
                holidays=self._holidays(step, at),
            )
        return self.kept[key]

    def _holidays(self, step: CadenceStep, at: dt.datetime) -> Holidays | None:
        if step.wait_unit != "business_days":
            return None  # step_due reads none
        days = range(-1, step.wait * 2 + 12)
        key = (at.date(), days.stop)
        if key not in self.holidays:
            self.holidays[key] = holidays_around(at.date() + dt.timedelta(days=n) for n in days)
        return self.holidays[key]


class People:
    """Who works each touch, as progress.assignee picks for one lead at a time:
    the lead's owner (a marketing step's too), else the least busy candidate.
    Everyone's open touches are counted once (at the first pick), then each open
    touch planned is counted as one by one would find it; leads without an owner
    are given their pick (claim: one UPDATE a person), as lead_assignee gives them."""

    def __init__(self):
        self.stored: dict[int, int] | None = None  # open touches a person has, read once
        self.planned: Counter[int] = Counter()  # and those planned here since
        self.candidates: dict[int, list[tuple[int, int, User]]] = {}  # a heap a cadence
        self.claims: dict[User, list[Lead]] = defaultdict(list)

    def assign(self, cadence: Cadence, step: CadenceStep, lead: Lead, counted: bool):
        managers = cadence.assign == Cadence.Assign.MANAGER
        person = lead.owner
        if step.channel in REP_CHANNELS and (managers or person is None):
            person = self._least_busy(cadence)
            if person is not None and not managers:
                self.claims[person].append(lead)
                lead.owner = person
        if person is not None and counted:
            self.planned[person.id] += 1
        return person

    def _least_busy(self, cadence: Cadence) -> User | None:
        """The candidate with the fewest open touches, then the lowest id. A heap of
        (count, id) a cadence rather than a min() over every candidate a pick: counts
        only grow, so an entry whose count is out of date is counted again and put
        back until the one on top is current (and so the least)."""
        if self.stored is None:
            self.stored = open_touches_per_person()
        if cadence.pk not in self.candidates:
            self.candidates[cadence.pk] = self._heap(_candidates(cadence))
        heap, stored, planned = self.candidates[cadence.pk], self.stored, self.planned
        while heap:
            counted, pk, user = heap[0]
            now = stored.get(pk, 0) + planned[pk]
            if counted == now:
                return user
            heapq.heapreplace(heap, (now, pk, user))
        return None

    def _heap(self, people: list[User]) -> list[tuple[int, int, User]]:
        by_id = {user.pk: user for user in people}
        heap = [(self.stored.get(pk, 0) + self.planned[pk], pk, user) for pk, user in by_id.items()]
        heapq.heapify(heap)
        return heap

    def claim(self) -> set[int]:
        """Give the leads their picks; the ids of those given someone meanwhile, who
        keep them (lead_owner_claim), read again."""
        picks = {lead.id: person for person, leads in self.claims.items() for lead in leads}
        given = leads_owner_claim(owners=picks)
        taken = set()
        for leads in self.claims.values():
            for lead in leads:
                if lead.id not in given:
                    lead.refresh_from_db(fields=["owner"])
                    taken.add(lead.id)
        return taken


def _candidates(cadence: Cadence) -> list[User]:
    """Whom progress.assignee picks among (the active ones)."""
    if cadence.assign == Cadence.Assign.MANAGER:
        people = people_with_role(Role.MANAGER)
    else:
        reps = list(cadence.reps.all()) if cadence.assign == Cadence.Assign.REPS else []
        people = reps or people_with_role(Role.REP)
    return [user for user in people if user.is_active]
