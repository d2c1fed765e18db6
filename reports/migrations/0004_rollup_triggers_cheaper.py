"""The rollup triggers of 0002, cheaper to write through; the same rows.

Measured on an import's follow-ups (bench/import_followups.py: 100,000 booth
visits, 105,000 touches, 50,000 leads given an owner, every lead rescored), the
triggers of 0002 cost the database about 13 s. What changed:

- A lead, call, touch or email's campaign is its lead's source campaign, read
  with one index probe per row (a scalar subquery) instead of a join the
  planner made a hash of every lead: one scan of crm_lead per statement, the
  bulk of the cost once the leads are many.
- An update of leads adds the moved calls, touches and emails only when some
  lead's source campaign changed (three joins otherwise planned for nothing);
  an insert or a delete of leads never moves anything, so it no longer plans them.
- Each statement is run with EXECUTE, planned for the call's transition tables:
  a static one keeps the plan of the first call after the tables' statistics
  last changed, and one planned for a one-row update joined the old and new
  rows of the next 5,000-row update as a nested loop (seconds a statement).
- An update compares only what the rollups count (a touch claimed, a call
  reclassified between two outcomes counted the same, an email's retries), so
  such updates add no pair of cancelling rows to group.

The transition tables stay: a statement-level trigger is what keeps a million-row
statement one grouped insert per rollup (PostgreSQL takes no column list,
UPDATE OF, with transition tables, nor a WHEN clause on a statement trigger).
tests/reports/test_rollups.py and test_rollup_writers.py hold the rows to the
live queries. Reversing puts 0002's functions back.
"""

import importlib

from django.db import migrations

first = importlib.import_module("reports.migrations.0002_dashboard_rollup_triggers")
day, upsert, touch_rows = first.day, first.upsert, first.touch_rows
call_measures, email_measures = first.call_measures, first.email_measures
CALL_KEYS, CALL_MEASURES = first.CALL_KEYS, first.CALL_MEASURES
TOUCH_KEYS, TOUCH_MEASURES = first.TOUCH_KEYS, first.TOUCH_MEASURES
EMAIL_KEYS, EMAIL_MEASURES = first.EMAIL_KEYS, first.EMAIL_MEASURES

OPS = ("INSERT", "UPDATE", "DELETE")


def campaign_of(lead_id: str) -> str:
    """The lead's source campaign, one index probe (null for a lead gone)."""
    return f"(SELECT l.source_campaign_id FROM crm_lead l WHERE l.id = {lead_id})"


def changed_rows(columns: str, counted: tuple[str, ...], moved: str = "") -> str:
    """An update's rows whose counted expressions (of a row `r`) changed, the old
    -1 and the new +1: (columns..., delta), and (columns..., moved, delta) with
    `moved` (an expression of o and n)."""
    old, new = (", ".join(f"{row}.{c}" for c in columns.split(", ")) for row in "on")
    compared_old, compared_new = (
        ", ".join(expression.replace("r.", f"{row}.") for expression in counted) for row in "on"
    )
    more, more_name = (f"{moved}, ", "moved, ") if moved else ("", "")
    return f"""
        SELECT d.* FROM old_rows o JOIN new_rows n USING (id),
        LATERAL (VALUES ({old}, {more}-1), ({new}, {more}1)) AS d({columns}, {more_name}delta)
        WHERE ({compared_old}) IS DISTINCT FROM ({compared_new})"""


def deltas(columns: str, counted: tuple[str, ...], where: str = "true") -> dict[str, str]:
    """Per statement kind, the rows as (columns..., delta) that can count (`where`,
    of a row `r`)."""
    return {
        "INSERT": f"SELECT {columns}, 1 AS delta FROM new_rows r WHERE {where}",
        "DELETE": f"SELECT {columns}, -1 AS delta FROM old_rows r WHERE {where}",
        "UPDATE": changed_rows(columns, counted),
    }


def planned_now(sql: str, into: str = "") -> str:
    """A PL/pgSQL statement running `sql` planned for this call's transition tables.
    A static statement keeps the plan made for the first call after the tables'
    statistics last changed: one made for a one-row update joined a 5,000-row
    one's old and new rows as a nested loop (25 million comparisons, seconds)."""
    return f"EXECUTE $sql$ {sql} $sql$" + (f" INTO {into}" if into else "")


def function(name: str, body: str, declare: str = "") -> str:
    """`body`: a statement (run planned_now), or PL/pgSQL."""
    if not body.lstrip().startswith(("EXECUTE", "IF")):
        body = planned_now(body)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
{declare}BEGIN
    {body};
    RETURN NULL;
END $$;
"""


# Leads ------------------------------------------------------------------------------

LEAD_COLUMNS = "id, created_at, stage, source_campaign_id, owner_id"
LEAD_COUNTED = ("r.created_at", "r.stage", "r.source_campaign_id", "r.owner_id")


def lead_counts(lead_deltas: str) -> tuple[str, str]:
    """The INSERTs of the leads and owners rollups' rows of `lead_deltas` (id,
    created_at, stage, source_campaign_id, owner_id, delta)."""
    leads = upsert(
        "reports_leadrollup",
        "day, campaign_id, stage",
        ("leads",),
        f"SELECT {day('created_at')} AS day, source_campaign_id AS campaign_id, stage, "
        f"delta AS leads FROM {lead_deltas}",
    )
    owners = upsert(
        "reports_ownerrollup",
        "owner_id, campaign_id",
        ("leads",),
        f"SELECT owner_id, source_campaign_id AS campaign_id, delta AS leads FROM {lead_deltas} "
        "WHERE owner_id IS NOT NULL",
    )
    return leads, owners


def moved_counts() -> str:
    """The calls, touches and emails of the leads whose source campaign changed,
    taken from the old campaign and added to the new (0002's, for those leads
    only)."""
    moved = (
        "SELECT d.* FROM old_rows o JOIN new_rows n USING (id), "
        "LATERAL (VALUES (o.id, o.source_campaign_id, -1), (n.id, n.source_campaign_id, 1)) "
        "AS d(id, source_campaign_id, delta) "
        "WHERE o.source_campaign_id IS DISTINCT FROM n.source_campaign_id"
    )
    calls = upsert(
        "reports_callrollup",
        CALL_KEYS,
        CALL_MEASURES,
        f"SELECT {day('i.occurred_at')} AS day, d.source_campaign_id AS campaign_id, "
        f"i.user_id, {call_measures('i.outcome', 'd.delta')} FROM moved d "
        "JOIN crm_interaction i ON i.lead_id = d.id AND i.kind = 'call' "
        "WHERE d.source_campaign_id IS NOT NULL",
    )
    touches = upsert(
        "reports_touchrollup",
        TOUCH_KEYS,
        TOUCH_MEASURES,
        "SELECT t.day, d.source_campaign_id AS campaign_id, t.channel, t.planned, t.done, "
        "t.skipped FROM moved d JOIN followups_touch x ON x.lead_id = d.id, "
        f"{touch_rows('x', 'd.delta')}",
    )
    emails = upsert(
        "reports_emailrollup",
        EMAIL_KEYS,
        EMAIL_MEASURES,
        f"SELECT {day('e.sent_at')} AS day, d.source_campaign_id AS campaign_id, e.step_id, "
        f"e.variant_id, {email_measures('e', 'd.delta')} FROM moved d "
        "JOIN mailings_outboxemail e ON e.lead_id = d.id "
        "WHERE e.status = 'sent' AND e.sent_at IS NOT NULL",
    )
    return f"""WITH moved AS MATERIALIZED ({moved}),
    calls AS ({calls}),
    touches AS ({touches})
    {emails}"""


def lead_function(op: str) -> str:
    name = f"reports_leads_{op.lower()}d"
    if op != "UPDATE":  # a lead that comes or goes moves nothing: its calls come after it
        rows = deltas(LEAD_COLUMNS, LEAD_COUNTED)[op]
        leads, owners = lead_counts("lead_deltas")
        return function(
            name, f"WITH lead_deltas AS MATERIALIZED ({rows}), leads AS ({leads}) {owners}"
        )
    # moved: the source campaign changed (0002's flag, for the second statement).
    changed = changed_rows(
        LEAD_COLUMNS, LEAD_COUNTED, "o.source_campaign_id IS DISTINCT FROM n.source_campaign_id"
    )
    # Whether any moved is read from the deltas (an EXISTS over the two transition
    # tables was planned as a nested loop: every old row against every new one).
    leads, owners = lead_counts("lead_deltas")
    counted = planned_now(
        f"""WITH lead_deltas AS MATERIALIZED ({changed}),
    leads AS ({leads}),
    owners AS ({owners})
    SELECT coalesce(bool_or(moved), false) FROM lead_deltas""",
        into="any_moved",
    )
    body = f"""{counted};
    IF any_moved THEN
        {planned_now(moved_counts())};
    END IF"""
    return function(name, body, declare="DECLARE any_moved boolean;\n")


# Calls ------------------------------------------------------------------------------

CALL_COLUMNS = "lead_id, kind, occurred_at, user_id, outcome"
# An outcome counts only as the measures tell outcomes apart (call_measures).
CALL_COUNTED = (
    "r.lead_id", "r.kind = 'call'", day("r.occurred_at"), "r.user_id",
    f"r.outcome IN ({first.codes(*first.CONNECTED_CALL_OUTCOMES)})",
    f"r.outcome IN ({first.codes(first.MEETING_BOOKED)})",
    f"r.outcome IN ({first.codes(first.CallOutcome.VOICEMAIL)})",
    f"r.outcome IN ({first.codes(first.CallOutcome.NO_ANSWER)})",
)  # fmt: skip


def call_function(op: str) -> str:
    rows = deltas(CALL_COLUMNS, CALL_COUNTED, where="r.kind = 'call'")[op]
    # Each call counts for every lead (campaign null) and for its lead's campaign.
    calls = upsert(
        "reports_callrollup",
        CALL_KEYS,
        CALL_MEASURES,
        f"SELECT {day('d.occurred_at')} AS day, c.campaign_id, d.user_id, "
        f"{call_measures('d.outcome', 'd.delta')} FROM call_deltas d, "
        "LATERAL (SELECT NULL::bigint UNION ALL SELECT d.lead_campaign_id "
        "WHERE d.lead_campaign_id IS NOT NULL) AS c(campaign_id)",
    )
    body = f"""WITH call_deltas AS MATERIALIZED (
        SELECT x.*, {campaign_of("x.lead_id")} AS lead_campaign_id FROM ({rows}) x
        WHERE x.kind = 'call'
    ) {calls}"""
    return function(f"reports_interactions_{op.lower()}d", body)


# Touches ----------------------------------------------------------------------------

TOUCH_COLUMNS = "lead_id, channel, status, created_at, completed_at"
TOUCH_COUNTED = (
    "r.lead_id", "r.channel", day("r.created_at"), day("r.completed_at"),
    "r.status = 'done'", "r.status = 'skipped'",
)  # fmt: skip


def touch_function(op: str) -> str:
    touches = upsert(
        "reports_touchrollup",
        TOUCH_KEYS,
        TOUCH_MEASURES,
        "SELECT t.day, d.campaign_id, t.channel, t.planned, t.done, t.skipped "
        f"FROM touch_deltas d, {touch_rows('d', 'd.delta')}",
    )
    body = f"""WITH touch_deltas AS MATERIALIZED (
        SELECT x.*, {campaign_of("x.lead_id")} AS campaign_id
        FROM ({deltas(TOUCH_COLUMNS, TOUCH_COUNTED)[op]}) x
    ) {touches}"""
    return function(f"reports_touches_{op.lower()}d", body)


# Emails ------------------------------------------------------------------------------

EMAIL_COLUMNS = "lead_id, step_id, variant_id, status, sent_at, opened_at, clicked_at, replied_at"
EMAIL_COUNTED = (
    "r.lead_id", "r.step_id", "r.variant_id", "r.status = 'sent'", day("r.sent_at"),
    "r.opened_at IS NULL", "r.clicked_at IS NULL", "r.replied_at IS NULL",
)  # fmt: skip
EMAIL_SENT = "r.status = 'sent' AND r.sent_at IS NOT NULL"


def email_function(op: str) -> str:
    rows = deltas(EMAIL_COLUMNS, EMAIL_COUNTED, where=EMAIL_SENT)[op]
    emails = upsert(
        "reports_emailrollup",
        EMAIL_KEYS,
        EMAIL_MEASURES,
        f"SELECT {day('d.sent_at')} AS day, d.campaign_id, d.step_id, d.variant_id, "
        f"{email_measures('d', 'd.delta')} FROM email_deltas d",
    )
    body = f"""WITH email_deltas AS MATERIALIZED (
        SELECT x.*, {campaign_of("x.lead_id")} AS campaign_id FROM ({rows}) x
        WHERE x.status = 'sent' AND x.sent_at IS NOT NULL
    ) {emails}"""
    return function(f"reports_emails_{op.lower()}d", body)


FORWARD = [
    *(lead_function(op) for op in OPS),
    *(call_function(op) for op in OPS),
    *(touch_function(op) for op in OPS),
    *(email_function(op) for op in OPS),
]
BACKWARD = [
    sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    for sql in (
        *(first.lead_function(op) for op in OPS),
        *(first.call_function(op) for op in OPS),
        *(first.touch_function(op) for op in OPS),
        *(first.email_function(op) for op in OPS),
    )
]


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_dashboard_indexes")]

    operations = [migrations.RunPython(first.run(FORWARD), first.run(BACKWARD), elidable=False)]
