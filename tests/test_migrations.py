from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# crm 0014: free-text outcomes become codes


BEFORE_CODES = [("crm", "0013_interaction_import_lead_idx")]
CODES = [("crm", "0014_outcome_codes")]
# (kind, outcome before 0014, after it)
OUTCOMES = [
    ("call", "Connected: interested", "interested"),  # the queue stored the label
    ("call", "  no ANSWER ", "no_answer"),  # any case, trimmed
    ("call", "Call back at...", "call_back"),
    ("call", "Meeting", "meeting"),  # the code itself, in any case
    ("call", "voicemail", "voicemail"),
    ("call", "Connected", "Connected"),  # no label: kept, shown as it is
    ("call", "", ""),
    ("meeting", "Held", "held"),
    ("meeting", "Meeting booked", "Meeting booked"),  # a call's label, not a meeting's
    ("support_call", "Resolved", "resolved"),
    ("content_download", "Pricing guide", "Pricing guide"),
    ("note", "No answer", "No answer"),  # a note has no outcomes
]


def migrate(targets):
    """The database migrated to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def outcomes(apps) -> list[tuple[str, str]]:
    Interaction = apps.get_model("crm", "Interaction")
    return list(Interaction.objects.order_by("pk").values_list("kind", "outcome"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_free_text_outcomes_that_match_a_label_or_code_of_their_kind_become_codes():
    try:
        apps = migrate(BEFORE_CODES)
        lead = apps.get_model("crm", "Lead").objects.create(email="old@example.com")
        Interaction = apps.get_model("crm", "Interaction")
        for kind, before, _after in OUTCOMES:
            Interaction.objects.create(lead=lead, kind=kind, outcome=before)

        assert outcomes(migrate(CODES)) == [(kind, after) for kind, _before, after in OUTCOMES]
        assert [outcome for _kind, outcome in outcomes(migrate(BEFORE_CODES))] == [
            "Connected: interested",
            "No answer",
            "Call back at…",
            "Meeting booked",
            "Left a voicemail",
            "Connected",
            "",
            "Meeting held",
            "Meeting booked",
            "Resolved",
            "Pricing guide",
            "No answer",
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
