"""Triggers that keep the dashboard's rollups (reports.models) current, PostgreSQL
only, and the rollups built from the data already there.

Statement-level triggers with transition tables: a statement that writes a
million leads (COPY, INSERT ... SELECT, a queryset update) adds one grouped
upsert per rollup, not a million; an update that changes none of the counted
columns (a score, a name) adds nothing. Days are UTC days. The upserts go in key
order, so two writers lock shared rollup rows in the same order (no deadlock).

What each trigger counts:
- crm_lead: leads per (day created, source campaign, stage) and per (owner,
  source campaign); a lead whose source campaign changes moves its calls between
  campaigns.
- crm_interaction: calls per (day, campaign, person, outcome), the campaign being
  the lead's source campaign at the time of the write (leads are deleted after
  their interactions: Django's collector does so, and the foreign key forbids
  the other order at commit).

reports_rollups_rebuild() counts everything again from the tables (here, and for
whoever loads data with the triggers disabled); it locks the counted tables
against writes meanwhile.
"""

from django.db import migrations

DAY = "(({column}) AT TIME ZONE 'UTC')::date"


def upsert(table: str, keys: str, measure: str, select: str) -> str:
    """Adds the grouped deltas of `select` (its columns: keys..., delta) to `table`."""
    return f"""
    INSERT INTO {table} AS r ({keys}, {measure})
    SELECT {keys}, sum(delta) FROM ({select}) AS deltas
    GROUP BY {keys} HAVING sum(delta) <> 0 ORDER BY {keys}
    ON CONFLICT ({keys}) DO UPDATE SET {measure} = r.{measure} + excluded.{measure}"""


LEAD_COLUMNS = "id, created_at, stage, source_campaign_id, owner_id"
# (lead columns..., delta, moved): moved when the source campaign changed.
LEAD_DELTAS = {
    "INSERT": f"SELECT {LEAD_COLUMNS}, 1 AS delta, false AS moved FROM new_rows",
    "DELETE": f"SELECT {LEAD_COLUMNS}, -1 AS delta, false AS moved FROM old_rows",
    "UPDATE": f"""
        SELECT d.* FROM old_rows o JOIN new_rows n USING (id),
        LATERAL (VALUES
            (o.id, o.created_at, o.stage, o.source_campaign_id, o.owner_id, -1,
             o.source_campaign_id IS DISTINCT FROM n.source_campaign_id),
            (n.id, n.created_at, n.stage, n.source_campaign_id, n.owner_id, 1,
             o.source_campaign_id IS DISTINCT FROM n.source_campaign_id)
        ) AS d({LEAD_COLUMNS}, delta, moved)
        WHERE (o.created_at, o.stage, o.source_campaign_id, o.owner_id)
            IS DISTINCT FROM (n.created_at, n.stage, n.source_campaign_id, n.owner_id)""",
}


def lead_function(op: str) -> str:
    leads = upsert(
        "reports_leadrollup",
        "day, campaign_id, stage",
        "leads",
        f"SELECT {DAY.format(column='created_at')} AS day, source_campaign_id AS campaign_id, "
        "stage, delta FROM lead_deltas",
    )
    owners = upsert(
        "reports_ownerrollup",
        "owner_id, campaign_id",
        "leads",
        "SELECT owner_id, source_campaign_id AS campaign_id, delta FROM lead_deltas "
        "WHERE owner_id IS NOT NULL",
    )
    moved_calls = upsert(
        "reports_callrollup",
        "day, campaign_id, user_id, outcome",
        "calls",
        f"SELECT {DAY.format(column='i.occurred_at')} AS day, d.source_campaign_id AS "
        "campaign_id, i.user_id, i.outcome, d.delta FROM lead_deltas d "
        "JOIN crm_interaction i ON i.lead_id = d.id AND i.kind = 'call' "
        "WHERE d.moved AND d.source_campaign_id IS NOT NULL",
    )
    # One statement: the deltas are worked out once, then added to each rollup.
    return f"""
CREATE FUNCTION reports_leads_{op.lower()}d() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH lead_deltas AS MATERIALIZED ({LEAD_DELTAS[op]}),
    leads AS ({leads}),
    owners AS ({owners})
    {moved_calls};
    RETURN NULL;
END $$;
"""


CALL_COLUMNS = "lead_id, kind, occurred_at, user_id, outcome"
CALL_DELTAS = {
    "INSERT": f"SELECT {CALL_COLUMNS}, 1 AS delta FROM new_rows WHERE kind = 'call'",
    "DELETE": f"SELECT {CALL_COLUMNS}, -1 AS delta FROM old_rows WHERE kind = 'call'",
    "UPDATE": f"""
        SELECT d.* FROM old_rows o JOIN new_rows n USING (id),
        LATERAL (VALUES
            (o.lead_id, o.kind, o.occurred_at, o.user_id, o.outcome, -1),
            (n.lead_id, n.kind, n.occurred_at, n.user_id, n.outcome, 1)
        ) AS d({CALL_COLUMNS}, delta)
        WHERE d.kind = 'call'
          AND (o.lead_id, o.kind, o.occurred_at, o.user_id, o.outcome)
            IS DISTINCT FROM (n.lead_id, n.kind, n.occurred_at, n.user_id, n.outcome)""",
}


def call_function(op: str) -> str:
    # Each call counts for every lead (campaign null) and for its lead's campaign.
    calls = upsert(
        "reports_callrollup",
        "day, campaign_id, user_id, outcome",
        "calls",
        f"SELECT {DAY.format(column='d.occurred_at')} AS day, c.campaign_id, d.user_id, "
        f"d.outcome, d.delta FROM ({CALL_DELTAS[op]}) d "
        "LEFT JOIN crm_lead l ON l.id = d.lead_id, "
        "LATERAL (SELECT NULL::bigint UNION ALL SELECT l.source_campaign_id "
        "WHERE l.source_campaign_id IS NOT NULL) AS c(campaign_id)",
    )
    return f"""
CREATE FUNCTION reports_interactions_{op.lower()}d() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {calls};
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


REBUILD = """
CREATE FUNCTION reports_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE crm_lead, crm_interaction IN SHARE MODE;
    DELETE FROM reports_leadrollup;
    DELETE FROM reports_ownerrollup;
    DELETE FROM reports_callrollup;
    INSERT INTO reports_leadrollup (day, campaign_id, stage, leads)
    SELECT (created_at AT TIME ZONE 'UTC')::date, source_campaign_id, stage, count(*)
    FROM crm_lead GROUP BY 1, 2, 3;
    INSERT INTO reports_ownerrollup (owner_id, campaign_id, leads)
    SELECT owner_id, source_campaign_id, count(*) FROM crm_lead
    WHERE owner_id IS NOT NULL GROUP BY 1, 2;
    INSERT INTO reports_callrollup (day, campaign_id, user_id, outcome, calls)
    SELECT (i.occurred_at AT TIME ZONE 'UTC')::date, c.campaign_id, i.user_id, i.outcome,
           count(*)
    FROM crm_interaction i JOIN crm_lead l ON l.id = i.lead_id,
    LATERAL (SELECT NULL::bigint UNION ALL SELECT l.source_campaign_id
             WHERE l.source_campaign_id IS NOT NULL) AS c(campaign_id)
    WHERE i.kind = 'call' GROUP BY 1, 2, 3, 4;
END $$;
"""

OPS = ("INSERT", "UPDATE", "DELETE")
FORWARD = [
    *(lead_function(op) for op in OPS),
    *(call_function(op) for op in OPS),
    *(trigger("crm_lead", "leads", op) for op in OPS),
    *(trigger("crm_interaction", "interactions", op) for op in OPS),
    REBUILD,
    "SELECT reports_rollups_rebuild();",
]
BACKWARD = [
    *(f"DROP TRIGGER reports_{what}_{op.lower()}d ON {table};" for what, table in (
        ("leads", "crm_lead"), ("interactions", "crm_interaction")) for op in OPS),
    *(f"DROP FUNCTION reports_{what}_{op.lower()}d();" for what in ("leads", "interactions")
      for op in OPS),
    "DROP FUNCTION reports_rollups_rebuild();",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite reads the live tables
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_dashboard_rollups"), ("crm", "0020_audit_entries")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD), elidable=False)]
