"""RQ entry points for reports: the rollups' periodic upkeep."""

import datetime as dt

from django.db import connection


def rollups_compact(now: str) -> None:
    """The periodic task: each rollup key's appended rows folded into one (see
    reports/migrations/0002_dashboard_rollup_triggers and 0005_cadence_rollups).
    Safe to run twice or late: readers sum a key's rows, so folding changes no
    number."""
    del now  # what is due does not depend on the time
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reports_rollups_compact()")
            cursor.execute("SELECT reports_cadencerollup_compact()")


COMPACT_EVERY = dt.timedelta(minutes=10)
