"""Running work in threads whose transactions truly overlap, on PostgreSQL."""

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Model


def run_at_once(work: list[Callable[[], object]], *, model: type[Model]) -> list[object]:
    """Run each function in its own thread and return what each returned (or raised).

    The caller holds a SHARE lock on the model's table while the threads start: each
    may read and lock its rows, but its first write waits until all of them have got
    that far, so none can finish before the others have chosen their rows."""
    results: list[object] = [None] * len(work)

    def run(index: int, function: Callable[[], object]) -> None:
        try:
            results[index] = function()
        except Exception as exc:  # handed back to the test to assert on
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(work)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE MODE")
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while (waiting := _waiting_for_locks(cursor)) < len(work) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert waiting == len(work), "every thread should be waiting to write by now"
    for thread in threads:
        thread.join(timeout=30)
    return results


def _waiting_for_locks(cursor) -> int:
    cursor.execute("SELECT pg_stat_clear_snapshot()")  # else frozen for the transaction
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return cursor.fetchone()[0]
