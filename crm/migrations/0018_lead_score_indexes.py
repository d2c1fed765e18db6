"""The lead list sorted by score, highest or lowest first, reads an index in
order and stops after a page (crm.filters.LEAD_ORDERINGS): (score, id) for a
manager's whole list, (owner, score, id) for a rep's own leads and the owner
filter. Read backwards they serve the other direction. Last activity already
had its indexes (0001); the next touch is a subquery per lead (followups'
touch_lead_idx), not an index order.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0017_lead_search_accents"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["owner", "score", "id"], name="lead_owner_score_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["score", "id"], name="lead_score_idx"),
        ),
    ]
