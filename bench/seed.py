"""Benchmark: how fast seed_demo fills a database, against the database's own insert speed.

    .venv/bin/python bench/seed.py [--leads 100000] [--postgres]

Each run gets a fresh process and a fresh database, migrated before the clock
starts: a new SQLite file in a temporary directory, or with --postgres a new
database on the server DATABASE_URL points to (dropped afterwards). The
baseline, measured in the same invocation, bulk_creates as many bare leads
(only an email) as the seeder makes leads; a second reference writes them with
the seeder's own writer (executemany on SQLite, COPY on PostgreSQL). A ratio
above 1 is faster than the reference. No Redis needed.
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RUNS = {
    "baseline": "bulk_create of bare leads (email only)",
    "writer": "bare leads through the seeder's writer",
    "seed": "manage.py seed_demo: leads and their interactions",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="Use DATABASE_URL's server.")
    parser.add_argument("--run", choices=RUNS, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.run:
        print(json.dumps(measure(args.run, args.leads)))
        return
    print(f"Seeding benchmark, {args.leads:,} leads")
    print(f"machine: {machine()}")
    results = {name: run_fresh(name, args.leads, args.postgres) for name in RUNS}
    report(results)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return f"{os.cpu_count()} CPUs, {model}, Python {platform.python_version()}"


def run_fresh(name: str, leads: int, postgres: bool) -> dict:
    """One measurement in a child process, on a database nobody used before."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as directory:
        if postgres:
            url, drop = postgres_database(f"crm_bench_{os.getpid()}_{name}")
        else:
            url, drop = f"sqlite:///{directory}/bench.sqlite3", None
        try:
            child = subprocess.run(
                [sys.executable, __file__, "--run", name, "--leads", str(leads)],
                env={**os.environ, "DATABASE_URL": url},
                check=True,
                capture_output=True,
                text=True,
            )
        finally:
            if drop:
                drop()
    return json.loads(child.stdout.strip().splitlines()[-1])


def postgres_database(name: str):
    """Create database `name` on DATABASE_URL's server; return its URL and a dropper.
    BENCH_DATABASE_PREFIX, when set, goes in front of the name (a server shared by
    several people keeps each one's databases apart)."""
    import psycopg

    if prefix := os.environ.get("BENCH_DATABASE_PREFIX"):
        name = f"{prefix}_{name}"

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("--postgres needs DATABASE_URL=postgres://... in the environment")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return urlunsplit(urlsplit(server)._replace(path=f"/{name}")), drop


@contextlib.contextmanager
def fresh_postgres(name: str):
    """A new database `name` (see postgres_database) that DATABASE_URL points at
    while the block runs; afterwards every Django connection to it is closed, the
    variable put back and the database dropped. Yields its URL."""
    url, drop = postgres_database(name)
    server = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        os.environ["DATABASE_URL"] = server
        drop()


def measure(name: str, leads: int) -> dict:
    """In the child: set Django up on the fresh database, migrate, then time one run."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DJANGO_DEBUG"] = "1"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    interactions = {"baseline": bare_leads, "writer": bare_rows, "seed": demo}[name](leads)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "leads": leads,
        "interactions": interactions,
        "database": f"{connection.vendor} {database_version(connection)}",
    }


def bare_leads(leads: int) -> int:
    from django.db import transaction

    from crm.models import Lead

    with transaction.atomic():
        Lead.objects.bulk_create(
            (Lead(email=f"lead{number}@bench.example") for number in range(leads)),
            batch_size=5000,
        )
    return 0


def bare_rows(leads: int) -> int:
    from django.db import transaction

    from crm.bulk import TableWriter
    from crm.models import Lead

    table = TableWriter(Lead, with_pk=False)
    with transaction.atomic():
        for start in range(0, leads, 5000):
            stop = min(leads, start + 5000)
            table.insert(
                [{"email": f"lead{number}@bench.example"} for number in range(start, stop)]
            )
    return 0


def demo(leads: int) -> int:
    from io import StringIO

    from django.core.management import call_command

    from crm.models import Interaction

    call_command("seed_demo", leads=leads, stdout=StringIO())
    return Interaction.objects.count()


def load() -> str:
    """The load average (1, 5, 15 minutes): the machine may be shared."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def server_settings() -> str:
    """The PostgreSQL settings that shape a benchmark's plans."""
    from django.db import connection

    names = ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")
    with connection.cursor() as cursor:
        shown = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name}={cursor.fetchone()[0]}")
    return ", ".join(shown) + " (the server's, unchanged)"


class step:
    """Prints how long the block took, as one line of a benchmark's setup."""

    width = 34

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        if exc[0] is None:
            elapsed = time.perf_counter() - self.started
            print(f"  {self.name:<{self.width}} {elapsed:6.1f} s", flush=True)


def database_version(connection) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def indexes_dropped(tables: list[str]) -> list[str]:
    """Before a bulk load into these PostgreSQL tables: drop their indexes, unique
    and foreign-key constraints (not the primary keys) and return the statements
    that make them again, to run after the load: each index is then built once
    from all the rows and each foreign key checked in one join, instead of both
    row by row. For a database nobody else uses meanwhile."""
    from django.db import connection

    drops: dict[str, list[str]] = {"f": [], "u": [], "i": []}
    made: dict[str, list[str]] = {"f": [], "u": [], "i": []}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'x') ORDER BY conname",
                [table],
            )
            for name, kind, definition in cursor.fetchall():
                kind = "f" if kind == "f" else "u"
                drops[kind].append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                made[kind].append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
                "AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
                [table],
            )
            for name, definition in cursor.fetchall():
                drops["i"].append(f"DROP INDEX {name}")
                made["i"].append(definition)
        # Foreign keys go first and come back last: one may lean on a unique constraint.
        for sql in [*drops["f"], *drops["u"], *drops["i"]]:
            cursor.execute(sql)
    return [*made["i"], *made["u"], *made["f"]]


def report(results: dict) -> None:
    print(f"database: {results['seed']['database']} (a fresh one per run, DEBUG=1)")
    rates = {name: result["leads"] / result["seconds"] for name, result in results.items()}
    for name, result in results.items():
        extra = f" + {result['interactions']:,} interactions" if result["interactions"] else ""
        print(
            f"{name:<12} {RUNS[name]:<51} {result['leads']:,} leads{extra} "
            f"in {result['seconds']:.1f} s = {rates[name]:,.0f} leads/s"
        )
    print(f"ratio        seed / baseline = {rates['seed'] / rates['baseline']:.2f}")
    print(f"             seed / writer = {rates['seed'] / rates['writer']:.2f}")


if __name__ == "__main__":
    main()
