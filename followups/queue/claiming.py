"""Claiming the head of a rep's call queue: one statement, compiled once a minute.

A claim is the busiest write in the product (every rep, every call), so it is
one round trip: an UPDATE whose WHERE picks the queue's head with
SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1, returning the claimed call with
what its card shows. Two reps claiming at once lock different rows; a row
another claim changed first is re-checked by PostgreSQL and passed over. On
SQLite the UPDATE holds the database's write lock, so it is atomic there too.

The head is the ORM's queue (followups.queue.selectors.call_queue), the one rule for
who may be called now. Compiling it, and binding its few hundred open time
zones, costs more than running it; both only change when the open zones do
(each minute). So the statement is compiled and its constants bound once per
rep and minute, with slots for what changes per claim: the time due dates are
compared to, and a call to pass over.
"""

import datetime as dt
from functools import lru_cache
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, Model

from crm.audiences.selectors import is_member
from crm.models import Campaign, Interaction, Lead
from followups.calling_hours import CallingWindow, Holidays, calling_hours, holidays_near
from followups.models import Cadence, CadenceStep, Touch
from followups.queue import selectors

NOW, PASS_OVER = "now", "pass_over"  # the slots
# Values no real claim uses, compiled into the statement and found again as slots.
NOW_PLACEHOLDER = dt.datetime(2000, 1, 1, 0, 0, 0, 271828, tzinfo=dt.UTC)
PASS_OVER_PLACEHOLDER = -314_159_265
SLOT_MARKER = "followups-claim-slot-7b1e0c"  # stands for a slot while constants are bound
NOTHING_TO_PASS_OVER = 0  # no touch has id 0

# What the card shows, in the order the statement returns them (PostgreSQL): the
# call, its lead and their first campaign, what it is about, and its cadence's step.
CARD_MODELS = (Touch, Lead, Campaign, Interaction, CadenceStep, Cadence)


class ClaimStatement(NamedTuple):
    sql: str
    params: tuple  # constants, None where a slot goes
    slots: tuple[str | None, ...]  # NOW or PASS_OVER where a claim fills in a value

    def bind(self, values: dict[str, object]) -> list:
        pairs = zip(self.params, self.slots, strict=True)
        return [values[slot] if slot else value for value, slot in pairs]


def claim_head(
    *,
    user_id: int,
    now: dt.datetime,
    pass_over: int | None = None,
    unless_holding_one: bool = False,
    audience_id: int | None = None,
) -> Touch | None:
    """Claim the head of this user's queue for them, with its lead, campaign and
    interaction loaded; None when nothing is callable. pass_over: a call to leave
    where it is. unless_holding_one: claim nothing while the user holds a claimed call.
    audience_id: only calls to members of that audience (crm.audiences)."""
    statement = _statement(connection.alias, user_id, now, unless_holding_one, audience_id)
    values = {
        NOW: connection.ops.adapt_datetimefield_value(now),
        PASS_OVER: pass_over or NOTHING_TO_PASS_OVER,
    }
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.bind(values))
        row = cursor.fetchone()
    if row is None:
        return None
    if connection.vendor != "postgresql":
        return Touch.objects.select_related(*selectors.CARD_RELATED).get(pk=row[0])
    return _card_from_row(row)


def _statement(
    alias: str, user_id: int, now: dt.datetime, unless_holding_one, audience_id
) -> ClaimStatement:
    minute = now.replace(second=0, microsecond=0)
    holidays = holidays_near(now)
    return _compiled(
        alias, user_id, unless_holding_one, audience_id, minute, holidays, calling_hours()
    )


@lru_cache(maxsize=512)
def _compiled(
    alias,
    user_id,
    unless_holding_one,
    audience_id,
    minute,
    holidays: Holidays,
    _window: CallingWindow,
) -> ClaimStatement:
    # The calling hours shape the queue and are part of the key: managers change them.
    head = selectors.call_queue(
        user_id, minute, holidays=holidays, now_in_sql=NOW_PLACEHOLDER
    ).exclude(pk=PASS_OVER_PLACEHOLDER)
    if unless_holding_one:
        head = head.filter(~Exists(selectors.claimed_calls(user_id)))
    if audience_id:
        head = head.filter(Exists(is_member(audience_id, "lead_id")))
    head_sql, head_params = head.values("pk")[:1].query.sql_with_params()
    if connection.features.has_select_for_update_skip_locked:
        # Added here rather than by select_for_update(), which Django compiles only
        # inside a transaction: this statement runs in one of its own.
        table = connection.ops.quote_name(Touch._meta.db_table)
        head_sql += " " + connection.ops.for_update_sql(skip_locked=True, of=(table,))
    sql, params = _update_returning(head_sql, head_params, user_id)
    now_value = connection.ops.adapt_datetimefield_value(NOW_PLACEHOLDER)
    slots = tuple(
        NOW if value == now_value else PASS_OVER if value == PASS_OVER_PLACEHOLDER else None
        for value in params
    )
    if connection.vendor == "postgresql":
        return _constants_bound(sql, params, slots)
    return ClaimStatement(sql, tuple(params), slots)


def _constants_bound(sql: str, params: list, slots: tuple) -> ClaimStatement:
    """The statement with its constants written into the SQL (quoted by the driver,
    as it would on every execution) and placeholders left only for the slots."""
    marked = [SLOT_MARKER if slot else value for value, slot in zip(params, slots, strict=True)]
    bound = connection.ops.compose_sql(sql, marked).replace("%", "%%")
    kept = tuple(slot for slot in slots if slot)
    return ClaimStatement(bound.replace(f"'{SLOT_MARKER}'", "%s"), (None,) * len(kept), kept)


def _update_returning(head_sql: str, head_params, user_id: int) -> tuple[str, list]:
    quote = connection.ops.quote_name
    touch = quote(Touch._meta.db_table)
    update = (
        f"UPDATE {touch} SET {quote('status')} = %s, {quote('claimed_by_id')} = %s, "
        f"{quote('claimed_at')} = %s WHERE {quote('id')} = ({head_sql}) AND {quote('status')} = %s"
    )
    claimed_at = connection.ops.adapt_datetimefield_value(NOW_PLACEHOLDER)
    params = [Touch.Status.CLAIMED, user_id, claimed_at, *head_params, Touch.Status.PENDING]
    if connection.vendor != "postgresql":
        return f"{update} RETURNING {quote('id')}", params
    return _with_card(update), params


def _with_card(update: str) -> str:
    """The claimed call with its lead, campaign, interaction and cadence step, in one
    statement."""
    quote = connection.ops.quote_name
    lead, campaign, interaction, step, cadence = (quote(m._meta.db_table) for m in CARD_MODELS[1:])
    returning = ", ".join(quote(f.column) for f in Touch._meta.concrete_fields)
    columns = ", ".join(
        f"{quote(model._meta.db_table) if model is not Touch else 'claimed'}.{quote(f.column)}"
        for model in CARD_MODELS
        for f in model._meta.concrete_fields
    )
    return (
        f"WITH claimed AS ({update} RETURNING {returning}) "
        f"SELECT {columns} FROM claimed "
        f"JOIN {lead} ON {lead}.{quote('id')} = claimed.{quote('lead_id')} "
        f"LEFT JOIN {campaign} ON {campaign}.{quote('id')} = {lead}.{quote('source_campaign_id')} "
        f"LEFT JOIN {interaction} "
        f"ON {interaction}.{quote('id')} = claimed.{quote('interaction_id')} "
        f"LEFT JOIN {step} ON {step}.{quote('id')} = claimed.{quote('step_id')} "
        f"LEFT JOIN {cadence} ON {cadence}.{quote('id')} = {step}.{quote('cadence_id')}"
    )


def _card_from_row(row: tuple) -> Touch:
    touch, lead, campaign, interaction, step, cadence = _instances(row)
    Touch.lead.field.set_cached_value(touch, lead)
    Lead.source_campaign.field.set_cached_value(lead, campaign)
    Touch.interaction.field.set_cached_value(touch, interaction)
    Touch.step.field.set_cached_value(touch, step)
    if step is not None:
        CadenceStep.cadence.field.set_cached_value(step, cadence)
    return touch


def _instances(row: tuple) -> list[Model | None]:
    """One instance per model in CARD_MODELS from its slice of the row; None for a
    LEFT JOIN that found nothing."""
    instances, start = [], 0
    for model in CARD_MODELS:
        fields = model._meta.concrete_fields
        values = row[start : start + len(fields)]
        start += len(fields)
        names = [f.attname for f in fields]
        found = values[names.index(model._meta.pk.attname)] is not None
        instances.append(model.from_db(connection.alias, names, values) if found else None)
    return instances
