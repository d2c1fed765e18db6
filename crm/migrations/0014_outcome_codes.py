"""Interaction outcomes become codes (crm.outcomes).

Until now an outcome was free text: the call queue stored the label ("Connected:
interested"), people typed whatever they liked. Each interaction whose text is,
trimmed and in any case, a label or a code of its kind's outcomes now stores
the code; any other text stays as it was, and is shown as it is. Backwards,
codes go back to their labels.

The vocabulary is copied here as it was at this migration: a migration must not
change meaning when crm.outcomes changes later.
"""

from django.db import migrations, models

LABELS = {
    "call": {
        "interested": "Connected: interested",
        "not_interested": "Connected: not interested",
        "meeting": "Meeting booked",
        "voicemail": "Left a voicemail",
        "no_answer": "No answer",
        "wrong_number": "Wrong number",
        "do_not_call": "Do not call",
        "call_back": "Call back at…",
    },
    "meeting": {
        "held": "Meeting held",
        "no_show": "No-show",
        "rescheduled": "Rescheduled",
        "cancelled": "Cancelled",
    },
    "support_call": {
        "resolved": "Resolved",
        "unresolved": "Not resolved yet",
        "escalated": "Escalated",
    },
    "email_bounced": {
        "hard": "Hard bounce: the address does not exist",
        "soft": "Soft bounce: mailbox full or server down",
    },
}


def _key(text):
    return text.strip().replace("...", "…").casefold()


def to_codes(apps, schema_editor):
    """One update per distinct matching text: few, whatever the number of rows."""
    Interaction = apps.get_model("crm", "Interaction")
    for kind, labels in LABELS.items():
        codes = {_key(label): code for code, label in labels.items()}
        codes.update({_key(code): code for code in labels})
        rows = Interaction.objects.filter(kind=kind).exclude(outcome="")
        for text in rows.values_list("outcome", flat=True).distinct().order_by():
            code = codes.get(_key(text))
            if code is not None and code != text:
                rows.filter(outcome=text).update(outcome=code)


def to_labels(apps, schema_editor):
    Interaction = apps.get_model("crm", "Interaction")
    for kind, labels in LABELS.items():
        for code, label in labels.items():
            Interaction.objects.filter(kind=kind, outcome=code).update(outcome=label)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0013_interaction_import_lead_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="interaction",
            name="outcome",
            field=models.CharField(
                blank=True,
                help_text="One of the kind's outcome codes (crm.outcomes); older free text kept as is.",
                max_length=100,
            ),
        ),
        migrations.RunPython(to_codes, to_labels),
    ]
