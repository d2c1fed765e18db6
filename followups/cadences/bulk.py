"""Enrolling thousands at once from one source at one moment (an audience, the
lead list's filters): set-based, a few statements however many leads.

1. One INSERT ... SELECT of the enrolments (those already in the cadence are
   passed over by the partial unique index: ON CONFLICT DO NOTHING).
2. The first step's due time, worked out in Python once per place (time zone
   and country: business days and local times differ by place, nothing else).
3. One INSERT ... SELECT of the first steps' touches, joined to those places,
   with the fields progress.step_touch_fields gives one lead (a test holds the
   two together).
4. The few left over are planned one by one: a call to a lead who has an open
   call already (folded into it), a rep's step for a lead without an owner.

What triggers enrol after a batch of interactions (an import's booth visits,
each with its own source and moment) is followups.cadences.enrolling.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import Lead, User
from followups.cadences import progress
from followups.cadences.models import REP_CHANNELS, Cadence, CadenceStep, Channel, Enrolment
from followups.cadences.services import leads_to_enrol
from followups.cadences.timing import step_due
from followups.calling_hours import holidays_around
from followups.models import Touch
from followups.priorities import SCORE_BONUS_MAX


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
