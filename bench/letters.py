"""Benchmark: a print run's PDF through the real path, against one WeasyPrint call.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/letters.py [--letters 1000] [--paper letter|a4]
        [--chunk 100] [--baseline-runs 1] [--worker-class rq.worker.Worker]

PostgreSQL and Redis: a new database on DATABASE_URL's server (dropped
afterwards) and Redis database N, flushed at the start and at the end (only
that one): it refuses a database where other RQ workers are registered (they
could take the run's jobs; the test suite flushes the database it is given).
PDFs go to a temporary MEDIA_ROOT, removed afterwards.

Seeding (before any clock): --letters leads with complete US addresses (names,
streets, suites, cities, states and ZIP codes drawn with a fixed seed; every
50th lead has a long name, company and street, so the recipient block shrinks
to fit the envelope window), owned by a rep whose name signs the letters; a
manager; the "conference-follow-up" starter (mailings.letters.starters) as a
LetterTemplate; a lead-list run of all the leads created and approved through
mailings.letters.runs (print_run_create, print_run_approve).

  project   print_run_generate() queues one print_run_chunk_render job per
            --chunk letters (LETTER_CHUNK_SIZE) on the "letters" queue; the last
            chunk queues print_run_merge (pypdf), which sets the run READY.
            Workers are `manage.py rqworker letters` processes with DEBUG off as
            in production (rq's SimpleWorker, as the README runs the letters
            queue: jobs run in the worker process; see --worker-class), started
            and registered before the clock starts. Timed from the call to
            print_run_generate until the database says READY (polled every
            50 ms). Run twice: with 1 worker, then with 2 workers on a second,
            identical run of the same leads (the first is cancelled through
            print_run_cancel, so its leads are free again). Each PDF is checked:
            run.pages and the file's pages equal --letters, and the first and
            last page name the first and last lead in run order. Peak RSS: the
            largest ru_maxrss of a worker process, its work horses included (wait4).
  baseline  in a fresh subprocess (its peak memory its own), the same letters'
            HTML built before the clock (letter_for and letters_html, what the
            chunk jobs render), then one call timed:
            weasyprint.HTML(string=html, base_url=BASE_URL,
            url_fetcher=LockedURLFetcher()).write_pdf() -- the base URL and
            URL fetcher the project passes (mailings.letters.engine), without the
            project's render time limit, so the difference is chunking, jobs,
            database reads and the merge. --baseline-runs times (1), each in its
            own subprocess; the median is the baseline. Peak RSS:
            getrusage(RUSAGE_SELF).ru_maxrss in the subprocess (Django and the
            HTML included; the RSS just before the render is printed beside it).

--worker-class rq.worker.Worker runs rq's forking worker instead: every job in
a new work horse, which imports the job modules (WeasyPrint, pypdf: about
0.5 s) again; SimpleWorker imports them once.

Each timed part also prints how busy the machine's CPUs were meanwhile (from
/proc/stat) and how much of that was outside the timed processes: on a shared
machine, other work there slows the two-worker run first.

Goals (from the issue): 1 worker >= 0.8 x the baseline's pages/s; 2 workers
faster than the baseline; peak memory under 600 MB.
"""

import argparse
import io
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (multiprocessing and psycopg use it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from rq_workers import WorkerProcess  # noqa: E402
from seed import ROOT, database_version, load, machine, postgres_database  # noqa: E402

SITE_URL = "https://crm.bench.example"
SECRET_KEY = "letters-benchmark-not-a-secret"
DEADLINE = 300  # seconds a project run may take before it is called a failure
TEMPLATE_SLUG = "conference-follow-up"
MEMORY_GOAL = 600 * 2**20
RATIO_GOAL = 0.8

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
    "Mark", "Sandra", "Wei", "Priya", "Kevin", "Ashley", "Jamal", "Emily", "Hiroshi", "Maria",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Nguyen", "O'Brien",
    "Patel", "Kim", "Okafor", "Schmidt",
]  # fmt: skip
COMPANY_WORDS = [
    "Summit", "Harbor", "Prairie", "Keystone", "Cascade", "Liberty", "Redwood", "Granite",
    "Bluebonnet", "Evergreen", "Lakeshore", "Pioneer", "Magnolia", "Frontier", "Beacon",
]  # fmt: skip
COMPANY_KINDS = [
    "Logistics", "Dental Group", "Builders", "Analytics", "Medical Supply", "Foods",
    "Software", "Insurance Agency", "Manufacturing", "Partners",
]  # fmt: skip
COMPANY_SUFFIXES = ["Inc.", "LLC", "Co.", "Corp.", ""]
STREETS = [
    "Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine",
    "Sunset", "Jefferson", "Lincoln", "Madison", "Franklin", "Highland", "Church", "River",
]  # fmt: skip
STREET_KINDS = ["St", "Ave", "Blvd", "Rd", "Dr", "Ln", "Way", "Ct", "Pl", "Pkwy"]
UNITS = ["Suite {}", "Apt {}", "Unit {}", "Floor {}", "# {}"]
# City, state, the first three digits of its ZIP codes.
CITIES = [
    ("New York", "NY", "100"), ("Brooklyn", "NY", "112"), ("Boston", "MA", "021"),
    ("Providence", "RI", "029"), ("Hartford", "CT", "061"), ("Burlington", "VT", "054"),
    ("Portland", "ME", "041"), ("Philadelphia", "PA", "191"), ("Pittsburgh", "PA", "152"),
    ("Baltimore", "MD", "212"), ("Washington", "DC", "200"), ("Richmond", "VA", "232"),
    ("Raleigh", "NC", "276"), ("Charlotte", "NC", "282"), ("Atlanta", "GA", "303"),
    ("Miami", "FL", "331"), ("Orlando", "FL", "328"), ("Nashville", "TN", "372"),
    ("Louisville", "KY", "402"), ("Columbus", "OH", "432"), ("Cleveland", "OH", "441"),
    ("Detroit", "MI", "482"), ("Indianapolis", "IN", "462"), ("Chicago", "IL", "606"),
    ("Springfield", "IL", "627"), ("Milwaukee", "WI", "532"), ("Minneapolis", "MN", "554"),
    ("Des Moines", "IA", "503"), ("St. Louis", "MO", "631"), ("Kansas City", "MO", "641"),
    ("Omaha", "NE", "681"), ("New Orleans", "LA", "701"), ("Dallas", "TX", "752"),
    ("Houston", "TX", "770"), ("Austin", "TX", "787"), ("San Antonio", "TX", "782"),
    ("Oklahoma City", "OK", "731"), ("Denver", "CO", "802"), ("Salt Lake City", "UT", "841"),
    ("Albuquerque", "NM", "871"), ("Phoenix", "AZ", "850"), ("Las Vegas", "NV", "891"),
    ("Boise", "ID", "837"), ("Los Angeles", "CA", "900"), ("San Diego", "CA", "921"),
    ("San Francisco", "CA", "941"), ("Sacramento", "CA", "958"), ("Portland", "OR", "972"),
    ("Seattle", "WA", "981"), ("Anchorage", "AK", "995"), ("Honolulu", "HI", "968"),
]  # fmt: skip
LONG_FIRST_NAMES = ["Maximiliana Josephine", "Bartholomew Alexander", "Anastasia Evangeline"]
LONG_LAST_NAMES = ["Featherstonehaugh-Montgomery", "Vanderbilt-Worthington", "Papadopoulos-Quint"]
LONG_COMPANY = "International Consolidated {} Manufacturing and Distribution Company of America"
LONG_STREET = "{} North Martin Luther King Junior Memorial Boulevard Southwest"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--paper", choices=("letter", "a4"), default="letter")
    parser.add_argument("--chunk", type=int, default=100, help="LETTER_CHUNK_SIZE")
    parser.add_argument("--baseline-runs", type=int, default=1, help="The median is used.")
    parser.add_argument(
        "--worker-class",
        default="rq.worker.SimpleWorker",
        help="rqworker --worker-class; the default is what the README runs for letters. "
        "Pass rq.worker.Worker for rq's forking worker.",
    )
    parser.add_argument("--baseline-child", type=int, help=argparse.SUPPRESS)  # a run's id
    args = parser.parse_args()
    if args.baseline_child:
        print(json.dumps(baseline_measure(args.baseline_child)))
        return
    server = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/letters.py needs DATABASE_URL=postgres://... in the environment")
    if not re.fullmatch(r"redis://[^/]+/\d+", redis_url):
        sys.exit(
            "bench/letters.py needs REDIS_URL=redis://host:port/N in the environment, "
            "N a database number this benchmark may flush"
        )
    if redis_in_use(redis_url):
        sys.exit(f"RQ workers are registered on {redis_url}: pick a database nobody uses")
    media = tempfile.mkdtemp(prefix="bench-letters-media-")
    url, drop = postgres_database(f"crm_bench_letters_{os.getpid()}")
    os.environ.update({"DATABASE_URL": url, "MEDIA_ROOT": media})
    flush_redis(redis_url)
    try:
        run(args)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop()
        flush_redis(redis_url)
        shutil.rmtree(media, ignore_errors=True)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_in_use(url: str) -> bool:
    """RQ workers are registered on this Redis database (before the bench flushes it)."""
    import redis
    from rq import Worker

    workers = Worker.all(connection=redis.Redis.from_url(url))
    return any(worker.death_date is None for worker in workers)


def setup_django() -> None:
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def run(args) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",  # this process only; workers and baseline run as in production
            "SECRET_KEY": SECRET_KEY,
            "SITE_URL": SITE_URL,
            "ALLOWED_HOSTS": "testserver",
            "JOBS_MODE": "rq",
            "LOG_LEVEL": "WARNING",
            "LETTER_CHUNK_SIZE": str(args.chunk),
        }
    )
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in this process's timed parts
    start_load = load()
    print(
        f"Print-run rendering benchmark, {args.letters:,} letters on {args.paper} paper, "
        f"{settings.LETTER_CHUNK_SIZE} letters per chunk job"
    )
    print(f"machine: {machine()}, load average {start_load} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one)")
    first = seed(args)
    one = project_run(args, first, workers=1)
    second = second_run(first)
    two = project_run(args, second, workers=2)
    baselines = [baseline_run(second) for _ in range(max(args.baseline_runs, 1))]
    report(args, one, two, baselines)
    print(f"load average {start_load} at the start, {load()} at the end (other work skews timings)")


# Seeding


def seed(args):
    """The leads, a rep and a manager, the starter template and one approved run."""
    from django.contrib.auth.models import Group

    from crm.bulk import analyze
    from crm.models import Campaign, Lead, User
    from mailings.letters.models import LetterTemplate
    from mailings.letters.runs import print_run_approve, print_run_create
    from mailings.letters.starters import STARTERS

    started = time.perf_counter()
    rep = User.objects.create(
        username="rep_robin", first_name="Robin", last_name="Reyes", email="robin@bench.example"
    )
    rep.groups.add(Group.objects.get(name="rep"))
    manager = User.objects.create(username="manager_maria", first_name="Maria")
    manager.groups.add(Group.objects.get(name="manager"))
    campaign = Campaign.objects.create(name="Midwest Dental Expo", kind=Campaign.Kind.EVENT)
    starter = next(item for item in STARTERS if item["slug"] == TEMPLATE_SLUG)
    template, _ = LetterTemplate.objects.get_or_create(
        slug=TEMPLATE_SLUG,
        defaults={"name": starter["name"], "body": starter["body"], "css": starter["css"]},
    )
    rows = random.Random(20261126)
    Lead.objects.bulk_create(
        [lead(number, rows, rep, campaign) for number in range(args.letters)], batch_size=1000
    )
    analyze(Lead)
    run = print_run_create(
        name="Bench letters 1",
        template=template,
        paper=args.paper,
        created_by=manager,
        leads=Lead.objects.all(),
    )
    check_exceptions(run, args.letters)
    run = print_run_approve(run=run, by=manager)
    long_names = sum(1 for number in range(args.letters) if number % 50 == 7)
    print(
        f"seeded   {Lead.objects.count():,} leads with US addresses ({long_names} with long "
        f"names, companies and streets), template {template.name!r}, run #{run.pk}: "
        f"{run.letters.filter(exception='').count():,} letters, approved, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return run


def lead(number: int, rows: random.Random, rep, campaign):
    from crm.models import Lead

    city, state, zip3 = rows.choice(CITIES)
    postal_code = f"{zip3}{rows.randrange(1, 100):02d}"
    if rows.random() < 0.2:
        postal_code += f"-{rows.randrange(1, 10000):04d}"
    first, last = rows.choice(FIRST_NAMES), rows.choice(LAST_NAMES)
    company = " ".join(
        part
        for part in (
            rows.choice(COMPANY_WORDS),
            rows.choice(COMPANY_KINDS),
            rows.choice(COMPANY_SUFFIXES),
        )
        if part
    )
    street = f"{rows.randrange(1, 9900)} {rows.choice(STREETS)} {rows.choice(STREET_KINDS)}"
    unit = rows.choice(UNITS).format(rows.randrange(2, 950)) if rows.random() < 0.3 else ""
    if number % 50 == 7:  # long enough that the recipient block must shrink
        first, last = rows.choice(LONG_FIRST_NAMES), rows.choice(LONG_LAST_NAMES)
        company = LONG_COMPANY.format(rows.choice(COMPANY_WORDS))
        street = LONG_STREET.format(rows.randrange(10000, 99999))
    return Lead(
        first_name=first,
        last_name=last,
        email=f"lead{number}@bench.example",
        company=company,
        address_line1=street,
        address_line2=unit,
        city=city,
        region=state,
        postal_code=postal_code,
        country="US",
        time_zone="America/Chicago",
        owner=rep,
        source_campaign=campaign,
    )


def check_exceptions(run, count: int) -> None:
    exceptions = list(run.letters.exclude(exception="").values_list("exception", flat=True)[:5])
    printed = run.letters.filter(exception="").count()
    if exceptions or printed != count:
        sys.exit(f"run #{run.pk} prints {printed:,} of {count:,} leads; exceptions: {exceptions}")


def second_run(first):
    """The same leads again: the first run is cancelled, so none is held by an open run."""
    from crm.models import Lead
    from mailings.letters.runs import print_run_approve, print_run_cancel, print_run_create

    print_run_cancel(run=first)
    run = print_run_create(
        name="Bench letters 2",
        template=first.template,
        paper=first.paper,
        created_by=first.created_by,
        leads=Lead.objects.all(),
    )
    check_exceptions(run, first.letters.filter(exception="").count())
    return print_run_approve(run=run, by=first.created_by)


# The project's path


def project_run(args, run, *, workers: int) -> dict:
    from django_rq import get_queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    from mailings.letters.models import PrintRun
    from mailings.letters.runs import print_run_generate

    queue = get_queue("letters")
    finished, failed = FinishedJobRegistry(queue=queue), FailedJobRegistry(queue=queue)
    before = set(finished.get_job_ids()) | set(failed.get_job_ids())
    processes = [
        WorkerProcess(
            f"bench-letters-{os.getpid()}-{workers}-{number}",
            "letters",
            worker_class=args.worker_class,
        )
        for number in range(workers)
    ]
    try:
        for process in processes:
            process.wait_registered()
        alone_on_redis(queue)
        started, busy = time.monotonic(), machine_busy()
        print_run_generate(run=run)
        status = wait_ready(PrintRun.objects.filter(pk=run.pk), processes, started)
        seconds, busy = time.monotonic() - started, machine_busy() - busy
    except BaseException:
        for process in processes:
            process.process.kill()
        raise
    usages = [process.stop() for process in processes]
    failures = [failed_job(queue, job_id) for job_id in set(failed.get_job_ids()) - before]
    run.refresh_from_db()
    return {
        "run": run,
        "status": status,
        "seconds": seconds,
        "busy": busy,
        "workers": workers,
        "peak_rss": max(usage.ru_maxrss for usage in usages) * 1024,
        "cpu": sum(usage.ru_utime + usage.ru_stime for usage in usages)
        - sum(process.startup_cpu for process in processes),
        "jobs": job_seconds(queue, set(finished.get_job_ids()) - before),
        "failed": failures,
    }


def alone_on_redis(queue) -> None:
    """No one else's worker on this Redis database: it could take the run's jobs, and
    whoever runs it may flush the database (the test suite does) and lose them."""
    from rq import Worker

    others = sorted(
        worker.name
        for worker in Worker.all(connection=queue.connection)
        if worker.death_date is None and not worker.name.startswith(f"bench-letters-{os.getpid()}-")
    )
    if others:
        sys.exit(
            f"other RQ workers use this Redis database ({', '.join(others)}): "
            "give the benchmark a database number of its own in REDIS_URL"
        )


def wait_ready(runs, processes: list[WorkerProcess], started: float) -> str:
    """The run's status once it is READY or FAILED, polling every 50 ms."""
    from mailings.letters.models import PrintRun

    done = (PrintRun.Status.READY, PrintRun.Status.FAILED)
    while (status := runs.values_list("status", flat=True).get()) not in done:
        for process in processes:
            if process.process.poll() is not None:
                process.fail("a worker exited during the run")
        if time.monotonic() - started > DEADLINE:
            stuck(runs.get(), processes)
        time.sleep(0.05)
    return status


def stuck(run, processes: list[WorkerProcess]) -> None:
    """What the run and the queue look like when the run is late; the workers' logs."""
    from django_rq import get_queue
    from rq import Worker
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    queue = get_queue("letters")
    print(
        f"run #{run.pk} {run.status}, generation {run.generation}, chunks rendered "
        f"{run.chunks_rendered} of {run.chunks_total}; letters queue: {queue.count} queued, "
        f"{StartedJobRegistry(queue=queue).count} started, "
        f"{FailedJobRegistry(queue=queue).count} failed; workers on this Redis database: "
        f"{sorted(worker.name for worker in Worker.all(connection=queue.connection))}"
    )
    for process in processes[1:]:
        process.log.seek(0)
        print(process.log.read().decode()[-4000:])
    processes[0].fail(f"the run was not ready after {DEADLINE} s")


def job_seconds(queue, job_ids: set[str]) -> dict[str, list[float]]:
    """Seconds inside each finished job, by the job's function (chunk render, merge)."""
    from rq.job import Job

    seconds: dict[str, list[float]] = {"print_run_chunk_render": [], "print_run_merge": []}
    for job in Job.fetch_many(sorted(job_ids), connection=queue.connection):
        if job and job.started_at and job.ended_at:
            name = job.func_name.rpartition(".")[2]
            seconds.setdefault(name, []).append((job.ended_at - job.started_at).total_seconds())
    return seconds


def failed_job(queue, job_id: str) -> str:
    from rq.job import Job

    job = Job.fetch(job_id, connection=queue.connection)
    return (job.latest_result().exc_string if job.latest_result() else "")[-2000:]


def check_pdf(run, count: int) -> tuple[bool, str]:
    """run.pages and the file's pages are `count`; the first and last page name the
    first and last printed lead."""
    from pypdf import PdfReader

    letters = run.letters.filter(exception="").select_related("lead").order_by("position")
    first, last = letters.first().lead.full_name, letters.last().lead.full_name
    with run.pdf.open("rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
        pages = len(reader.pages)
        texts = [
            squeezed(reader.pages[0].extract_text()),
            squeezed(reader.pages[-1].extract_text()),
        ]
    ok = run.pages == count == pages and squeezed(first) in texts[0] and squeezed(last) in texts[1]
    return ok, (
        f"run.pages {run.pages:,}, the PDF {pages:,} pages, first page names {first!r}: "
        f"{squeezed(first) in texts[0]}, last page names {last!r}: {squeezed(last) in texts[1]}"
    )


def squeezed(text: str) -> str:
    """Without whitespace: a name the recipient block wrapped still matches."""
    return "".join(text.split())


# The baseline


def baseline_run(run) -> dict:
    """One render in a fresh process, which reports its figures as JSON."""
    env = {**os.environ, "DJANGO_DEBUG": ""}
    child = subprocess.run(
        [sys.executable, __file__, "--baseline-child", str(run.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        print(child.stdout[-2000:], child.stderr[-4000:])
        sys.exit(f"the baseline process exited with {child.returncode}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def baseline_measure(run_id: int) -> dict:
    """In the child: the run's letters as the chunk jobs build them, in one document."""
    setup_django()
    from django.utils import timezone
    from pypdf import PdfReader
    from weasyprint import HTML

    from mailings.letters.compose import letter_for
    from mailings.letters.fetcher import BASE_URL, LockedURLFetcher
    from mailings.letters.models import PrintRun
    from mailings.letters.pdf import letters_html
    from mailings.letters.selectors import printed_letters

    run = PrintRun.objects.select_related("template").get(pk=run_id)
    today = timezone.localdate()
    letters = [letter_for(run.template, item.lead, today=today) for item in printed_letters(run)]
    html = letters_html(letters, paper=run.paper)
    rss_before = rss_now()
    started, cpu, busy = time.perf_counter(), time.process_time(), machine_busy()
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=LockedURLFetcher()).write_pdf()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    busy = machine_busy() - busy
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "seconds": seconds,
        "cpu": cpu,
        "busy": busy,
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "letters": len(letters),
        "html_bytes": len(html.encode()),
        "pdf_bytes": len(pdf),
        "rss_before": rss_before,
        "peak_rss": peak,
    }


def machine_busy() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(field) for field in Path("/proc/stat").read_text().split(maxsplit=8)[1:8]
    )
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def others(busy: float, ours: float, seconds: float) -> str:
    """How much of the machine other processes took while a run was timed."""
    return (
        f"the machine's CPUs were busy {busy:.1f} of {seconds * (os.cpu_count() or 1):.1f} "
        f"CPU-s, {max(busy - ours, 0):.1f} of them outside the timed processes "
        "(Postgres, Redis, this process polling, other work)"
    )


def rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# Report


def report(args, one: dict, two: dict, baselines: list[dict]) -> None:
    count = args.letters
    ok = True
    for project in (one, two):
        ok &= project_lines(project, count)
    rates = []
    for number, baseline in enumerate(baselines, start=1):
        rates.append(baseline["pages"] / baseline["seconds"])
        good = baseline["pages"] == count
        ok &= good
        print(
            f"baseline {number}/{len(baselines)} WeasyPrint, HTML(string=...).write_pdf() of the "
            f"same {baseline['letters']:,} letters in one call ({kb(baseline['html_bytes'])} "
            f"of HTML): {baseline['pages']:,} pages in {baseline['seconds']:.2f} s = "
            f"{rates[-1]:.1f} pages/s, CPU {baseline['cpu']:.1f} s; PDF "
            f"{kb(baseline['pdf_bytes'])}; peak RSS {mb(baseline['peak_rss'])} "
            f"({mb(baseline['rss_before'])} before the render){'' if good else ' PAGES WRONG'}"
        )
        print(f"         {others(baseline['busy'], baseline['cpu'], baseline['seconds'])}")
    baseline_rate = statistics.median(rates)
    peaks = [baseline["peak_rss"] for baseline in baselines]
    ratio = rate(one) / baseline_rate
    print(
        f"ratio    1 worker / baseline (the median, {baseline_rate:.1f} pages/s) = {ratio:.2f} "
        f"(goal >= {RATIO_GOAL}: {met(ratio >= RATIO_GOAL)})"
    )
    ratio = rate(two) / baseline_rate
    print(f"         2 workers / baseline = {ratio:.2f} (goal: faster, > 1: {met(ratio > 1)})")
    cpu_rate = statistics.median(baseline["pages"] / baseline["cpu"] for baseline in baselines)
    print(
        f"CPU      pages per CPU-second of the timed processes (what neighbours on the machine "
        f"do not change): 1 worker {one['run'].pages / one['cpu']:.1f}, 2 workers "
        f"{two['run'].pages / two['cpu']:.1f}, baseline {cpu_rate:.1f}; ratio "
        f"{one['run'].pages / one['cpu'] / cpu_rate:.2f} and "
        f"{two['run'].pages / two['cpu'] / cpu_rate:.2f}"
    )
    print(
        f"memory   peak RSS, goal < {mb(MEMORY_GOAL)}: 1 worker {mb(one['peak_rss'])} "
        f"({met(one['peak_rss'] < MEMORY_GOAL)}), 2 workers, the larger "
        f"{mb(two['peak_rss'])} ({met(two['peak_rss'] < MEMORY_GOAL)}), baseline "
        f"{mb(max(peaks))} ({met(max(peaks) < MEMORY_GOAL)})"
    )
    print(f"result   {'PASS' if ok else 'FAIL'}: every run READY with all its pages, in order")


def project_lines(project: dict, count: int) -> bool:
    run, workers = project["run"], project["workers"]
    worker = f"{workers} worker{'s' if workers > 1 else ''}"
    print(
        f"project  {worker}: print_run_generate -> {run.chunks_total} chunk jobs + merge on "
        f"`rqworker letters` -> {run.status}: {run.pages:,} pages in "
        f"{project['seconds']:.2f} s = {rate(project):.1f} pages/s"
    )
    print(
        f"         inside the jobs: {job_summary(project['jobs'])}; worker CPU "
        f"{project['cpu']:.1f} s (start-up aside); peak RSS of a worker (and its work "
        f"horses) {mb(project['peak_rss'])}"
    )
    print(f"         {others(project['busy'], project['cpu'], project['seconds'])}")
    for failure in project["failed"]:
        print(f"FAILED JOB\n{failure}")
    if project["status"] != "ready":
        print(f"         run #{run.pk} {project['status']}: {run.error}")
        return False
    ok, detail = check_pdf(run, count)
    print(f"         check: {detail}: {'PASS' if ok else 'FAIL'}")
    return ok and not project["failed"]


def job_summary(jobs: dict[str, list[float]]) -> str:
    chunks, merges = jobs["print_run_chunk_render"], jobs["print_run_merge"]
    return (
        f"{sum(chunks):.1f} s in {len(chunks)} chunk renders "
        f"({sum(chunks) / max(len(chunks), 1):.2f} s each), {sum(merges):.2f} s in "
        f"{len(merges)} merge{'' if len(merges) == 1 else 's'}"
    )


def rate(project: dict) -> float:
    return project["run"].pages / project["seconds"]


def mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def kb(size: float) -> str:
    return f"{size / 1024:,.0f} kB"


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
