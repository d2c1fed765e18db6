"""An index of the meetings on crm_interaction (meetings, and calls that booked
one), PostgreSQL only, for the dashboard's cadence section: "had this enrolment's
lead a meeting while in the cadence, in the period?" is asked enrolment by
enrolment (mailings.cadences.selectors.meetings_during), and each question was an
index probe on the lead's whole timeline with a heap visit per interaction; on
this partial index (a few per cent of the interactions) it is an index-only
probe. Its predicate is mailings.cadences.selectors.meeting_interactions, as the
planner must see it to use the index. Built concurrently: writes go on meanwhile.
"""

from django.db import migrations

CREATE = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_interaction_meeting_idx
ON crm_interaction (lead_id, occurred_at)
WHERE kind = 'meeting'
   OR (kind = 'call' AND (outcome = 'meeting' OR (data -> 'outcome') = '"meeting"'::jsonb))
"""
DROP = "DROP INDEX CONCURRENTLY IF EXISTS reports_interaction_meeting_idx"


def run(sql: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("reports", "0002_dashboard_rollup_triggers")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
