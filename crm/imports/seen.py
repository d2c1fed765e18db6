"""The leads an import has met so far, each with the booth visit recorded for
them, in a temporary table (SeenLeads): later batches join those visits."""

from collections.abc import Iterable

from django.db import connection

from crm.bulk import batches

SEEN_CHUNK = 2000  # leads looked up a statement (as many as an import's batch has rows)


class SeenLeads:
    """The leads an import has met so far, each with the booth visit it recorded for
    them (None when the lead had one at this event already): a temporary table, so
    that a list of millions costs this process no more memory than one of thousands.
    Gone with the transaction, or dropped when the import ends."""

    TABLE = "crm_import_seen_leads"

    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.TABLE} (lead_id bigint PRIMARY KEY, visit_id bigint)"
            )

    def among(self, lead_ids: Iterable[int]) -> dict[int, int | None]:
        """{lead id: visit id} for those of these leads met before."""
        found = {}
        with connection.cursor() as cursor:
            for chunk in batches(sorted(lead_ids), SEEN_CHUNK):
                if connection.vendor == "postgresql":
                    where, params = "lead_id = ANY(%s::bigint[])", [chunk]
                else:
                    where, params = f"lead_id IN ({', '.join(['%s'] * len(chunk))})", chunk
                cursor.execute(f"SELECT lead_id, visit_id FROM {self.TABLE} WHERE {where}", params)
                found.update(cursor.fetchall())
        return found

    def add(self, visits: dict[int, int | None]) -> None:
        """Note these leads met, with their visits (a visit replaces a None)."""
        upsert = "ON CONFLICT (lead_id) DO UPDATE SET visit_id = excluded.visit_id"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {self.TABLE} (lead_id, visit_id) "
                    f"SELECT * FROM unnest(%s::bigint[], %s::bigint[]) {upsert}",
                    [list(visits), list(visits.values())],
                )
            else:
                cursor.executemany(
                    f"INSERT INTO {self.TABLE} (lead_id, visit_id) VALUES (%s, %s) {upsert}",
                    list(visits.items()),
                )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {self.TABLE}")
