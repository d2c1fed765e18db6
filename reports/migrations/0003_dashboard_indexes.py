"""Two partial indexes, PostgreSQL only, for what the dashboard reads live.

An index of the meetings on crm_interaction (meetings, and calls that booked
one), PostgreSQL only, for the dashboard's cadence section: "had this enrolment's
lead a meeting while in the cadence, in the period?" is asked enrolment by
enrolment (mailings.cadences.selectors.meetings_during), and each question was an
index probe on the lead's whole timeline with a heap visit per interaction; on
this partial index (a few per cent of the interactions) it is an index-only
probe. Its predicate is mailings.cadences.selectors.meeting_interactions, as the
planner must see it to use the index.

An index of the done call touches of cadences by completion time, for the cadence
section's calls (they were found by scanning every touch of an enrolment).

Built concurrently: writes go on meanwhile.
"""

from django.db import migrations

CREATE = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_interaction_meeting_idx
ON crm_interaction (lead_id, occurred_at)
WHERE kind = 'meeting'
   OR (kind = 'call' AND (outcome = 'meeting' OR (data -> 'outcome') = '"meeting"'::jsonb))
"""
CREATE_TOUCH = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_touch_cadence_call_idx
ON followups_touch (completed_at)
WHERE channel = 'call' AND status = 'done' AND enrolment_id IS NOT NULL
"""
DROP = "DROP INDEX CONCURRENTLY IF EXISTS reports_interaction_meeting_idx"
DROP_TOUCH = "DROP INDEX CONCURRENTLY IF EXISTS reports_touch_cadence_call_idx"


def run(sql: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("reports", "0002_dashboard_rollup_triggers")]

    operations = [
        migrations.RunPython(run(CREATE), run(DROP), elidable=False),
        migrations.RunPython(run(CREATE_TOUCH), run(DROP_TOUCH), elidable=False),
    ]
