"""Triggers that keep the dashboard's rollups (reports.models) current, PostgreSQL
only, and the rollups built from the data already there.

Statement-level triggers with transition tables: a statement that writes a
million rows (COPY, INSERT ... SELECT, a queryset update, a cascade delete) adds
one grouped upsert per rollup, not a million; an update that changes none of the
counted columns (a score, a name, a touch claimed) adds nothing. Days are UTC
days. The triggers only append rows of differences, never update one: an
upsert would lock the key's row until the writer commits, so a web-form lead
would wait for an import of the same campaign (one transaction) to finish.
Readers sum a key's rows; reports_rollups_compact(), a periodic task, folds
them into one row a key (it sees committed rows only, and deletes and inserts
in one statement, so a reader sees the same sums before and after).

What each trigger counts:
- crm_lead: leads per (day created, source campaign, stage) and per (owner,
  source campaign); a lead whose source campaign changes moves its calls,
  touches and emails between campaigns.
- crm_interaction: calls per (day, campaign, person) with the outcomes the
  dashboard counts (crm.outcomes as of this migration: a change there needs a
  migration that calls reports_rollups_rebuild(); tests/reports/test_rollups.py
  compares the rollups with the live queries).
- followups_touch: touches planned per (day created, campaign, channel), done and
  skipped per (day completed, campaign, channel).
- mailings_outboxemail: emails sent per (day sent, campaign, step, variant), and
  of them opened, clicked, replied (an open recorded later moves the counts of
  the day the email was sent).
The campaign of a call or a touch is its lead's source campaign at the time of
the write (leads are deleted after their interactions and touches: Django's
collector does so, and the foreign keys forbid the other order at commit).

reports_rollups_rebuild() counts everything again from the tables (here, and for
whoever loads data with the triggers disabled); it locks the counted tables
against writes meanwhile.
"""

from django.db import migrations

from crm.outcomes import CONNECTED_CALL_OUTCOMES, MEETING_BOOKED, CallOutcome

OPS = ("INSERT", "UPDATE", "DELETE")


def day(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'UTC')::date"


def codes(*outcomes) -> str:
    return ", ".join(f"'{outcome}'" for outcome in outcomes)


def upsert(table: str, keys: str, measures: tuple[str, ...], select: str) -> str:
    """Appends the grouped rows of `select` (its columns: keys..., measures...) to
    `table`: a row a key, of the differences (readers sum; see compact())."""
    sums = ", ".join(f"sum({measure})" for measure in measures)
    nonzero = " OR ".join(f"sum({measure}) <> 0" for measure in measures)
    return f"""
    INSERT INTO {table} ({keys}, {", ".join(measures)})
    SELECT {keys}, {sums} FROM ({select}) AS deltas
    GROUP BY {keys} HAVING {nonzero}"""


def compact_table(table: str, keys: str, measures: tuple[str, ...]) -> str:
    """Folds the rows of each key that has more than one into one row (none when
    they sum to nothing), in one statement."""
    return f"""
    WITH gone AS (
        DELETE FROM {table} WHERE id IN (
            SELECT id FROM (
                SELECT id, count(*) OVER (PARTITION BY {keys}) AS rows_of_key FROM {table}
            ) counted WHERE rows_of_key > 1
        ) RETURNING *
    )
    {upsert(table, keys, measures, "SELECT * FROM gone")}"""


def deltas(columns: str) -> dict[str, str]:
    """Per statement kind, the rows as (columns..., delta): +1 a row that came, -1
    a row that went; an update counts as both for the rows whose columns changed."""
    return {
        "INSERT": f"SELECT {columns}, 1 AS delta FROM new_rows",
        "DELETE": f"SELECT {columns}, -1 AS delta FROM old_rows",
        "UPDATE": changed(columns, columns),
    }


def changed(columns: str, compared: str, extra: str = "") -> str:
    """An update's rows whose `compared` columns changed, the old -1, the new +1,
    with `extra` (an expression of o and n, e.g. "... AS moved") on both."""
    old, new = (", ".join(f"{row}.{c}" for c in columns.split(", ")) for row in "on")
    compared_old, compared_new = (
        ", ".join(f"{row}.{c}" for c in compared.split(", ")) for row in "on"
    )
    expression, name = extra.split(" AS ") if extra else ("", "")
    more, more_name = (f"{expression}, ", f"{name}, ") if extra else ("", "")
    return f"""
        SELECT d.* FROM old_rows o JOIN new_rows n USING (id),
        LATERAL (VALUES ({old}, {more}-1), ({new}, {more}1)) AS d({columns}, {more_name}delta)
        WHERE ({compared_old}) IS DISTINCT FROM ({compared_new})"""


# Leads ------------------------------------------------------------------------------

LEAD_COLUMNS = "id, created_at, stage, source_campaign_id, owner_id"
LEAD_COMPARED = "created_at, stage, source_campaign_id, owner_id"
# moved: the source campaign changed (false for a lead that came or went: its calls
# and touches come after it and go before it).
LEAD_DELTAS = {
    "INSERT": f"SELECT {LEAD_COLUMNS}, false AS moved, 1 AS delta FROM new_rows",
    "DELETE": f"SELECT {LEAD_COLUMNS}, false AS moved, -1 AS delta FROM old_rows",
    "UPDATE": changed(
        LEAD_COLUMNS,
        LEAD_COMPARED,
        "o.source_campaign_id IS DISTINCT FROM n.source_campaign_id AS moved",
    ),
}

CALL_KEYS = "day, campaign_id, user_id"
CALL_MEASURES = ("calls", "connected", "meetings", "voicemail", "no_answer")


def call_measures(outcome: str, delta: str) -> str:
    def when(*outcomes) -> str:
        return f"CASE WHEN {outcome} IN ({codes(*outcomes)}) THEN {delta} ELSE 0 END"

    return (
        f"{delta} AS calls, {when(*CONNECTED_CALL_OUTCOMES)} AS connected, "
        f"{when(MEETING_BOOKED)} AS meetings, {when(CallOutcome.VOICEMAIL)} AS voicemail, "
        f"{when(CallOutcome.NO_ANSWER)} AS no_answer"
    )


TOUCH_KEYS = "day, campaign_id, channel"
TOUCH_MEASURES = ("planned", "done", "skipped")


def touch_rows(touch: str, delta: str) -> str:
    """FROM-clause additions giving a touch's ledger rows: planned on the day it
    was created; done or skipped on the day it was completed."""
    return (
        f"LATERAL (VALUES ({day(f'{touch}.created_at')}, {touch}.channel, {delta}, 0, 0), "
        f"({day(f'{touch}.completed_at')}, {touch}.channel, 0, "
        f"CASE WHEN {touch}.status = 'done' THEN {delta} ELSE 0 END, "
        f"CASE WHEN {touch}.status = 'skipped' THEN {delta} ELSE 0 END)) "
        f"AS t(day, channel, planned, done, skipped) WHERE t.day IS NOT NULL"
    )


EMAIL_KEYS = "day, campaign_id, step_id, variant_id"
EMAIL_MEASURES = ("sent", "opened", "clicked", "replied")


def email_measures(email: str, delta: str) -> str:
    """An outbox email's counts, for one that was sent (the others count nothing)."""

    def when(condition: str) -> str:
        return f"CASE WHEN {email}.status = 'sent' AND {condition} THEN {delta} ELSE 0 END"

    return (
        f"{when('true')} AS sent, {when(f'{email}.opened_at IS NOT NULL')} AS opened, "
        f"{when(f'{email}.clicked_at IS NOT NULL')} AS clicked, "
        f"{when(f'{email}.replied_at IS NOT NULL')} AS replied"
    )


def lead_function(op: str) -> str:
    leads = upsert(
        "reports_leadrollup",
        "day, campaign_id, stage",
        ("leads",),
        f"SELECT {day('created_at')} AS day, source_campaign_id AS campaign_id, stage, "
        "delta AS leads FROM lead_deltas",
    )
    owners = upsert(
        "reports_ownerrollup",
        "owner_id, campaign_id",
        ("leads",),
        "SELECT owner_id, source_campaign_id AS campaign_id, delta AS leads FROM lead_deltas "
        "WHERE owner_id IS NOT NULL",
    )
    moved_calls = upsert(
        "reports_callrollup",
        CALL_KEYS,
        CALL_MEASURES,
        f"SELECT {day('i.occurred_at')} AS day, d.source_campaign_id AS campaign_id, "
        f"i.user_id, {call_measures('i.outcome', 'd.delta')} FROM lead_deltas d "
        "JOIN crm_interaction i ON i.lead_id = d.id AND i.kind = 'call' "
        "WHERE d.moved AND d.source_campaign_id IS NOT NULL",
    )
    moved_touches = upsert(
        "reports_touchrollup",
        TOUCH_KEYS,
        TOUCH_MEASURES,
        "SELECT t.day, d.source_campaign_id AS campaign_id, t.channel, t.planned, t.done, "
        "t.skipped FROM lead_deltas d JOIN followups_touch x ON x.lead_id = d.id, "
        f"{touch_rows('x', 'd.delta')} AND d.moved",
    )
    moved_emails = upsert(
        "reports_emailrollup",
        EMAIL_KEYS,
        EMAIL_MEASURES,
        f"SELECT {day('e.sent_at')} AS day, d.source_campaign_id AS campaign_id, e.step_id, "
        f"e.variant_id, {email_measures('e', 'd.delta')} FROM lead_deltas d "
        "JOIN mailings_outboxemail e ON e.lead_id = d.id "
        "WHERE d.moved AND e.status = 'sent' AND e.sent_at IS NOT NULL",
    )
    # One statement: the deltas are worked out once, then added to each rollup.
    return f"""
CREATE FUNCTION reports_leads_{op.lower()}d() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH lead_deltas AS MATERIALIZED ({LEAD_DELTAS[op]}),
    leads AS ({leads}),
    owners AS ({owners}),
    calls AS ({moved_calls}),
    touches AS ({moved_touches})
    {moved_emails};
    RETURN NULL;
END $$;
"""


# Calls ------------------------------------------------------------------------------

CALL_COLUMNS = "lead_id, kind, occurred_at, user_id, outcome"
# Each call counts for every lead (campaign null) and for its lead's campaign.
EVERY_LEAD_AND_CAMPAIGN = (
    "LATERAL (SELECT NULL::bigint UNION ALL SELECT l.source_campaign_id "
    "WHERE l.source_campaign_id IS NOT NULL) AS c(campaign_id)"
)


def call_function(op: str) -> str:
    calls = upsert(
        "reports_callrollup",
        CALL_KEYS,
        CALL_MEASURES,
        f"SELECT {day('d.occurred_at')} AS day, c.campaign_id, d.user_id, "
        f"{call_measures('d.outcome', 'd.delta')} FROM ({deltas(CALL_COLUMNS)[op]}) d "
        f"LEFT JOIN crm_lead l ON l.id = d.lead_id, {EVERY_LEAD_AND_CAMPAIGN} "
        "WHERE d.kind = 'call'",
    )
    return f"""
CREATE FUNCTION reports_interactions_{op.lower()}d() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {calls};
    RETURN NULL;
END $$;
"""


# Touches ----------------------------------------------------------------------------

TOUCH_COLUMNS = "lead_id, channel, status, created_at, completed_at"


def touch_function(op: str) -> str:
    touches = upsert(
        "reports_touchrollup",
        TOUCH_KEYS,
        TOUCH_MEASURES,
        "SELECT t.day, l.source_campaign_id AS campaign_id, t.channel, t.planned, t.done, "
        f"t.skipped FROM ({deltas(TOUCH_COLUMNS)[op]}) d "
        f"LEFT JOIN crm_lead l ON l.id = d.lead_id, {touch_rows('d', 'd.delta')}",
    )
    return f"""
CREATE FUNCTION reports_touches_{op.lower()}d() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {touches};
    RETURN NULL;
END $$;
"""


# Emails ------------------------------------------------------------------------------

EMAIL_COLUMNS = "lead_id, step_id, variant_id, status, sent_at, opened_at, clicked_at, replied_at"


def email_function(op: str) -> str:
    emails = upsert(
        "reports_emailrollup",
        EMAIL_KEYS,
        EMAIL_MEASURES,
        f"SELECT {day('d.sent_at')} AS day, l.source_campaign_id AS campaign_id, d.step_id, "
        f"d.variant_id, {email_measures('d', 'd.delta')} "
        f"FROM ({deltas(EMAIL_COLUMNS)[op]}) d LEFT JOIN crm_lead l ON l.id = d.lead_id "
        "WHERE d.status = 'sent' AND d.sent_at IS NOT NULL",
    )
    return f"""
CREATE FUNCTION reports_emails_{op.lower()}d() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {emails};
    RETURN NULL;
END $$;
"""


def trigger(table: str, what: str, op: str) -> str:
    transition = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }[op]
    return f"""
CREATE TRIGGER reports_{what}_{op.lower()}d AFTER {op} ON {table}
REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION reports_{what}_{op.lower()}d();
"""


def rebuild() -> str:
    leads = "SELECT *, 1 AS delta FROM crm_lead"
    return f"""
CREATE FUNCTION reports_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE crm_lead, crm_interaction, followups_touch, mailings_outboxemail IN SHARE MODE;
    DELETE FROM reports_leadrollup;
    DELETE FROM reports_ownerrollup;
    DELETE FROM reports_callrollup;
    DELETE FROM reports_touchrollup;
    DELETE FROM reports_emailrollup;
    {upsert("reports_leadrollup", "day, campaign_id, stage", ("leads",),
            f"SELECT {day('created_at')} AS day, source_campaign_id AS campaign_id, stage, "
            f"delta AS leads FROM ({leads}) l")};
    {upsert("reports_ownerrollup", "owner_id, campaign_id", ("leads",),
            "SELECT owner_id, source_campaign_id AS campaign_id, delta AS leads "
            f"FROM ({leads}) l WHERE owner_id IS NOT NULL")};
    {upsert("reports_callrollup", CALL_KEYS, CALL_MEASURES,
            f"SELECT {day('i.occurred_at')} AS day, c.campaign_id, i.user_id, "
            f"{call_measures('i.outcome', '1')} FROM crm_interaction i "
            f"JOIN crm_lead l ON l.id = i.lead_id, {EVERY_LEAD_AND_CAMPAIGN} "
            "WHERE i.kind = 'call'")};
    {upsert("reports_touchrollup", TOUCH_KEYS, TOUCH_MEASURES,
            "SELECT t.day, l.source_campaign_id AS campaign_id, t.channel, t.planned, "
            "t.done, t.skipped FROM followups_touch x JOIN crm_lead l ON l.id = x.lead_id, "
            f"{touch_rows('x', '1')}")};
    {upsert("reports_emailrollup", EMAIL_KEYS, EMAIL_MEASURES,
            f"SELECT {day('e.sent_at')} AS day, l.source_campaign_id AS campaign_id, e.step_id, "
            f"e.variant_id, {email_measures('e', '1')} FROM mailings_outboxemail e "
            "JOIN crm_lead l ON l.id = e.lead_id WHERE e.status = 'sent' AND e.sent_at IS NOT NULL")};
END $$;
"""  # fmt: skip


ROLLUPS = (
    ("reports_leadrollup", "day, campaign_id, stage", ("leads",)),
    ("reports_ownerrollup", "owner_id, campaign_id", ("leads",)),
    ("reports_callrollup", CALL_KEYS, CALL_MEASURES),
    ("reports_touchrollup", TOUCH_KEYS, TOUCH_MEASURES),
    ("reports_emailrollup", EMAIL_KEYS, EMAIL_MEASURES),
)


def compact() -> str:
    statements = ";".join(compact_table(*rollup) for rollup in ROLLUPS)
    return f"""
CREATE FUNCTION reports_rollups_compact() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {statements};
END $$;
"""


TABLES = (
    ("leads", "crm_lead"),
    ("interactions", "crm_interaction"),
    ("touches", "followups_touch"),
    ("emails", "mailings_outboxemail"),
)
FORWARD = [
    *(lead_function(op) for op in OPS),
    *(call_function(op) for op in OPS),
    *(touch_function(op) for op in OPS),
    *(email_function(op) for op in OPS),
    *(trigger(table, what, op) for what, table in TABLES for op in OPS),
    rebuild(),
    compact(),
    "SELECT reports_rollups_rebuild();",
]
BACKWARD = [
    *(f"DROP TRIGGER reports_{what}_{op.lower()}d ON {table};" for what, table in TABLES for op in OPS),
    *(f"DROP FUNCTION reports_{what}_{op.lower()}d();" for what, _ in TABLES for op in OPS),
    "DROP FUNCTION reports_rollups_rebuild();",
    "DROP FUNCTION reports_rollups_compact();",
]  # fmt: skip


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite reads the live tables
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_dashboard_rollups"),
        ("crm", "0020_audit_entries"),
        ("followups", "0013_touch_open_queue_index"),
        ("mailings", "0012_outboxemail_worker_token"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD), elidable=False)]
