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

# The SQL builders of 0002 and 0004 (module names Python cannot import by statement).
rollups = importlib.import_module("reports.migrations.0002_dashboard_rollup_triggers")
cheaper = importlib.import_module("reports.migrations.0004_rollup_triggers_cheaper")
campaign_of, function, planned_now = cheaper.campaign_of, cheaper.function, cheaper.planned_now
day, upsert, compact_table, run = rollups.day, rollups.upsert, rollups.compact_table, rollups.run

TABLE = "reports_cadencerollup"
KEYS = "day, campaign_id, cadence_id"
MEASURES = ("unsubscribed", "calls")
UNSUBSCRIBED = exit_reason(ExitCondition.UNSUBSCRIBED).replace("'", "''")


def unsubscribes(enrolments: str, campaign: str, delta: str) -> str:
    """Rows (KEYS, MEASURES) of `enrolments` (an alias e) exited by an unsubscribe."""
    return (
        f"SELECT {day('e.ended_at')} AS day, {campaign} AS campaign_id, e.cadence_id, "
        f"{delta} AS unsubscribed, 0 AS calls FROM {enrolments} WHERE {unsubscribed('e')}"
    )


def calls(touches: str, campaign: str, delta: str, enrolments="followups_enrolment") -> str:
    """Rows (KEYS, MEASURES) of `touches` (an alias t) that are done calls of an
    enrolment (of `enrolments`, joined as e)."""
    return (
        f"SELECT {day('t.completed_at')} AS day, {campaign} AS campaign_id, e.cadence_id, "
        f"0 AS unsubscribed, {delta} AS calls FROM {touches} "
        f"JOIN {enrolments} e ON e.id = t.enrolment_id WHERE {done_call('t')}"
    )


def unsubscribed(row: str) -> str:
    """Whether the enrolment `row` exited by an unsubscribe."""
    return (
        f"{row}.status = 'exited' AND {row}.exit_reason = '{UNSUBSCRIBED}' "
        f"AND {row}.ended_at IS NOT NULL"
    )


def done_call(row: str) -> str:
    """Whether the touch `row` is a call that was made."""
    return f"{row}.channel = 'call' AND {row}.status = 'done' AND {row}.completed_at IS NOT NULL"


ENROLMENT_COLUMNS = "id, lead_id, cadence_id, status, exit_reason, ended_at"
# What the rollup reads of a row: an update that changes none of it adds nothing.
ENROLMENT_COUNTED = (
    "r.lead_id",
    "r.cadence_id",
    unsubscribed("r"),
    day("r.ended_at"),
)
TOUCH_COLUMNS = "id, lead_id, enrolment_id, channel, status, completed_at"
TOUCH_COUNTED = ("r.lead_id", "r.enrolment_id", done_call("r"), day("r.completed_at"))

# The triggers are written as 0004 writes 0002's: each statement run with EXECUTE,
# planned for the call's transition tables (cheaper.function); a row's campaign
# read with one index probe (cheaper.campaign_of), not a join the planner makes a
# hash of every lead with; an update counting only the rows whose counted columns
# changed (cheaper.deltas).

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
    rows = cheaper.deltas(ENROLMENT_COLUMNS, ENROLMENT_COUNTED, unsubscribed("r"))[op]
    counted = unsubscribes(f"({rows}) e", campaign_of("e.lead_id"), "e.delta")
    if op in TOUCHES_OF:
        enrolments, delta = TOUCHES_OF[op]
        touches = calls("followups_touch t", campaign_of("t.lead_id"), delta, enrolments)
        counted += " UNION ALL " + touches
    name = f"reports_cadence_enrolments_{op.lower()}d"
    return function(name, upsert(TABLE, KEYS, MEASURES, counted))


def touch_function(op: str) -> str:
    done_calls = f"{done_call('r')} AND r.enrolment_id IS NOT NULL"
    rows = cheaper.deltas(TOUCH_COLUMNS, TOUCH_COUNTED, done_calls)[op]
    counted = calls(f"({rows}) t", campaign_of("t.lead_id"), "t.delta")
    name = f"reports_cadence_touches_{op.lower()}d"
    return function(name, upsert(TABLE, KEYS, MEASURES, counted))


# A lead whose source campaign changed: its rows leave the old campaign (-1) and
# join the new one (+1). Most updates of leads (a score, an owner, a stage) move
# none, so whether any moved is asked first.
MOVED = """(
    SELECT n.id, m.campaign_id, m.delta FROM old_rows o JOIN new_rows n USING (id),
    LATERAL (VALUES (o.source_campaign_id, -1), (n.source_campaign_id, 1)) AS m(campaign_id, delta)
    WHERE o.source_campaign_id IS DISTINCT FROM n.source_campaign_id
) AS d"""
# Asked without joining the two: an EXISTS over their join was planned as a nested
# loop (each old row against every new one: 2 s for 5,000 leads), a set difference
# is one hash.
ANY_MOVED = (
    "SELECT EXISTS (SELECT id, source_campaign_id FROM old_rows "
    "EXCEPT SELECT id, source_campaign_id FROM new_rows)"
)


def lead_function() -> str:
    moved = (
        unsubscribes(
            f"{MOVED} JOIN followups_enrolment e ON e.lead_id = d.id", "d.campaign_id", "d.delta"
        )
        + " UNION ALL "
        + calls(f"{MOVED} JOIN followups_touch t ON t.lead_id = d.id", "d.campaign_id", "d.delta")
    )
    body = f"""{planned_now(ANY_MOVED, into="any_moved")};
    IF any_moved THEN
        {planned_now(upsert(TABLE, KEYS, MEASURES, moved))};
    END IF"""
    return function("reports_cadence_leads_updated", body, declare="DECLARE any_moved boolean;\n")


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
