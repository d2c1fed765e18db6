"""Benchmark: the lead list's keyset pagination against OFFSET pagination.

    .venv/bin/python bench/lead_list.py [--leads 100000] [--repeat 20]

Seeds a fresh SQLite database (or DATABASE_URL's PostgreSQL with --postgres, in
a new database dropped afterwards) with demo leads, then times fetching one
page of 50 at several depths, as a manager sees the list (latest activity
first): with crm.pagination.keyset_paginate, and, as the baseline in the same
run, with Django's Paginator (OFFSET plus a full COUNT). Prints both and the
ratio baseline / keyset (above 1: keyset is faster).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (psycopg uses it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from seed import ROOT, machine, postgres_database  # noqa: E402

PAGE_SIZE = 50
DEPTHS = (1, 100, 1000)  # page numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true", help="Use DATABASE_URL's server.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as directory:
        if args.postgres:
            url, drop = postgres_database(f"crm_bench_list_{os.getpid()}")
        else:
            url, drop = f"sqlite:///{directory}/bench.sqlite3", None
        os.environ["DATABASE_URL"] = url
        try:
            run(args.leads, args.repeat)
        finally:
            if drop:
                from django.db import connections

                connections.close_all()
                drop()


def run(leads: int, repeat: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DJANGO_DEBUG"] = "1"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", leads=leads, reps=5, seed=1, stdout=quiet)
    print(f"Lead list pagination, {leads:,} leads, pages of {PAGE_SIZE}, best of {repeat}")
    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}")
    for page_number in DEPTHS:
        keyset = best_of(repeat, keyset_page(page_number))
        offset = best_of(repeat, offset_page(page_number))
        print(
            f"page {page_number:>5,}   keyset {keyset * 1000:7.1f} ms   "
            f"offset+count (baseline) {offset * 1000:7.1f} ms   ratio {offset / keyset:5.1f}"
        )


def manager_leads():
    from crm.filters import LEAD_ORDERINGS
    from crm.models import User
    from crm.selectors import leads_visible_to

    manager = User.objects.get(username="manager")
    leads = leads_visible_to(manager).select_related("owner", "source_campaign")
    return leads, LEAD_ORDERINGS["activity"]


def keyset_page(page_number: int):
    from crm.pagination import keyset_paginate

    leads, ordering = manager_leads()
    # The cursor a user reaches by clicking "Next" page_number - 1 times.
    offset = (page_number - 1) * PAGE_SIZE
    after = leads.order_by(*ordering).values_list("pk", flat=True)[offset - 1] if offset else None
    return lambda: keyset_paginate(leads, ordering=ordering, after=after, size=PAGE_SIZE).items


def offset_page(page_number: int):
    from django.core.paginator import Paginator

    leads, ordering = manager_leads()
    return lambda: list(Paginator(leads.order_by(*ordering), PAGE_SIZE).page(page_number))


def best_of(repeat: int, fetch) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        page = fetch()
        timings.append(time.perf_counter() - started)
        assert len(page) == PAGE_SIZE
    return min(timings)


if __name__ == "__main__":
    main()
