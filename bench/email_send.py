"""Benchmark: cadence emails through the real sending path, against plain smtplib.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/email_send.py [--emails 10000] [--workers 2]
        [--worker-class rq.worker.SimpleWorker] [--burst-worker] [--baseline-runs 3]
        [--profile EMAILS]

PostgreSQL and Redis: a new database on DATABASE_URL's server (dropped
afterwards) and Redis database N, flushed at the start and at the end (only
that one). The send window is every day, all day, so the run does not depend
on the clock. An SMTP sink (aiosmtpd on 127.0.0.1, in its own process) records
the Message-ID of every message it receives; the same sink serves both runs.

Seeding: --emails leads with confirmed email consent and distinct addresses,
one cadence with one email step (no wait) whose variant uses merge fields
(first name, company, the rep) and two links (tracked when sent), every lead
enrolled with the step's touch due now, through the project's bulk enrolment
(followups.cadences.bulk.enrolments_create_bulk, which writes the rows
followups.cadences.services.enrolment_create writes). The outbox rows are not
seeded: the sender makes them when it first sends each touch
(mailings.email.steps.outboxes_for), inside the timing as in production.

  project   followups.scheduler.scheduler_pass() claims the due touches and
            queues followups.jobs.touches_deliver jobs (MAIL_BATCH_SIZE emails
            each) on the "mail" queue; --workers RQ workers, each its own
            process (manage.py rqworker mail, with DEBUG off as in production,
            started and registered before the clock starts, as production's
            workers run all the time; rq's default Worker forks a work horse per
            job) send
            them over SMTP. Passes repeat until no email touch is pending or
            claimed. Timed from the first pass to the last message the sink
            received. With --burst-worker, `manage.py rqworker mail --burst`
            is started after each pass instead, its start-up inside the timing.
  baseline  the very messages the sink received in the project run (bytes,
            envelope sender and recipient), sent again with smtplib over one
            connection (sendmail per message). Timed from connecting to the
            last message received. --baseline-runs times (3), each received
            exactly once; the median is the baseline (on a shared machine one
            short run swings with the neighbours' load).

Then: every outbox email sent and each Message-ID received exactly once.
The hook jobs the sending path queues on "default" (crm.jobs.interactions_recorded)
are counted, not run: they are not part of the timing.
--profile EMAILS: cProfile of emails_send over that many more emails, in this
process, in batches as the jobs send them (after a cold batch, not profiled);
written to the file BENCH_PROFILE_FILE names, if set, for pstats;
BENCH_PROFILE_CLOCK=cpu times it in this process's CPU time instead of wall time
(on a shared machine the wall time counts the waits for a busy server and core).
"""

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import re
import smtplib
import socket
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

# The bench folder holds a queue.py that would hide the standard library's queue
# module (multiprocessing and psycopg use it): the folder goes to the end of the path.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from rq_workers import WorkerProcess  # noqa: E402
from seed import ROOT, database_version, load, machine, postgres_database  # noqa: E402

SITE_URL = "https://crm.bench.example"
SECRET_KEY = "email-send-benchmark-not-a-secret"
DEADLINE = 900  # seconds a project run may take before it is called a failure
RATIO_GOALS = {1: 0.5, 2: 0.7}  # issue 17: to the smtplib baseline, by workers (2: two or more)
CPU_GOAL_MS = 0.8  # the workers' CPU per email

CADENCE_NAME = "Booth follow-up"
SUBJECT = (
    "{{ lead.first_name|default:'Hello' }}, a few notes for {{ lead.company|default:'your team' }}"
)
HTML_BODY = """<p>Hi {{ lead.first_name|default:"there" }},</p>
<p>Thanks for stopping by our booth. I wrote down how teams like
{{ lead.company|default:"yours" }} follow up with every lead within a day,
and what it changed for them.</p>
<p><a href="https://example.com/guide?utm_source=cadence">Read the two-page guide</a>
or <a href="https://example.com/meet">pick a time to talk</a>.</p>
<p>Best,<br>{{ rep.full_name|default:"The team" }}</p>"""
FIRST_NAMES = ["Ada", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"]
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument(
        "--workers", type=int, default=2, help="RQ workers on the mail queue (one per core)."
    )
    parser.add_argument(
        "--worker-class",
        default="rq.worker.SimpleWorker",
        help="rqworker --worker-class; the default is what the README runs for mail. "
        "Pass rq.worker.Worker for rq's forking worker.",
    )
    parser.add_argument(
        "--burst-worker",
        action="store_true",
        help="Start `rqworker mail --burst` after each pass (its start-up timed) "
        "instead of a worker started before the clock.",
    )
    parser.add_argument("--baseline-runs", type=int, default=3, help="The median is used.")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="EMAILS",
        help="cProfile emails_send over this many more emails, in this process.",
    )
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/email_send.py needs DATABASE_URL=postgres://... in the environment")
    if not re.fullmatch(r"redis://[^/]+/\d+", redis_url):
        sys.exit(
            "bench/email_send.py needs REDIS_URL=redis://host:port/N in the environment, "
            "N a database number this benchmark may flush"
        )
    sink = Sink()
    url, drop = postgres_database(f"crm_bench_email_{os.getpid()}")
    os.environ["DATABASE_URL"] = url
    flush_redis(redis_url)
    try:
        run(args, sink)
    finally:
        sink.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop()
        flush_redis(redis_url)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def run(args, sink: "Sink") -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",  # this process only; the worker runs as in production
            "SECRET_KEY": SECRET_KEY,
            "SITE_URL": SITE_URL,
            "ALLOWED_HOSTS": "testserver",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "MAIL_SEND_WEEKDAYS": "0,1,2,3,4,5,6",
            "MAIL_SEND_HOURS": "00:00,23:59:59.999999",
            "JOBS_MODE": "rq",
            "LOG_LEVEL": "WARNING",
        }
    )
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in this process's timed parts
    print(f"Cadence email sending benchmark, {args.emails:,} emails")
    print(f"machine: {machine()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one)")
    print(
        f"sink: aiosmtpd in its own process on 127.0.0.1:{sink.port}; "
        f"{settings.MAIL_BATCH_SIZE} emails per job and SMTP connection; send window "
        f"every day, all day (MAIL_SEND_WEEKDAYS={os.environ['MAIL_SEND_WEEKDAYS']}, "
        f"MAIL_SEND_HOURS={os.environ['MAIL_SEND_HOURS']})"
    )
    cadence = seed(args.emails)
    project = project_run(args, sink)
    messages = project.pop("messages")
    baselines = [baseline_run(messages, sink) for _ in range(max(args.baseline_runs, 1))]
    report(args.emails, project, baselines)
    if args.profile:
        profile_batches(sink, cadence, start=args.emails, count=args.profile)
    print(f"load average {load()} at the end (other work here skews timings)")


# Seeding


def seed(count: int):
    """--emails leads, one cadence, every lead enrolled with its first email due now."""
    from django.contrib.auth.models import Group

    from crm.bulk import analyze
    from crm.models import Campaign, Lead, User
    from followups.cadences.models import Cadence, CadenceStep, Channel, Enrolment
    from followups.models import Touch
    from mailings.models import OutboxEmail, StepVariant

    started = time.perf_counter()
    rep = User.objects.create(
        username="rep_robin", first_name="Robin", last_name="Reyes", email="robin@bench.example"
    )
    rep.groups.add(Group.objects.get(name="rep"))
    manager = User.objects.create(username="manager_maria", first_name="Maria")
    manager.groups.add(Group.objects.get(name="manager"))
    campaign = Campaign.objects.create(name="Spring Expo", kind=Campaign.Kind.EVENT)
    cadence = Cadence.objects.create(
        name=CADENCE_NAME, slug="booth-follow-up", is_active=True, created_by=manager
    )
    step = CadenceStep.objects.create(cadence=cadence, position=1, channel=Channel.EMAIL, wait=0)
    StepVariant.objects.create(step=step, label="A", subject=SUBJECT, html_body=HTML_BODY)
    enrol_leads(cadence, rep, campaign, manager, start=0, count=count)
    analyze(Lead, Touch, Enrolment, OutboxEmail)
    print(
        f"seeded   {Lead.objects.count():,} leads (confirmed consent), {CADENCE_NAME!r}: one "
        f"email step, {Enrolment.objects.count():,} enrolments, "
        f"{Touch.objects.filter(channel='email').count():,} email touches due now "
        f"({OutboxEmail.objects.count():,} outbox emails: the sender makes them), "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return cadence


def enrol_leads(cadence, rep, campaign, manager, *, start: int, count: int) -> None:
    """Leads number start .. start+count-1, written with COPY, enrolled in the cadence
    by the project's bulk enrolment (followups.cadences.bulk: the rows
    enrolment_create writes, a few statements however many leads)."""
    from django.db import transaction
    from django.utils import timezone

    from crm.bulk import TableWriter, reserve_ids
    from crm.models import Lead
    from followups.cadences.bulk import enrolments_create_bulk

    now = timezone.now()
    leads = [lead_row(number, rep, campaign, now) for number in range(start, start + count)]
    with transaction.atomic():
        ids = reserve_ids(Lead, count)
        for lead, pk in zip(leads, ids, strict=True):
            lead["id"] = pk
        TableWriter(Lead, with_pk=True).insert(leads)
    enrolled = enrolments_create_bulk(
        cadence=cadence,
        leads=Lead.objects.filter(pk__in=ids),
        source="Benchmark: booth visitors",
        by=manager,
        now=now,
    )
    if enrolled != count:
        sys.exit(f"enrolled {enrolled:,} of {count:,} leads")


def lead_row(number: int, rep, campaign, now) -> dict:
    return {
        "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
        "last_name": f"Lead{number}",
        "email": f"lead{number}@bench.example",
        "company": f"{COMPANIES[number % len(COMPANIES)]} {number // len(COMPANIES)}",
        "time_zone": ZONES[number % len(ZONES)],
        "country": "US",
        "owner_id": rep.pk,
        "source_campaign_id": campaign.pk,
        "email_consent": "confirmed",
        "email_consent_at": now,
        "email_consent_method": "double opt-in",
        "created_at": now,
        "last_activity_at": now,
    }


# The SMTP sink, in its own process


class Sink:
    """aiosmtpd on 127.0.0.1 in a child process, driven over a pipe."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=sink_serve, args=(self.port, theirs), daemon=True)
        self.process.start()
        if self.pipe.recv() != "ready":
            sys.exit("the SMTP sink did not start")

    def reset(self, *, keep: bool) -> None:
        """Forget what was received; keep=True records each message's bytes too."""
        self.pipe.send(("reset", keep))
        self.pipe.recv()

    def report(self) -> dict:
        self.pipe.send(("report", None))
        return self.pipe.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.pipe.send(("stop", None))
            self.process.join(10)


MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def sink_serve(port: int, pipe) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.reset(keep=False)

        def reset(self, *, keep: bool):
            self.keep, self.ids, self.messages, self.last = keep, [], [], None
            self.cpu = time.process_time()

        async def handle_DATA(self, server, session, envelope):
            now = time.monotonic()
            content = envelope.content
            headers_end = content.find(b"\r\n\r\n")
            found = MESSAGE_ID.search(content, 0, headers_end if headers_end >= 0 else len(content))
            self.ids.append(found.group(1).decode() if found else "")
            if self.keep:
                self.messages.append((envelope.mail_from, envelope.rcpt_tos, content))
            self.last = now
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="sink.bench")
    controller.start()
    pipe.send("ready")
    try:
        while True:
            command, value = pipe.recv()
            if command == "stop":
                break
            if command == "reset":
                handler.reset(keep=value)
                pipe.send("ok")
            elif command == "report":
                pipe.send(
                    {
                        "ids": list(handler.ids),
                        "messages": list(handler.messages),
                        "last": handler.last,
                        "cpu": time.process_time() - handler.cpu,
                    }
                )
    finally:
        controller.stop()


# The project's path


def project_run(args, sink: Sink) -> dict:
    from django_rq import get_queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    from followups.models import Touch
    from followups.scheduler import scheduler_pass

    mail = get_queue("mail")
    open_emails = Touch.objects.filter(channel="email", status__in=Touch.OPEN)
    names = [f"bench-email-{os.getpid()}-{number}" for number in range(args.workers)]
    sink.reset(keep=True)
    workers, usages, passes = [], [], 0
    if not args.burst_worker:
        workers = [
            WorkerProcess(name, "mail", worker_class=args.worker_class, burst=args.burst_worker)
            for name in names
        ]
        for worker in workers:
            worker.wait_registered()
    started = time.monotonic()
    try:
        while True:
            dispatched = scheduler_pass().dispatched
            passes += 1
            if args.burst_worker:
                workers = [
                    WorkerProcess(
                        name, "mail", worker_class=args.worker_class, burst=args.burst_worker
                    )
                    for name in names
                ]
                usages += [worker.wait() for worker in workers]
                workers = []
            else:
                wait_for_worker(open_emails, mail, StartedJobRegistry(queue=mail), started)
            if not open_emails.exists() or not dispatched or time.monotonic() - started > DEADLINE:
                break
    except BaseException:
        for worker in workers:
            worker.process.kill()
        raise
    done = time.monotonic()
    usages += [worker.stop() for worker in workers]
    received = sink.report()
    finished = FinishedJobRegistry(queue=mail)
    failed = FailedJobRegistry(queue=mail)
    return {
        "started": started,
        "last_received": received["last"] or done,
        "done": done,
        "passes": passes,
        "ids": received["ids"],
        "messages": received["messages"],
        "peak_rss": max(usage.ru_maxrss for usage in usages) * 1024,
        "worker_cpu": sum(usage.ru_utime + usage.ru_stime for usage in usages)
        - sum(worker.startup_cpu for worker in workers),
        "sink_cpu": received["cpu"],
        "jobs": finished.count,
        "job_seconds": job_seconds(mail, finished.get_job_ids()),
        "failed": [failed_job(mail, job_id) for job_id in failed.get_job_ids()],
        "hooks": get_queue("default").count,
        "workers": args.workers,
        "worker_class": args.worker_class or "rq's default Worker, a forked work horse per job",
        "burst": args.burst_worker,
    }


def wait_for_worker(open_emails, mail, started_jobs, since: float) -> None:
    """Until no email touch is open, or the worker has been idle with nothing queued
    for a second (what is left then needs another scheduler pass)."""
    idle_since = None
    while open_emails.exists() and time.monotonic() - since < DEADLINE:
        if mail.count == 0 and started_jobs.count == 0:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 1:
                return
        else:
            idle_since = None
        time.sleep(0.05)


def job_seconds(queue, job_ids: list[str]) -> float:
    from rq.job import Job

    jobs = Job.fetch_many(job_ids, connection=queue.connection)
    return sum(
        (job.ended_at - job.started_at).total_seconds()
        for job in jobs
        if job and job.started_at and job.ended_at
    )


def failed_job(queue, job_id: str) -> str:
    from rq.job import Job

    job = Job.fetch(job_id, connection=queue.connection)
    return (job.latest_result().exc_string if job.latest_result() else "")[-2000:]


# The baseline


def baseline_run(messages: list, sink: Sink) -> dict:
    """The same bytes to the same sink, through smtplib, over one connection."""
    sink.reset(keep=False)
    started, cpu = time.monotonic(), time.process_time()
    with smtplib.SMTP("127.0.0.1", sink.port) as client:
        for mail_from, rcpt_tos, content in messages:
            client.sendmail(mail_from, rcpt_tos, content)
    sent, cpu = time.monotonic(), time.process_time() - cpu
    received = sink.report()
    return {
        "started": started,
        "last_received": received["last"] or sent,
        "ids": received["ids"],
        "sent": len(messages),
        "client_cpu": cpu,
        "sink_cpu": received["cpu"],
    }


# Report


def report(count: int, project: dict, baselines: list[dict]) -> None:
    from django.db.models import Count

    from crm.models import Interaction
    from followups.models import Touch
    from mailings.models import OutboxEmail

    project_s = project["last_received"] - project["started"]
    project_rate = count / project_s
    worker = (
        "`rqworker mail --burst` started after each pass (start-up timed)"
        if project["burst"]
        else "`rqworker mail` started before the clock"
    )
    worker = f"{project['workers']} x {worker}; {project['worker_class']}"
    print(
        f"project  scheduler_pass -> RQ ({worker}) -> SMTP: {len(project['ids']):,} messages "
        f"in {project_s:.2f} s = {project_rate:,.0f} messages/s "
        f"({project['passes']} scheduler pass{'es' if project['passes'] > 1 else ''}; "
        f"all touches done {project['done'] - project['started']:.2f} s after the first pass)"
    )
    print(
        f"         {project['jobs']} mail jobs, {project['job_seconds']:.2f} s inside them "
        f"({project['job_seconds'] / max(project['jobs'], 1) * 1000:.0f} ms a job); "
        f"peak RSS of a worker (and its work horses) {project['peak_rss'] / 2**20:.0f} MB"
    )
    print(
        f"         CPU per message: worker(s) and work horses"
        f"{'' if project['burst'] else ' (start-up aside)'} "
        f"{project['worker_cpu'] / count * 1000:.2f} ms, SMTP sink "
        f"{project['sink_cpu'] / count * 1000:.2f} ms"
    )
    rates = []
    for number, baseline in enumerate(baselines, start=1):
        seconds = baseline["last_received"] - baseline["started"]
        rates.append(count / seconds)
        print(
            f"baseline {number}/{len(baselines)} smtplib, the same {baseline['sent']:,} messages "
            f"over one connection: {len(baseline['ids']):,} received in {seconds:.2f} s = "
            f"{rates[-1]:,.0f} messages/s (CPU per message: smtplib client "
            f"{baseline['client_cpu'] / count * 1000:.2f} ms, SMTP sink "
            f"{baseline['sink_cpu'] / count * 1000:.2f} ms)"
        )
    baseline_rate = statistics.median(rates)
    ratio = project_rate / baseline_rate
    goal = RATIO_GOALS.get(project["workers"], RATIO_GOALS[2])
    verdict = "met" if ratio >= goal else "NOT met"
    print(
        f"ratio    project / baseline (the median, {baseline_rate:,.0f} messages/s) = {ratio:.2f} "
        f"(goal >= {goal} with {project['workers']} worker(s): {verdict}; against the fastest "
        f"and the slowest baseline {project_rate / max(rates):.2f} .. "
        f"{project_rate / min(rates):.2f})"
    )
    cpu = project["worker_cpu"] / count * 1000
    verdict = "met" if cpu <= CPU_GOAL_MS else "NOT met"
    print(f"cpu      worker CPU per email {cpu:.2f} ms (goal <= {CPU_GOAL_MS} ms: {verdict})")

    statuses = dict(OutboxEmail.objects.values_list("status").annotate(n=Count("id")))
    touches = dict(
        Touch.objects.filter(channel="email").values_list("status").annotate(n=Count("id"))
    )
    expected = set(OutboxEmail.objects.exclude(message_id="").values_list("message_id", flat=True))
    ok = exactly_once("project", project["ids"], expected, count)
    for number, baseline in enumerate(baselines, start=1):
        ok &= exactly_once(f"baseline {number}", baseline["ids"], expected, count)
    sent_interactions = Interaction.objects.filter(kind=Interaction.Kind.EMAIL_SENT).count()
    print(
        f"outbox   {statuses}; email touches {touches}; "
        f"email_sent interactions {sent_interactions:,}"
    )
    ok &= statuses == {"sent": count} and touches == {"done": count}
    for failure in project["failed"]:
        print(f"FAILED JOB\n{failure}")
    ok &= not project["failed"]
    print(
        f'hooks    {project["hooks"]} crm.jobs.interactions_recorded jobs queued on "default" '
        "(follow-on work after a send; not run, not part of the timing)"
    )
    print(f"result   {'PASS' if ok else 'FAIL'}: every email sent, each received exactly once")


def exactly_once(name: str, ids: list[str], expected: set[str], count: int) -> bool:
    distinct = set(ids)
    missing, unexpected = len(expected - distinct), len(distinct - expected)
    ok = len(ids) == count and len(distinct) == count and not missing and not unexpected
    print(
        f"received {name:<10} total {len(ids):,}, distinct Message-IDs {len(distinct):,}, "
        f"duplicates {len(ids) - len(distinct):,}, missing {missing:,}, unexpected {unexpected:,}: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return ok


# Profile


def profile_batches(sink: Sink, cadence, *, start: int, count: int) -> None:
    """`count` more emails, sent by emails_send in this process under cProfile, in
    batches of MAIL_BATCH_SIZE as the jobs send them (the first batch aside: a
    freshly started worker's first job imports and compiles)."""
    from django.conf import settings
    from django.utils import timezone

    from crm.models import Campaign, User
    from followups.models import Touch
    from mailings.email.sending import emails_send

    size = settings.MAIL_BATCH_SIZE
    rep, manager = (
        User.objects.get(username="rep_robin"),
        User.objects.get(username="manager_maria"),
    )
    enrol_leads(cadence, rep, Campaign.objects.get(), manager, start=start, count=size + count)
    pending = Touch.objects.filter(channel="email", status="pending").order_by("id")
    pending = list(pending.values_list("pk", flat=True))
    Touch.objects.filter(pk__in=pending).update(status="claimed", claimed_at=timezone.now())
    sink.reset(keep=False)
    emails_send(touch_ids=pending[:size])  # the cold batch, not profiled
    clock = time.process_time if os.environ.get("BENCH_PROFILE_CLOCK") == "cpu" else None
    profiler, sent = (cProfile.Profile(clock) if clock else cProfile.Profile()), Counter()
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(size, size + count, size):
        profiler.enable()
        sent += emails_send(touch_ids=pending[first : first + size])
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"profile  {count:,} emails in batches of {size} in this process, after a cold batch: "
        f"{dict(sent)} in {seconds:.2f} s, CPU {cpu / count * 1000:.2f} ms an email "
        "(with cProfile on); top 30 by own time, then by cumulative time:"
    )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
        print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))
    print(f"sink     received {len(sink.report()['ids']):,} in the profiled batches")
    if dump := os.environ.get("BENCH_PROFILE_FILE"):
        profiler.dump_stats(dump)
        print(f"profile  written to {dump} (pstats)")


if __name__ == "__main__":
    main()
