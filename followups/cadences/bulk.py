"""Enrolling thousands at once (an audience, the lead list's filters, an import):
set-based, a few statements however many leads.

enrolments_create_bulk (one source, one moment: an audience, a lead list):

1. One INSERT ... SELECT of the enrolments (those already in the cadence are
   passed over by the partial unique index: ON CONFLICT DO NOTHING).
2. The first step's due time, worked out in Python once per place (time zone
   and country: business days and local times differ by place, nothing else).
3. One INSERT ... SELECT of the first steps' touches, joined to those places,
   with the fields progress.step_touch_fields gives one lead (a test holds the
   two together).
4. The few left over are planned one by one: a call to a lead who has an open
   call already (folded into it), a rep's step for a lead without an owner.

enrolments_create_for_interactions (what triggers enrol after a batch of
interactions, each with its own source and moment: an import's booth visits)
plans each enrolment's first touch in Python with the functions one enrolment
uses (progress.step_touch_fields, timing.step_due: no query per visit), picks
the least busy person for a rep's step as one by one would (the open touches
counted once, each pick counted as made; leads without an owner given theirs,
one UPDATE a person), and writes the enrolments and touches with one INSERT per
thousand rows each. Left over, planned one by one as a single enrolment is: a
call to a lead who may not be called then (skipped, and on to the next step) or
has an open call already (folded into it).
"""

import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.arrays import rows_insert
from crm.models import Interaction, Lead, User
from crm.roles import Role
from crm.services import leads_owner_claim
from followups.assigning import open_touches_per_person, people_with_role
from followups.cadences import progress
from followups.cadences.models import REP_CHANNELS, Cadence, CadenceStep, Channel, Enrolment
from followups.cadences.services import enrolment_create, leads_to_enrol
from followups.cadences.timing import step_due
from followups.calling_hours import Holidays, holidays_around
from followups.ledger import lead_callable
from followups.models import Touch
from followups.priorities import SCORE_BONUS_MAX

ROWS_PER_INSERT = 1000


@transaction.atomic
def enrolments_create_bulk(
    *,
    cadence: Cadence,
    leads: QuerySet[Lead],
    source: str,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Enrol each of the leads not in the cadence now and plan their first step;
    returns how many were enrolled. All or none."""
    first = progress.following_step(cadence, None)
    if first is None:
        return 0
    now = now or timezone.now()
    enrolled = _insert_enrolments(cadence, first, leads, source=source, by=by, now=now)
    if enrolled:
        new = Enrolment.objects.filter(
            cadence=cadence, enrolled_at=now, step=first, status=Enrolment.Status.ACTIVE
        )
        if _insert_touches(cadence, first, new, now) < enrolled:
            _plan_left_over(first, new.filter(touches__isnull=True), now)
        _assign_unowned(first, now)
    return enrolled


def _insert_enrolments(cadence, first, leads, *, source, by, now) -> int:
    ids_sql, params = (
        leads_to_enrol(cadence=cadence, leads=leads).order_by().values("id").query.sql_with_params()
    )
    q = connection.ops.quote_name
    columns = [
        "cadence_id",
        "lead_id",
        "status",
        "step_id",
        "attempt",
        "source",
        "enrolled_by_id",
        "enrolled_at",
        "exit_reason",
    ]
    sql = (
        f"INSERT INTO {q(Enrolment._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"SELECT %s, chosen.id, %s, %s, 1, %s, %s, %s, '' FROM ({ids_sql}) AS chosen "
        "WHERE true ON CONFLICT DO NOTHING"
    )
    values = [
        cadence.pk,
        Enrolment.Status.ACTIVE,
        first.pk,
        source[:200],
        by.pk if by else None,
        connection.ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])
        return _rows_changed(cursor)


def _insert_touches(cadence: Cadence, first: CadenceStep, new: QuerySet[Enrolment], now) -> int:
    """How many touches were written: one per new enrolment, but for the few left
    over (step 4 of the module)."""
    places = _due_by_place(first, new, now)
    if not places:
        return 0
    q = connection.ops.quote_name
    touch, enrolment, lead = (q(model._meta.db_table) for model in (Touch, Enrolment, Lead))
    rep_work = first.channel in REP_CHANNELS
    priority = first.priority if rep_work else progress.MARKETING_PRIORITY
    bonus = f" + {_score_bonus_sql(lead)}" if first.channel == Channel.CALL else ""
    priority_sql = f"%s{bonus}"
    by_owner = cadence.assign == Cadence.Assign.OWNER or not rep_work
    assignee_sql = f"{lead}.{q('owner_id')}" if by_owner else "NULL"
    reason = f"{cadence.name}, step {first.position} ({first.get_channel_display().lower()}): "
    place_rows = ", ".join(["(%s, %s, %s)"] * len(places))
    columns = [
        "lead_id", "channel", "due_at", "status", "reason", "reason_at", "talking_points",
        "priority", "assigned_to_id", "origin", "attempt", "key", "outcome", "held_reason",
        "created_at", "enrolment_id", "step_id",
    ]  # fmt: skip
    sql = (
        f"WITH places (tz, country, due) AS (VALUES {place_rows}) "
        f"INSERT INTO {touch} ({', '.join(q(c) for c in columns)}) "
        f"SELECT {enrolment}.{q('lead_id')}, %s, places.due, %s, "
        f"SUBSTR(%s || {enrolment}.{q('source')}, 1, 300), {enrolment}.{q('enrolled_at')}, %s, "
        f"{priority_sql}, {assignee_sql}, %s, 1, "
        f"'cadence:' || {enrolment}.{q('id')} || ':step:' || %s || ':1', '', '', %s, "
        f"{enrolment}.{q('id')}, %s "
        f"FROM {enrolment} JOIN {lead} ON {lead}.{q('id')} = {enrolment}.{q('lead_id')} "
        f"JOIN places ON places.tz = {lead}.{q('time_zone')} "
        f"AND places.country = {lead}.{q('country')} "
        f"WHERE {enrolment}.{q('cadence_id')} = %s AND {enrolment}.{q('enrolled_at')} = %s "
        f"AND {enrolment}.{q('step_id')} = %s ON CONFLICT DO NOTHING"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = [
        *[value for place in places for value in place],
        first.channel,
        Touch.Status.PENDING,
        reason,
        first.script,
        priority,
        f"Cadence: {cadence.name}"[:100],
        str(first.pk),
        stamp,
        first.pk,
        cadence.pk,
        stamp,
        first.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _rows_changed(cursor)


def _due_by_place(first: CadenceStep, new: QuerySet[Enrolment], now) -> list[tuple]:
    """(time zone, country, due) for each place among the new enrolments' leads."""
    places = list(new.order_by().values_list("lead__time_zone", "lead__country").distinct())
    days = range(-1, first.wait * 2 + 12) if first.wait_unit == "business_days" else range(-1, 3)
    holidays = holidays_around(now.date() + dt.timedelta(days=n) for n in days)
    return [
        (
            tz,
            country,
            connection.ops.adapt_datetimefield_value(
                step_due(
                    first,
                    after=now,
                    enrolled_at=now,
                    time_zone=tz,
                    country=country,
                    holidays=holidays,
                )
            ),
        )
        for tz, country in places
    ]


def _score_bonus_sql(lead: str) -> str:
    """followups.priorities.score_bonus, in SQL (MAX/MIN of two are SQLite's GREATEST/LEAST)."""
    score = f"{lead}.{connection.ops.quote_name('score')}"
    if connection.vendor == "sqlite":
        return f"MAX(0, MIN({score} / 10, {SCORE_BONUS_MAX}))"
    return f"GREATEST(0, LEAST({score} / 10, {SCORE_BONUS_MAX}))"


def _plan_left_over(first: CadenceStep, left: QuerySet[Enrolment], now) -> None:
    for enrolment in left.select_related("cadence", "lead__owner"):
        progress.go_to(enrolment, first, after=now, now=now)


def _assign_unowned(first: CadenceStep, now) -> None:
    """A rep's step for a lead without an owner (or a manager's play): given to
    the least busy person, one by one, as a single enrolment would be."""
    if first.channel not in REP_CHANNELS:
        return
    unassigned = Touch.objects.filter(
        step=first, created_at=now, assigned_to__isnull=True, status=Touch.Status.PENDING
    ).select_related("lead__owner", "enrolment__cadence")
    for touch in unassigned:
        touch.assigned_to = progress.assignee(touch.enrolment.cadence, touch.lead)
        touch.save(update_fields=["assigned_to"])


def _rows_changed(cursor) -> int:
    # Python's sqlite3 reports no rowcount for a statement that starts with WITH.
    if connection.vendor == "sqlite":
        cursor.execute("SELECT changes()")
        return cursor.fetchone()[0]
    return cursor.rowcount


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


@transaction.atomic
def enrolments_create_for_interactions(
    *,
    wanted: Sequence[Wanted],
    sources: Mapping[int, str],
    enrolled_at: Mapping[int, dt.datetime],
) -> int:
    """Enrol each interaction's lead in its cadence, as enrolment_create does for
    one: once per interaction (a job run twice enrols nobody twice), not while the
    lead is in the cadence; and plan the first step (a call the lead may not get
    is skipped, and the next step planned, as progress.go_to does). `wanted` is in
    the order one by one meets them (interaction by interaction, each one's
    cadences by name); `sources` and `enrolled_at` are by interaction id. Returns
    how many were enrolled. All or none."""
    cadences = {w.cadence.pk: w.cadence for w in wanted}
    steps = {pk: list(cadence.steps.order_by("position")) for pk, cadence in cadences.items()}
    todo = _not_enrolled_yet([w for w in wanted if steps[w.cadence.pk]])
    _owners_known([w.interaction.lead for w in todo])
    plans, alone = _plans(todo, steps, enrolled_at)
    made = _write_enrolments(plans, sources, enrolled_at)
    _write_touches(plans, made, enrolled_at)
    for cadence, interaction in alone:
        enrolment_create(
            cadence=cadence,
            lead=interaction.lead,
            source=sources[interaction.pk],
            interaction=interaction,
            now=enrolled_at[interaction.pk],
        )
    return len(made) + len(alone)


def _not_enrolled_yet(wanted: list[Wanted]) -> list[Wanted]:
    """Those that enrolled their lead already (a job run twice) and those whose
    lead is in the cadence now are passed over: two queries a cadence."""
    passed_over = set()
    for cadence_id in {w.cadence.pk for w in wanted}:
        those = [w.interaction for w in wanted if w.cadence.pk == cadence_id]
        done = Enrolment.objects.filter(
            cadence_id=cadence_id, interaction_id__any=[i.pk for i in those]
        ).values_list("interaction_id", flat=True)
        busy = set(
            Enrolment.objects.filter(
                cadence_id=cadence_id,
                status__in=Enrolment.OPEN,
                lead_id__any={i.lead_id for i in those},
            ).values_list("lead_id", flat=True)
        )
        passed_over |= {(cadence_id, pk) for pk in done}
        passed_over |= {(cadence_id, i.pk) for i in those if i.lead_id in busy}
    return [w for w in wanted if (w.cadence.pk, w.interaction.pk) not in passed_over]


def _owners_known(leads: Sequence[Lead]) -> None:
    """Each lead's owner, read in one query rather than one a lead."""
    owners = User.objects.in_bulk({lead.owner_id for lead in leads} - {None})
    for lead in leads:
        if lead.owner_id is not None:
            lead.owner = owners[lead.owner_id]


def _plans(todo: list[Wanted], steps: dict, enrolled_at) -> tuple[list[Plan], list[Wanted]]:
    """Each enrolment's touches (due times and people), in the order one by one
    plans them; and those left to plan one by one: a call to a lead with an open
    call (folded into it)."""
    calling = _leads_with_open_calls(
        [
            w.interaction.lead_id
            for w in todo
            if any(s.channel == Channel.CALL for s in steps[w.cadence.pk])
        ]
    )
    due, people = Due(), People()
    plans, alone = [], []
    for cadence, interaction in todo:
        lead, at = interaction.lead, enrolled_at[interaction.pk]
        way = _way_to_first_step(steps[cadence.pk], lead, at, due, calling)
        if way is None:
            alone.append(Wanted(cadence, interaction))
            continue
        touches, finished = way
        touches = [
            touch._replace(assigned_to=people.assign(cadence, touch.step, lead, not touch.skipped))
            for touch in touches
        ]
        if any(t.step.channel == Channel.CALL and not t.skipped for t in touches):
            calling.add(lead.pk)
        plans.append(Plan(cadence, interaction, touches, finished))
    taken = people.claim()
    return [_owner_kept(plan, taken) for plan in plans], alone


def _owner_kept(plan: Plan, taken: set[int]) -> Plan:
    """A lead given someone meanwhile keeps them: what its pick was to work, they do."""
    lead = plan.interaction.lead
    if lead.pk not in taken:
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
        attempts[step.pk] += 1
        due_at = due(step, lead, at)
        barred = ""
        if step.channel == Channel.CALL:
            if lead.pk in calling:
                return None
            barred = "" if lead_callable(lead, due_at) else progress.CALLS_BARRED
        touches.append(Step(step, attempts[step.pk], due_at, barred))
        if not barred:
            return touches, ""
        step = progress.following_in(steps, step.pk)
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
        key = (step.pk, lead.time_zone, lead.country, at)
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
            self.planned[person.pk] += 1
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
        picks = {lead.pk: person for person, leads in self.claims.items() for lead in leads}
        given = leads_owner_claim(owners=picks)
        taken = set()
        for leads in self.claims.values():
            for lead in leads:
                if lead.pk not in given:
                    lead.refresh_from_db(fields=["owner"])
                    taken.add(lead.pk)
        return taken


def _candidates(cadence: Cadence) -> list[User]:
    """Whom progress.assignee picks among (the active ones)."""
    if cadence.assign == Cadence.Assign.MANAGER:
        people = people_with_role(Role.MANAGER)
    else:
        reps = list(cadence.reps.all()) if cadence.assign == Cadence.Assign.REPS else []
        people = reps or people_with_role(Role.REP)
    return [user for user in people if user.is_active]


ENROLMENT_COLUMNS = (
    "cadence_id", "lead_id", "status", "step_id", "attempt", "source", "interaction_id",
    "enrolled_by_id", "enrolled_at", "ended_at", "exit_reason",
)  # fmt: skip
TOUCH_COLUMNS = (
    "lead_id", "channel", "due_at", "status", "reason", "reason_at", "talking_points",
    "priority", "assigned_to_id", "origin", "attempt", "key", "outcome", "held_reason",
    "completed_at", "created_at", "enrolment_id", "step_id", "interaction_id",
)  # fmt: skip
ENROLMENT_WRITTEN = ("id", "cadence_id", "interaction_id")


class Enrolled(NamedTuple):
    """An enrolment written here, with what planning its touches reads
    (progress.step_touch_fields reads these of an Enrolment): a tuple, not a model
    object a row. model() gives the Enrolment, for the few planned one by one."""

    pk: int
    cadence: Cadence
    lead: Lead
    interaction: Interaction
    source: str
    enrolled_at: dt.datetime
    row: tuple  # ENROLMENT_COLUMNS' values

    def model(self) -> Enrolment:
        enrolment = Enrolment(pk=self.pk, **dict(zip(ENROLMENT_COLUMNS, self.row, strict=True)))
        enrolment.cadence, enrolment.lead = self.cadence, self.lead
        enrolment.interaction = self.interaction
        return enrolment


def _write_enrolments(plans: list[Plan], sources, enrolled_at) -> dict[tuple, Enrolled]:
    """INSERT the enrolments (one statement), each on the step it stops at (or
    finished); those written, by (cadence id, interaction id). One that another
    job enrolled meanwhile is passed over by the unique index, and gets no touch
    here."""
    unwritten: dict[tuple, Enrolled] = {}  # each with pk 0 until written
    for plan in plans:
        interaction, last = plan.interaction, plan.touches[-1]
        at, source = enrolled_at[interaction.pk], sources[interaction.pk][:200]
        status = Enrolment.Status.FINISHED if plan.finished else Enrolment.Status.ACTIVE
        row = (
            plan.cadence.pk, interaction.lead.pk, status, last.step.pk, last.attempt, source,
            interaction.pk, None, at, at if plan.finished else None, plan.finished,
        )  # fmt: skip
        unwritten[(plan.cadence.pk, interaction.pk)] = Enrolled(
            0, plan.cadence, interaction.lead, interaction, source, at, row
        )
    rows = [enrolled.row for enrolled in unwritten.values()]
    written = rows_insert(Enrolment, ENROLMENT_COLUMNS, rows, returning=ENROLMENT_WRITTEN)
    if connection.vendor != "postgresql":  # read back what was written
        written = Enrolment.objects.filter(
            cadence_id__in={plan.cadence.pk for plan in plans},
            interaction_id__any={plan.interaction.pk for plan in plans},
        ).values_list(*ENROLMENT_WRITTEN)
    made = {}
    for pk, cadence_id, interaction_id in written:
        if (enrolled := unwritten.get((cadence_id, interaction_id))) is not None:
            made[(cadence_id, interaction_id)] = enrolled._replace(pk=pk)
    return made


def _write_touches(plans: list[Plan], made: dict[tuple, Enrolled], enrolled_at) -> None:
    """INSERT the touches (one statement); a planned one the unique index turned
    away (an open call planned meanwhile) is planned one by one."""
    now = timezone.now()
    rows, planned = [], {}
    for plan in plans:
        enrolment = made.get((plan.cadence.pk, plan.interaction.pk))
        for step, attempt, due_at, skipped, person in plan.touches if enrolment else ():
            fields = progress.step_touch_fields(enrolment, step, attempt, assigned_to=person)
            status = Touch.Status.SKIPPED if skipped else Touch.Status.PENDING
            person = fields["assigned_to"]
            rows.append(
                (
                    fields["lead"].pk, fields["channel"], due_at, status, fields["reason"],
                    fields["reason_at"], fields["talking_points"], fields["priority"],
                    person.pk if person else None, fields["origin"], fields["attempt"],
                    fields["key"], skipped[:100], "", now if skipped else None, now,
                    enrolment.pk, step.pk, fields["interaction"].pk,
                )
            )  # fmt: skip
            if not skipped:
                planned[fields["key"]] = (enrolment, step)
    rows_insert(Touch, TOUCH_COLUMNS, rows)
    written = set(Touch.objects.filter(key__any=list(planned)).values_list("key", flat=True))
    for key, (enrolment, step) in planned.items():
        if key not in written:
            at = enrolled_at[enrolment.interaction.pk]
            progress.go_to(enrolment.model(), step, after=at, now=at)
