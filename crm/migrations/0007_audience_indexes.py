"""What audience rules need on a million leads (measured with bench/audience.py).

interaction_lead_kind_time_idx: a behaviour rule asks, lead by lead, "did this
lead do KIND (in this window)?": EXISTS (... WHERE lead_id = ? AND kind = ?
AND occurred_at < ?). With only the foreign key's index (lead) or the timeline
index (lead, -occurred_at, -id), PostgreSQL reads every interaction of the lead
to find the few of that kind, each on its own page (a lead's interactions
arrive over months); this index goes straight to them. "Visited the booth at
Expo 2026 AND downloaded a white paper before the event" probes 68,565 booth
visitors: 1.25 s to count without it, 0.47 s with it; the first page of
members 1.47 s, 0.70 s. The funnel's and the letters' EXISTS on (lead, kind,
time) use it too.

interaction_campaign_kind_stats (PostgreSQL): a campaign's interactions are
nearly all of one kind, which the planner, taking the two columns as
independent, underestimates 20-fold (2,900 booth visits at Expo 2026 expected,
68,946 found), and so plans the rule's page as if almost nobody matched.

The statistics object is PostgreSQL's own (no model field declares it).
"""

from django.db import migrations, models

STATISTICS = "interaction_campaign_kind_stats"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (dependencies, mcv) "
            "ON campaign_id, kind FROM crm_interaction"
        )


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_scoring_defaults"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="interaction",
            index=models.Index(
                fields=["lead", "kind", "occurred_at"], name="interaction_lead_kind_time_idx"
            ),
        ),
        migrations.RunPython(create_statistics, drop_statistics),
    ]
