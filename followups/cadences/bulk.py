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
uses (progress.step_touch_fields, timing.step_due: no query per visit), and
writes the enrolments and touches with one INSERT per thousand rows each. Those
left over, planned one by one as a single enrolment is: a call to a lead who may
not be called then (skipped, and on to the next step) or has an open call
already (folded into it), and a rep's step that picks a person (a lead without
an owner, a manager's play).
"""

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import connection, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from crm.models import Interaction, Lead, User
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


@transaction.atomic
def enrolments_create_for_interactions(
    *,
    cadence: Cadence,
    interactions: Sequence[Interaction],
    sources: Mapping[int, str],
    enrolled_at: Mapping[int, dt.datetime],
) -> int:
    """Enrol each interaction's lead (loaded with it), as enrolment_create does
    for one: once per interaction (a job run twice enrols nobody twice), not
    while the lead is in the cadence, and plan its first step. `sources` and
    `enrolled_at` are by interaction id. Returns how many were enrolled. All or none."""
    first = progress.following_step(cadence, None)
    if first is None or not interactions:
        return 0
    todo = _not_enrolled_yet(cadence, interactions)
    _owners_known([i.lead for i in todo])
    prefetch_related_objects([cadence], "reps")
    plans = _first_touches(cadence, first, todo, enrolled_at)
    alone = [i for i in todo if plans[i.pk] is None]
    made = _write_enrolments(cadence, first, [i for i in todo if plans[i.pk]], sources, enrolled_at)
    _write_touches(first, made, plans, enrolled_at)
    for interaction in alone:
        enrolment_create(
            cadence=cadence,
            lead=interaction.lead,
            source=sources[interaction.pk],
            interaction=interaction,
            now=enrolled_at[interaction.pk],
        )
    return len(made) + len(alone)


def _not_enrolled_yet(cadence: Cadence, interactions: Sequence[Interaction]) -> list[Interaction]:
    """Those that enrolled their lead here already (a job run twice) and those whose
    lead is in the cadence now are passed over: two queries."""
    done = set(
        Enrolment.objects.filter(
            cadence=cadence, interaction_id__in=[i.pk for i in interactions]
        ).values_list("interaction_id", flat=True)
    )
    busy = set(
        Enrolment.objects.filter(
            cadence=cadence,
            status__in=Enrolment.OPEN,
            lead_id__in={i.lead_id for i in interactions},
        ).values_list("lead_id", flat=True)
    )
    return [i for i in interactions if i.pk not in done and i.lead_id not in busy]


def _owners_known(leads: Sequence[Lead]) -> None:
    """Each lead's owner, read in one query rather than one a lead."""
    owners = User.objects.in_bulk({lead.owner_id for lead in leads} - {None})
    for lead in leads:
        if lead.owner_id is not None:
            lead.owner = owners[lead.owner_id]


def _first_touches(cadence, first, interactions, enrolled_at) -> dict[int, dt.datetime | None]:
    """The first step's due time by interaction id; None for one planned one by
    one (the module's docstring says which)."""
    picks = first.channel in REP_CHANNELS and cadence.assign == Cadence.Assign.MANAGER
    open_calls = _leads_with_open_calls(first, interactions)
    due_by_place: dict[tuple, dt.datetime] = {}
    holidays_by_day: dict[dt.date, Holidays] = {}
    plans: dict[int, dt.datetime | None] = {}
    for interaction in interactions:
        lead, at = interaction.lead, enrolled_at[interaction.pk]
        place = (lead.time_zone, lead.country, at)
        if place not in due_by_place:
            holidays = _holidays_near(first, at, holidays_by_day)
            due_by_place[place] = step_due(
                first,
                after=at,
                enrolled_at=at,
                time_zone=lead.time_zone,
                country=lead.country,
                holidays=holidays,
            )
        due = due_by_place[place]
        alone = (picks or lead.owner_id is None) and first.channel in REP_CHANNELS
        if first.channel == Channel.CALL:
            alone = alone or lead.pk in open_calls or not lead_callable(lead, due)
        plans[interaction.pk] = None if alone else due
    return plans


def _leads_with_open_calls(first: CadenceStep, interactions) -> set[int]:
    if first.channel != Channel.CALL:
        return set()
    return set(
        Touch.objects.filter(
            lead_id__in={i.lead_id for i in interactions},
            channel=Channel.CALL,
            status__in=Touch.OPEN,
        ).values_list("lead_id", flat=True)
    )


def _holidays_near(first: CadenceStep, at: dt.datetime, kept: dict) -> Holidays | None:
    """The holidays a wait in business days may meet (None: the step needs none)."""
    if first.wait_unit != "business_days":
        return None
    if at.date() not in kept:
        days = range(-1, first.wait * 2 + 12)
        kept[at.date()] = holidays_around(at.date() + dt.timedelta(days=n) for n in days)
    return kept[at.date()]


def _write_enrolments(cadence, first, interactions, sources, enrolled_at) -> list[Enrolment]:
    """INSERT the enrolments (one a thousand), then read back those this wrote (a
    lead enrolled meanwhile by another job is passed over by the unique index)."""
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                cadence=cadence,
                lead_id=i.lead_id,
                step=first,
                attempt=1,
                source=sources[i.pk][:200],
                interaction_id=i.pk,
                enrolled_at=enrolled_at[i.pk],
            )
            for i in interactions
        ],
        batch_size=ROWS_PER_INSERT,
        ignore_conflicts=True,
    )
    by_interaction = {i.pk: i for i in interactions}
    made = Enrolment.objects.filter(
        cadence=cadence, interaction_id__in=list(by_interaction), status=Enrolment.Status.ACTIVE
    ).order_by("pk")
    enrolments = []
    for enrolment in made:
        interaction = by_interaction[enrolment.interaction_id]
        enrolment.cadence, enrolment.step = cadence, first
        enrolment.lead, enrolment.interaction = interaction.lead, interaction
        enrolments.append(enrolment)
    return enrolments


def _write_touches(first, enrolments, plans, enrolled_at) -> None:
    """INSERT the first touches (one a thousand); one the unique index turned away
    (an open call planned meanwhile) is planned one by one."""
    touches = [
        Touch(
            **progress.step_touch_fields(enrolment, first, 1),
            due_at=plans[enrolment.interaction_id],
        )
        for enrolment in enrolments
    ]
    Touch.objects.bulk_create(touches, batch_size=ROWS_PER_INSERT, ignore_conflicts=True)
    planned = set(
        Touch.objects.filter(key__in=[touch.key for touch in touches]).values_list(
            "enrolment_id", flat=True
        )
    )
    for enrolment in enrolments:
        if enrolment.pk not in planned:
            at = enrolled_at[enrolment.interaction_id]
            progress.go_to(enrolment, first, after=at, now=at)
