"""Trigram indexes for the lead search (crm.selectors.lead_search), PostgreSQL only.

The search asks, per word, first_name / last_name / email / company
__icontains and, for 4+ digits, phone__icontains: a LIKE '%word%' that a B-tree
cannot serve, so on a million leads every search read the whole table. A GIN
index with pg_trgm's gin_trgm_ops serves LIKE with any wildcards, but only
when its expression is the one in the query. Django writes icontains as
UPPER("crm_lead"."first_name"::text) LIKE UPPER('%word%'), so the indexes are
on UPPER(col::text), the phone's too (lead_search asks phone__icontains).
tests/crm/test_lead_search.py checks with EXPLAIN that each is used,
and bench/lead_search.py measures them on a million leads.

pg_trgm is a trusted extension from PostgreSQL 13: the database's owner may
create it. The indexes are built CONCURRENTLY (hence atomic = False), so
leads keep being written while a big table is indexed; a build that failed
half-way leaves an invalid index, which the next run drops and builds again.
Going back drops the indexes and leaves the extension, which other objects
may use. SQLite has no pg_trgm: there the migration does nothing.
"""

from django.db import migrations

INDEXES = (
    ("lead_first_name_trgm_idx", 'UPPER("first_name"::text) gin_trgm_ops'),
    ("lead_last_name_trgm_idx", 'UPPER("last_name"::text) gin_trgm_ops'),
    ("lead_email_trgm_idx", 'UPPER("email"::text) gin_trgm_ops'),
    ("lead_company_trgm_idx", 'UPPER("company"::text) gin_trgm_ops'),
    # On UPPER() like the others, though digits have no case: an index on the bare
    # column also answers phone = ANY(...) (pg_trgm serves equality), and the
    # planner then took it over the B-tree for the imports' and the API's phone
    # matching, five times slower. lead_search asks phone__icontains to match it.
    ("lead_phone_trgm_idx", 'UPPER("phone"::text) gin_trgm_ops'),
)


def create_sql(name: str, expression: str, *, concurrently: bool = True) -> str:
    how = "CONCURRENTLY " if concurrently else ""
    return f'CREATE INDEX {how}IF NOT EXISTS "{name}" ON "crm_lead" USING gin ({expression})'


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name]
            )
            invalid = cursor.fetchone()
        if invalid and invalid[0]:
            schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        schema_editor.execute(create_sql(name, expression))


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("crm", "0008_visitor_site_seen_index"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
