"""The lead search ignores accents (crm.folding): names and companies are
searched as crm_fold(column) LIKE '%' || crm_fold(word) || '%'.

PostgreSQL: the unaccent extension (trusted from PostgreSQL 13, like pg_trgm),
an IMMUTABLE crm_fold(text) wrapping it, and trigram indexes on crm_fold() of
first_name, last_name and company, which replace 0009's UPPER() indexes of
those columns (nothing else asks UPPER(name) LIKE, and every index costs each
lead write). Built CONCURRENTLY, an invalid one from a failed build dropped and
built again, as in 0009. SQLite registers crm_fold on each connection instead:
there the migration does nothing.

bench/lead_search.py on 300,000 leads (2 shared cores, load average 6 to 10):
with these indexes the list's first page and count took 16 to 623 ms per
search (median ratio to no index at all 9.8; "Jose Garcia" as a manager 72 ms,
as a rep 36 ms); without them every search read the table, 0.3 to 13 s, since
crm_fold() runs on each row.
"""

from django.db import migrations

FOLDED = (
    ("lead_first_name_fold_trgm_idx", "first_name"),
    ("lead_last_name_fold_trgm_idx", "last_name"),
    ("lead_company_fold_trgm_idx", "company"),
)
REPLACED = (
    ("lead_first_name_trgm_idx", 'UPPER("first_name"::text) gin_trgm_ops'),
    ("lead_last_name_trgm_idx", 'UPPER("last_name"::text) gin_trgm_ops'),
    ("lead_company_trgm_idx", 'UPPER("company"::text) gin_trgm_ops'),
)


def _execute(schema_editor, sql: str, params=None):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def _create_index(schema_editor, name: str, expression: str) -> None:
    invalid = _execute(
        schema_editor,
        "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
        [name],
    )
    if invalid and invalid[0]:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
    schema_editor.execute(
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "crm_lead" USING gin ({expression})'
    )


def create_fold(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Named with its schema: an index's function must not depend on search_path
    # (pg_dump restores and autovacuum run with another).
    (schema,) = _execute(
        schema_editor,
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'",
    )
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION crm_fold(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
        f"$$ SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$"
    )
    for name, column in FOLDED:
        _create_index(schema_editor, name, f'crm_fold("{column}"::text) gin_trgm_ops')
    for name, _ in REPLACED:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


def drop_fold(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in REPLACED:
        _create_index(schema_editor, name, expression)
    for name, _ in FOLDED:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_fold(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("crm", "0016_lead_address_undeliverable"),
    ]

    operations = [
        migrations.RunPython(create_fold, drop_fold),
    ]
