"""Benchmark: importing a booth list against a plain bulk insert of the same rows.

    .venv/bin/python bench/import_booth.py [--rows 100000] [--postgres]

One fresh database (a new SQLite file, or with --postgres a new database on
DATABASE_URL's server, dropped afterwards) is seeded with demo leads; then a
booth list of --rows rows is written as CSV and XLSX: half of its people are
already in the database (emails in other cases, phones in national formats
with dots, dashes, brackets, extensions, or stored as numbers), the other half
new, and about 1% unusable. On that same database, each in its own process:

  baseline   csv module + phonenumbers + bulk_create of the rows, no dedupe
             (conflicting emails skipped; rolled back)
  xlsx       manage.py import_leads --dry-run on the XLSX (rolled back, so it
             meets the same database as the CSV run)
  csv        manage.py import_leads on the CSV (committed)

Prints rows/s, each process's peak memory and CPU time (the import's child
process, which reads and cleans the rows, apart), and the ratios. Goals on PostgreSQL
(issue 17): import/baseline >= 1.0, peak memory < 250 MB and flat as the list
grows (--rows 1000000 shows it: the lists are written a row at a time and read
as they go), XLSX >= 0.7 of the CSV rate.
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (psycopg uses it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from seed import ROOT, machine, postgres_database  # noqa: E402

RUNS = ("baseline", "xlsx", "csv")  # xlsx is a dry run: it meets the same database as csv
HEADER = ["Email", "Full Name", "Company", "Job Title", "Cell Phone", "Country", "Notes", "Rating"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="Use DATABASE_URL's server.")
    parser.add_argument("--run", choices=("prepare", *RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(child(args.run, args.rows, Path(args.dir))), flush=True)
        # The import's follow-up jobs (next touches, cadences, scores) run on this
        # process's job thread, as on a worker beside it in production: they are
        # not what is measured, and the database is dropped afterwards.
        os._exit(0)
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as directory:
        if args.postgres:
            url, drop = postgres_database(f"crm_bench_import_{os.getpid()}")
        else:
            url, drop = f"sqlite:///{directory}/bench.sqlite3", None
        try:
            measure_all(args.rows, Path(directory), url)
        finally:
            if drop:
                drop()


def measure_all(rows: int, directory: Path, url: str) -> None:
    prepared = run_child("prepare", rows, directory, url)
    print(f"Booth-list import benchmark, {rows:,} rows ({prepared['existing']:,} known people)")
    print(f"machine: {machine()}")
    print(f"database: {prepared['database']}, {prepared['leads']:,} leads before the import")
    results = {}
    for name in RUNS:
        vacuum(url)
        results[name] = run_child(name, rows, directory, url)
    for name, result in results.items():
        rate = rows / result["seconds"]
        print(
            f"{name:<9} {rows:,} rows in {result['seconds']:6.1f} s = {rate:8,.0f} rows/s   "
            f"peak memory {result['peak_mb']:.0f} MB   {result.get('summary', '')}"
        )
        print(
            f"{'':<9} CPU {result['cpu']:.1f} s in the process, "
            f"{result['children_cpu']:.1f} s in its children "
            f"(peak memory {result['children_peak_mb']:.0f} MB)"
        )
    rate = {name: rows / result["seconds"] for name, result in results.items()}
    print(f"ratio     import (csv) / baseline = {rate['csv'] / rate['baseline']:.2f}")
    print(f"          xlsx / csv = {rate['xlsx'] / rate['csv']:.2f}")


def vacuum(url: str) -> None:
    """On PostgreSQL, VACUUM ANALYZE the tables an import writes before each run,
    as autovacuum would between two imports: each run before it rolled back 100,000
    inserted leads, whose dead rows (and the trigram indexes' pending entries) the
    next run would otherwise clean up on its own time."""
    if not url.startswith("postgres"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE crm_lead, crm_interaction")


def run_child(name: str, rows: int, directory: Path, url: str) -> dict:
    # A list of a million rows is larger than the uploads a server takes by default.
    limits = {"IMPORT_MAX_BYTES": str(2**31), "IMPORT_MAX_UNPACKED_BYTES": str(2**32)}
    child_process = subprocess.run(
        [sys.executable, __file__, "--run", name, "--rows", str(rows), "--dir", str(directory)],
        env={**os.environ, **limits, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(child_process.stdout.strip().splitlines()[-1])


def child(name: str, rows: int, directory: Path) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("SITE_URL", "https://crm.example.com")  # production settings want it
    # As with RQ in production, the follow-up job an import queues runs beside it,
    # not inside the command being timed.
    os.environ["JOBS_MODE"] = "thread"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if name == "prepare":
        return prepare(rows, directory)
    started, cpu = time.perf_counter(), cpu_seconds()
    summary = {"baseline": baseline, "csv": import_csv, "xlsx": import_xlsx}[name](directory)
    seconds = time.perf_counter() - started
    used = {who: cpu_seconds()[who] - cpu[who] for who in cpu}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The import reads and cleans rows in a child process of its own: its CPU and
    # peak memory are reported beside the writing process's (0 for the baseline).
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "cpu": used["self"],
        "children_cpu": used["children"],
        "children_peak_mb": children_peak_mb,
        "summary": summary,
    }


def cpu_seconds() -> dict[str, float]:
    """User + system CPU of this process, and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "self": own.ru_utime + own.ru_stime,
        "children": children.ru_utime + children.ru_stime,
    }


def prepare(rows: int, directory: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Mod

    from crm.models import Lead

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", leads=rows // 2 + rows // 10, reps=5, seed=7, stdout=quiet)
    known = Lead.objects.exclude(email="").exclude(phone="")
    # In an order unrelated to the ids (and the same every run), read as they go.
    shuffled = known.order_by(Mod(F("id") * 7919, 1_000_003), "id")
    existing = min(known.count(), rows // 2)
    people = shuffled.values_list("email", "phone", "country")[:existing].iterator(2000)
    booth = booth_rows(rows, people, existing, random.Random(11))
    write_lists(directory, booth)
    return {"existing": existing, "leads": Lead.objects.count(), "database": connection.vendor}


def booth_rows(rows: int, known: Iterator, existing: int, rng: random.Random) -> Iterator[list]:
    """`rows` rows, `existing` of them known people, rows // 100 unusable, in a random
    order: made one at a time (selection sampling), so a million rows take no memory."""
    known_left, unusable_left, new = existing, rows // 100, 0
    for left in range(rows, 0, -1):
        if rng.random() * left < known_left:
            row = known_person(next(known), rng)
            known_left -= 1
        else:
            row = new_person(new, rng)
            new += 1
        if rng.random() * left < unusable_left:  # neither email nor phone
            row[0], row[4] = "n/a", "tbc"
            unusable_left -= 1
        yield row


def known_person(person: tuple[str, str, str], rng: random.Random) -> list:
    email, phone, country = person
    email = email.upper() if rng.random() < 0.3 else email
    return [email, "Known Person", "", "", messy_phone(phone, rng), country, "", "warm"]


def new_person(number: int, rng: random.Random) -> list:
    country, prefix, digits = rng.choice((("US", "+1212555", 4), ("GB", "+4420794", 5)))
    phone = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
    return [
        f"visitor{number}@booth.example",
        f"Visitor {number} Person",
        f"Company {number % 3000}",
        "Buyer",
        messy_phone(phone, rng),
        country,
        "Met at the booth",
        rng.choice(("hot", "warm", "cold")),
    ]


def messy_phone(e164: str, rng: random.Random):
    """The number as people and spreadsheets write it."""
    import phonenumbers

    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    style = rng.randrange(5)
    if style == 0:
        return national
    if style == 1:
        return national.replace(" ", ".").replace("(", "").replace(")", "")
    if style == 2:
        return f"{national} x{rng.randrange(10, 99)}"
    if style == 3:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return int(str(number.national_number))  # a number Excel stored as a number


def write_lists(directory: Path, booth: Iterator[list]) -> None:
    """The same rows as CSV and XLSX (openpyxl's write-only mode: flat in memory)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(HEADER)
    with (directory / "booth.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for row in booth:
            writer.writerow(row)
            sheet.append(row)
    workbook.save(directory / "booth.xlsx")


def baseline(directory: Path) -> str:
    """What the same rows cost with no mapping, no dedupe and no booth visits."""
    import phonenumbers
    from django.db import transaction

    from crm.models import Lead

    leads = []
    with transaction.atomic(), (directory / "booth.csv").open(encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        for email, name, company, title, phone, country, _notes, _rating in reader:
            try:
                e164 = phonenumbers.format_number(
                    phonenumbers.parse(phone, country), phonenumbers.PhoneNumberFormat.E164
                )
            except phonenumbers.NumberParseException:
                e164 = ""
            first, _, last = name.rpartition(" ")
            leads.append(
                Lead(
                    email=email,
                    first_name=first,
                    last_name=last,
                    phone=e164,
                    company=company,
                    title=title,
                    country=country,
                )
            )
            if len(leads) == 2000:
                Lead.objects.bulk_create(leads, ignore_conflicts=True)
                leads = []
        Lead.objects.bulk_create(leads, ignore_conflicts=True)
        transaction.set_rollback(True)
    return ""


def import_csv(directory: Path) -> str:
    return import_file(directory / "booth.csv")


def import_xlsx(directory: Path) -> str:
    return import_file(directory / "booth.xlsx", "--dry-run")


def import_file(path: Path, *args: str) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "import_leads",
        str(path),
        "--event",
        "Bench Expo",
        "--country",
        "US",
        "--json",
        *args,
        stdout=out,
    )
    result = json.loads(out.getvalue())
    return ", ".join(f"{key} {result[key]:,}" for key in ("created", "updated", "invalid"))


if __name__ == "__main__":
    main()
