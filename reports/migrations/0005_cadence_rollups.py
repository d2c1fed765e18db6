"""The cadence section's unsubscribes and calls as a daily rollup
(reports.models.CadenceRollup), kept current on PostgreSQL by statement-level
triggers as 0002_dashboard_rollup_triggers keeps the others (append a grouped row
of differences per statement; readers sum; reports_cadencerollup_compact()
folds), so the section reads no enrolment or touch table for them.

What the triggers count, per (UTC day, lead's source campaign, cadence):
- followups_enrolment: enrolments exited by an unsubscribe, on the day they
  ended (the reason followups.cadences.triggers gives them as of this migration);
- followups_touch: call touches of an enrolment done, on the day completed;
- crm_lead (updates): a lead whose source campaign changes moves both.
Leads are deleted after their enrolments and touches, and enrolments after
their touches (Django's collector does so; the foreign keys forbid the other
order at commit), so a deleted row still finds its lead and cadence.

New functions and triggers only: 0002's are left as they are.
reports_cadencerollup_rebuild() counts the rollup again from the tables.

And the time indexes the pieces of days a time zone cuts are read with (one
query a section over every piece; reports.selectors.rollups): leads by creation,
touches by creation and by completion, sent emails by sending, enrolments ended
by an exit. Without them each such query scanned its whole table (a Berlin
manager's funnel: 166 ms at 250,000 leads for a few hours of leads). Built
concurrently, so writes go on meanwhile (the migration is not atomic; the
rollup and its triggers are made in one transaction of their own).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

from followups.cadences.models import ExitCondition
from followups.cadences.triggers import exit_reason

# The SQL builders of 0002 (a module name Python cannot import by statement).
rollups = importlib.import_module("reports.migrations.0002_dashboard_rollup_triggers")
day, deltas, upsert, compact_table = (
    rollups.day,
    rollups.deltas,
    rollups.upsert,
    rollups.compact_table,
)

TABLE = "reports_cadencerollup"
KEYS = "day, campaign_id, cadence_id"
MEASURES = ("unsubscribed", "calls")
UNSUBSCRIBED = exit_reason(ExitCondition.UNSUBSCRIBED).replace("'", "''")


def unsubscribes(enrolments: str, campaign: str, delta: str) -> str:
    """Rows (KEYS, MEASURES) of `enrolments` (an alias e) exited by an unsubscribe."""
    return (
        f"SELECT {day('e.ended_at')} AS day, {campaign} AS campaign_id, e.cadence_id, "
        f"{delta} AS unsubscribed, 0 AS calls FROM {enrolments} "
        f"WHERE e.status = 'exited' AND e.exit_reason = '{UNSUBSCRIBED}' "
        "AND e.ended_at IS NOT NULL"
    )


def calls(touches: str, campaign: str, delta: str, enrolments="followups_enrolment") -> str:
    """Rows (KEYS, MEASURES) of `touches` (an alias t) that are done calls of an
    enrolment (of `enrolments`, joined as e)."""
    return (
        f"SELECT {day('t.completed_at')} AS day, {campaign} AS campaign_id, e.cadence_id, "
        f"0 AS unsubscribed, {delta} AS calls FROM {touches} "
        f"JOIN {enrolments} e ON e.id = t.enrolment_id "
        "WHERE t.channel = 'call' AND t.status = 'done' AND t.completed_at IS NOT NULL"
    )


ENROLMENT_COLUMNS = "id, lead_id, cadence_id, status, exit_reason, ended_at"
TOUCH_COLUMNS = "id, lead_id, enrolment_id, channel, status, completed_at"


def function(name: str, select: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert(TABLE, KEYS, MEASURES, select)};
    RETURN NULL;
END $$;
"""


# An enrolment's touches are counted by the touches' triggers while it exists.
# Touch.enrolment is nullable, so Django's collector may delete an enrolment before
# its touches (the constraint is checked at commit): an enrolment that goes takes
# the calls of the touches still pointing at it (their own trigger then finds no
# enrolment), and one that comes brings those of touches written before it (a COPY
# on another connection).
TOUCHES_OF = {
    "INSERT": ("new_rows", "1"),
    "DELETE": ("old_rows", "-1"),
}


def enrolment_function(op: str) -> str:
    enrolments = f"({deltas(ENROLMENT_COLUMNS)[op]}) e LEFT JOIN crm_lead l ON l.id = e.lead_id"
    counted = unsubscribes(enrolments, "l.source_campaign_id", "e.delta")
    if op in TOUCHES_OF:
        rows, delta = TOUCHES_OF[op]
        touches = "followups_touch t LEFT JOIN crm_lead l ON l.id = t.lead_id"
        counted += " UNION ALL " + calls(touches, "l.source_campaign_id", delta, rows)
    return function(f"reports_cadence_enrolments_{op.lower()}d", counted)


def touch_function(op: str) -> str:
    touches = f"({deltas(TOUCH_COLUMNS)[op]}) t LEFT JOIN crm_lead l ON l.id = t.lead_id"
    return function(
        f"reports_cadence_touches_{op.lower()}d",
        calls(touches, "l.source_campaign_id", "t.delta"),
    )


# A lead whose source campaign changed: its rows leave the old campaign (-1) and
# join the new one (+1).
MOVED = """(
    SELECT n.id, m.campaign_id, m.delta FROM old_rows o JOIN new_rows n USING (id),
    LATERAL (VALUES (o.source_campaign_id, -1), (n.source_campaign_id, 1)) AS m(campaign_id, delta)
    WHERE o.source_campaign_id IS DISTINCT FROM n.source_campaign_id
) AS d"""


def lead_function() -> str:
    moved = (
        unsubscribes(
            f"{MOVED} JOIN followups_enrolment e ON e.lead_id = d.id", "d.campaign_id", "d.delta"
        )
        + " UNION ALL "
        + calls(f"{MOVED} JOIN followups_touch t ON t.lead_id = d.id", "d.campaign_id", "d.delta")
    )
    return function("reports_cadence_leads_updated", moved)


def trigger(table: str, name: str, op: str) -> str:
    transition = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }[op]
    return f"""
CREATE TRIGGER {name} AFTER {op} ON {table}
REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def rebuild() -> str:
    enrolments = "followups_enrolment e JOIN crm_lead l ON l.id = e.lead_id"
    touches = "followups_touch t JOIN crm_lead l ON l.id = t.lead_id"
    counted = (
        unsubscribes(enrolments, "l.source_campaign_id", "1")
        + " UNION ALL "
        + calls(touches, "l.source_campaign_id", "1")
    )
    return f"""
CREATE FUNCTION reports_cadencerollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE crm_lead, followups_enrolment, followups_touch IN SHARE MODE;
    DELETE FROM {TABLE};
    {upsert(TABLE, KEYS, MEASURES, counted)};
END $$;
"""


def compact() -> str:
    return f"""
CREATE FUNCTION reports_cadencerollup_compact() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {compact_table(TABLE, KEYS, MEASURES)};
END $$;
"""


INDEXES = {
    "reports_lead_created_idx": "crm_lead (created_at)",
    "reports_touch_created_idx": "followups_touch (created_at)",
    "reports_touch_completed_idx": "followups_touch (completed_at) WHERE completed_at IS NOT NULL",
    "reports_email_sent_idx": "mailings_outboxemail (sent_at) WHERE status = 'sent'",
    "reports_enrolment_exited_idx": "followups_enrolment (ended_at) WHERE status = 'exited'",
}


def index(name: str) -> tuple[str, str]:
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {INDEXES[name]}",
        f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


OPS = ("INSERT", "UPDATE", "DELETE")
TRIGGERS = [
    *(("followups_enrolment", f"reports_cadence_enrolments_{op.lower()}d", op) for op in OPS),
    *(("followups_touch", f"reports_cadence_touches_{op.lower()}d", op) for op in OPS),
    ("crm_lead", "reports_cadence_leads_updated", "UPDATE"),
]
FORWARD = [
    *(enrolment_function(op) for op in OPS),
    *(touch_function(op) for op in OPS),
    lead_function(),
    *(trigger(*spec) for spec in TRIGGERS),
    rebuild(),
    compact(),
    "SELECT reports_cadencerollup_rebuild();",
]
BACKWARD = [
    *(f"DROP TRIGGER {name} ON {table};" for table, name, _ in TRIGGERS),
    *(f"DROP FUNCTION {name}();" for _, name, _ in TRIGGERS),
    "DROP FUNCTION reports_cadencerollup_rebuild();",
    "DROP FUNCTION reports_cadencerollup_compact();",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite reads the live tables
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction
    dependencies = [
        ("crm", "0022_ad_destinations_for_cadences"),
        ("followups", "0014_cadence_ads_steps"),
        ("reports", "0004_rollup_triggers_cheaper"),
    ]

    operations = [
        migrations.CreateModel(
            name="CadenceRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("unsubscribed", models.BigIntegerField()),
                ("calls", models.BigIntegerField()),
                (
                    "cadence",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="followups.cadence",
                    ),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="crm.campaign",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["day", "campaign", "cadence"], name="reports_cadencerollup_key"
                    )
                ],
            },
        ),
        migrations.RunPython(run(FORWARD), run(BACKWARD), atomic=True, elidable=False),
        *(
            migrations.RunPython(run([create]), run([drop]), elidable=False)
            for create, drop in map(index, INDEXES)
        ),
    ]
