"""Benchmark: the XLSX lead export, streamed, against the file-first writer and the CSV stream.

    DATABASE_URL=postgres://... .venv/bin/python bench/export_xlsx.py
        [--leads 100000] [--reps 10] [--repeat 1] [--database NAME]

PostgreSQL only: a new database on DATABASE_URL's server (named --database, by
default crm_bench_export_PID), dropped afterwards. Seeding (timed, not part of
the results): manage.py seed_demo with --leads leads owned by --reps reps (and
their interactions, written with COPY), then VACUUM ANALYZE.

Measured, each run in a fresh child process (so that each has its own peak
memory), through the real view with Django's test client as the manager
(crm.views.lead_export_xlsx / lead_export_csv, every middleware, every lead in
the list's order), after one warm-up request for an empty export:

  xlsx      the project: the streamed workbook (crm.exports.leads_xlsx)
  csv       baseline: the CSV export's stream (crm.exports.leads_csv)
  openpyxl  baseline: the XLSX export as it was before it streamed, openpyxl's
            write-only workbook of the same rows saved to a temporary file and
            only then sent (the view's leads_xlsx swapped for that writer)

  first byte  from the request to the first piece of the body (the XLSX's
              fixed parts, sent before the leads are read)
  first 64K   from the request to the first 64 KiB of the body: rows flowing
  total       from the request to the last piece, the body written to a
              temporary file as a browser saves a download
  memory      the peak resident set of the process during the request, less
              its resident set before (Linux: VmHWM after /proc/self/clear_refs)
  CPU         user + system time of the process during the request

each for all the leads and for one rep's (a tenth of them at --reps 10, the
manager's export with the owner filter): memory flat means the same peak for
both. The streamed workbook is checked: a valid zip whose sheet has one row per
lead and the heading. Goals: first byte < 1 s; memory flat (all / one rep's
peak close to 1). Prints the ratios; the machine may be shared: the load
average is printed at the start and the end.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from io import StringIO
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (psycopg uses it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from seed import (  # noqa: E402
    ROOT,
    database_version,
    fresh_postgres,
    load,
    machine,
    server_settings,
    step,
)

RUNS = {
    "xlsx": "the streamed XLSX (project)",
    "csv": "the CSV stream (baseline)",
    "openpyxl": "openpyxl write-only to a file, then sent (baseline)",
}
SCOPES = ("all", "rep")
MANAGER = "manager"
REP = "rep1"
PIECE = 64 * 1024  # what the file-first baseline sends at a time
FIRST_DATA = 64 * 1024  # the XLSX's first piece is its fixed parts: rows come after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=10, help="One rep's export is the small one.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each (the median counts).")
    parser.add_argument("--database", default=f"crm_bench_export_{os.getpid()}")
    parser.add_argument("--run", choices=RUNS, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--scope", choices=SCOPES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        setup_django()
        print(json.dumps(measure(args.run, args.scope)))
        return
    with fresh_postgres(args.database):
        run(args)


def setup_django() -> None:
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",  # no SECRET_KEY or static manifest needed
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log in the timed parts


def run(args) -> None:
    setup_django()
    from django.db import connection

    print(f"XLSX export benchmark, {args.leads:,} leads, {args.reps} reps")
    print(f"machine: {machine()}, {memory_total()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one), "
          f"{server_settings()}")  # fmt: skip
    seed(args.leads, args.reps)
    connection.close()
    results = {
        (name, scope): [child(name, scope) for _ in range(args.repeat)]
        for scope in SCOPES
        for name in RUNS
    }
    report({key: median_run(runs) for key, runs in results.items()})
    print(f"load average {load()} at the end (other work here skews timings)")


def memory_total() -> str:
    kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{kilobytes / 1024**2:.1f} GiB RAM"


def seed(leads: int, reps: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    with step("seed_demo"):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", leads=leads, reps=reps, seed=1, stdout=StringIO())
    with step("VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def child(name: str, scope: str) -> dict:
    """One measurement in a fresh process, for a peak memory of its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--run", name, "--scope", scope],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict]) -> dict:
    return {key: statistics.median(each[key] for each in runs) for key in runs[0]}


# In the child ----------------------------------------------------------------------


def measure(name: str, scope: str) -> dict:
    from django.test import Client
    from django.urls import reverse

    from crm.models import Lead, User

    if name == "openpyxl":
        use_the_file_first_writer()
    client = Client()
    client.force_login(User.objects.get(username=MANAGER))
    url = reverse("crm:lead_export_csv" if name == "csv" else "crm:lead_export_xlsx")
    params = {}
    leads = Lead.objects.all()
    if scope == "rep":
        rep = User.objects.get(username=REP)
        params, leads = {"owner": rep.pk}, leads.filter(owner=rep)
    expected = leads.count()
    download(client, url, {"q": "no lead is called this"})  # warm up: imports, connection
    with tempfile.TemporaryFile() as file:
        timing = download(client, url, params, file)
        if name != "csv":
            check_workbook(file, expected)
    return {"rows": expected, **timing}


def download(client, url: str, params: dict, file=None) -> dict:
    reset_peak_memory()
    before = resident_kib("VmRSS")
    cpu = process_cpu()
    started = time.perf_counter()
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    pieces = iter(response.streaming_content)
    first = next(pieces)
    first_byte = time.perf_counter() - started
    size = len(first)
    if file is not None:
        file.write(first)
    first_64k = first_byte if size >= FIRST_DATA else None
    for piece in pieces:
        size += len(piece)
        if first_64k is None and size >= FIRST_DATA:
            first_64k = time.perf_counter() - started
        if file is not None:
            file.write(piece)
    total = time.perf_counter() - started
    if file is not None:
        file.seek(0)
    return {
        "first_byte": first_byte,
        "first_64k": first_64k if first_64k is not None else time.perf_counter() - started,
        "total": total,
        "cpu": process_cpu() - cpu,
        "peak_mib": (resident_kib("VmHWM") - before) / 1024,
        "bytes": size,
    }


def reset_peak_memory() -> None:
    """Linux: the peak resident set (VmHWM) starts again from the current one."""
    Path("/proc/self/clear_refs").write_text("5")


def resident_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def check_workbook(file, leads: int) -> None:
    """A valid zip whose sheet has the heading and a row per lead."""
    with zipfile.ZipFile(file) as archive:
        assert archive.testzip() is None
        rows, tail = 0, b""
        with archive.open("xl/worksheets/sheet1.xml") as sheet:
            while data := sheet.read(1 << 20):
                rows += (tail + data).count(b"<row ")
                tail = data[-4:]
    assert rows == leads + 1, (rows, leads)


def use_the_file_first_writer() -> None:
    """The view's leads_xlsx as it was before it streamed: openpyxl's write-only
    workbook saved to a temporary file, which is then sent."""
    import crm.exports

    crm.exports.leads_xlsx = file_first_xlsx


def file_first_xlsx(leads):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from crm.exports import E164_NEUTRALISED, lead_rows

    rows = lead_rows(leads)
    with tempfile.TemporaryFile(suffix=".xlsx") as file:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Leads")
        heading = [WriteOnlyCell(sheet, value=text) for text in next(rows)]
        for cell in heading:
            cell.font = Font(bold=True)
        sheet.append(heading)
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, str) and E164_NEUTRALISED.fullmatch(value):
                    value = WriteOnlyCell(sheet, value=value[1:])
                    value.quotePrefix = True
                cells.append(value)
            sheet.append(cells)
        workbook.save(file)
        file.seek(0)
        while piece := file.read(PIECE):
            yield piece


# Reporting -------------------------------------------------------------------------


def report(results: dict) -> None:
    for scope in SCOPES:
        rows = results["xlsx", scope]["rows"]
        print(f"\n{'all leads' if scope == 'all' else f'{REP} (owner filter)'}: {rows:,} rows")
        for name, label in RUNS.items():
            result = results[name, scope]
            print(
                f"  {name:<9} first byte {ms(result['first_byte'])}"
                f"  first 64K {ms(result['first_64k'])}  total {result['total']:6.2f} s"
                f"  ({result['rows'] / result['total']:7,.0f} rows/s)  CPU {result['cpu']:6.2f} s"
                f"  peak +{result['peak_mib']:6.1f} MiB  {result['bytes'] / 1024**2:6.1f} MiB"
                f"   {label}"
            )
    xlsx, csv, old = (results[name, "all"] for name in RUNS)
    small = results["xlsx", "rep"]
    print("\nratios (all leads)")
    print(f"  first byte   openpyxl / xlsx = {old['first_byte'] / xlsx['first_byte']:8.1f}"
          f"   (goal: xlsx < 1 s: {verdict(xlsx['first_byte'] < 1)})")  # fmt: skip
    print(f"  first 64K    openpyxl / xlsx = {old['first_64k'] / xlsx['first_64k']:8.1f}"
          f"   xlsx {ms(xlsx['first_64k'])}, csv {ms(csv['first_64k'])}")  # fmt: skip
    print(f"  total time   openpyxl / xlsx = {old['total'] / xlsx['total']:8.2f}"
          f"   rate xlsx / csv = {csv['total'] / xlsx['total']:.2f}")  # fmt: skip
    print(f"  CPU          openpyxl / xlsx = {old['cpu'] / xlsx['cpu']:8.2f}"
          f"   csv / xlsx = {csv['cpu'] / xlsx['cpu']:.2f}")  # fmt: skip
    growth = xlsx["peak_mib"] / max(small["peak_mib"], 0.1)
    print(f"  peak memory  xlsx all / xlsx {REP} = {growth:.2f} for "
          f"{xlsx['rows'] / small['rows']:.1f}x the rows (goal: flat, about 1: "
          f"{verdict(xlsx['peak_mib'] - small['peak_mib'] < 10)})")  # fmt: skip


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


if __name__ == "__main__":
    main()
