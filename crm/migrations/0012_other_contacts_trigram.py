"""A trigram index for the lead search over a lead's other emails and phones
(Lead.other_contacts), as 0009 made for the main ones: the search asks
other_contacts__icontains, written UPPER(...) LIKE, beside the other columns'
conditions, so the planner can combine the indexes. PostgreSQL only; built
CONCURRENTLY, and built again if an earlier build left it invalid."""

from django.db import migrations

NAME = "lead_other_contacts_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [NAME]
        )
        invalid = cursor.fetchone()
    if invalid and invalid[0]:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{NAME}"')
    schema_editor.execute(
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{NAME}" ON "crm_lead" '
        'USING gin (UPPER("other_contacts"::text) gin_trgm_ops)'
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("crm", "0011_import_lose_nothing"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
