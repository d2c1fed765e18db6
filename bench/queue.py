"""Benchmark: "give me the next lead" from a rep's call queue, on a million leads.

    DATABASE_URL=postgres://... .venv/bin/python bench/queue.py [--leads 1000000]

PostgreSQL only (claims rely on SELECT ... FOR UPDATE SKIP LOCKED): a new
database on DATABASE_URL's server, dropped afterwards. Seeding: seed_demo
(--leads leads, ~3.3 interactions each), bulk interactions up to 5 per lead,
seed_demo_touches (a call for every callable lead), bulk email touches up to
one pending touch per lead, ANALYZE. Calling hours are the demo's, every day
and all day (seed_demo_touches sets them), so every due call is callable
whenever the benchmark runs.

Then, for one rep:
  claim     followups.queue.services.call_claim_next(user=rep), against the same SQL (the
            statements a claim sends, captured with their parameters: the check
            for a claimed call, and the claim itself, one UPDATE ... WHERE id =
            (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING the card)
            through connection.cursor(); interleaved, each claimed touch put
            back to pending outside the timing.
            Median, p95 and the ratio project / raw at the median.
            Goals: ratio <= 1.5, p95 < 50 ms.
  queries   per claim, per queue page, per team page: a rep with ~100,000
            touches against a rep with 5; the counts must be equal (or fewer
            for the rep with 5, whose one page of the list is not counted).
  list      today's list page (followups.queue.views.queue_list through the test
            client: the filter, the first keyset page of 50 rows with when each
            may be called, the count capped at 1,000, the template) for the rep with ~135,000 calls
            against the same page for the rep with 5 (the baseline), --repeat
            times each, interleaved; the median of each and the ratio. Also
            timed, for the record: the full count of the big rep's day that the
            page made before it capped its count. Goal: < 100 ms.
  threads   1, then 8 threads, each with its own connection, claim for 10 s
            from one shared pool (all as the same rep) and log each call at
            once. A trigger records every pending -> claimed change, so the
            database itself shows whether any touch was claimed twice.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
import warnings
from datetime import timedelta
from pathlib import Path

# This file's name would hide the standard library's queue module (psycopg uses it)
# from everything run here: its folder goes to the end of the path, not the front.
BENCH = Path(__file__).resolve().parent
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]
from seed import ROOT, database_version, machine, postgres_database, step  # noqa: E402

INTERACTIONS_PER_LEAD = 5
REPS = 5
FEW = 5  # touches of the rep with few


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=1000, help="Timed claims per way.")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=20, help="Timed loads of today's list.")
    args = parser.parse_args()
    url, drop = postgres_database(f"crm_bench_queue_{os.getpid()}")
    os.environ["DATABASE_URL"] = url
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        drop()


def run(args) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DJANGO_DEBUG"] = "1"  # no SECRET_KEY or static manifest needed
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in the timed parts (CaptureQueriesContext has its own)
    print(f"Call queue benchmark, {args.leads:,} leads")
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one)")
    seed(args.leads)
    print(f"calling hours: {calling_hours_described()} (the demo's, set by seed_demo_touches)")
    rep, few = reps_under_test()
    claim_latency(rep, args.claims)
    query_counts(rep, few)
    todays_list(rep, few, args.repeat)
    concurrent_claims(rep, args.threads, args.seconds)
    print(f"load average {os.getloadavg()[0]:.1f} at the end (other work here skews timings)")


def calling_hours_described() -> str:
    from followups.calling_hours import calling_hours

    window = calling_hours()
    return f"{window.days_label}, {window.hours_label}"


# Seeding


def seed(leads: int) -> None:
    from io import StringIO

    from django.core.management import call_command

    from crm.bulk import analyze
    from crm.models import Interaction, Lead
    from followups.models import Touch

    started = time.perf_counter()
    with step("seed_demo"):
        call_command("seed_demo", leads=leads, reps=REPS, seed=1, stdout=StringIO())
    with step("seed_demo_touches"):
        call_command("seed_demo_touches", stdout=StringIO())
    with step("more interactions"):
        add_interactions(INTERACTIONS_PER_LEAD * leads - Interaction.objects.count())
    with step("more touches"):
        add_email_touches(leads - Touch.objects.count())
    with step("ANALYZE"):
        analyze(Lead, Interaction, Touch)
    calls = Touch.objects.filter(channel="call").count()
    print(
        f"seeded   {Lead.objects.count():,} leads, {Interaction.objects.count():,} interactions, "
        f"{Touch.objects.count():,} pending touches ({calls:,} calls) "
        f"in {time.perf_counter() - started:.0f} s"
    )


def add_interactions(count: int) -> None:
    """Emails sent and opened, web visits, and calls by the reps (some of them today,
    for the team view): spread over the leads and the last 30 days."""
    from django.db import transaction
    from django.db.models import Max, Min
    from django.utils import timezone

    from crm.bulk import TableWriter
    from crm.models import Interaction, Lead, User
    from followups.queue.services import Outcome

    rng = random.Random(2)
    ids = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    reps = list(User.objects.filter(username__startswith="rep").values_list("pk", flat=True))
    outcomes = [code for code in Outcome.values if code != Outcome.CALL_BACK]
    kinds = ["email_sent", "email_opened", "web_visit"]
    now = timezone.now()
    writer = TableWriter(Interaction, with_pk=False)
    with transaction.atomic():
        for start in range(0, max(count, 0), 50_000):
            rows = []
            for _ in range(min(50_000, count - start)):
                moment = now - timedelta(seconds=rng.randrange(30 * 86400))
                row = {
                    "lead_id": rng.randint(ids["low"], ids["high"]),
                    "occurred_at": moment,
                    "created_at": moment,
                    "source": "bench",
                }
                if rng.random() < 0.1:
                    row |= {"kind": "call", "user_id": rng.choice(reps)}
                    row["outcome"] = rng.choice(outcomes)
                else:
                    row["kind"] = rng.choice(kinds)
                rows.append(row)
            writer.insert(rows)


def add_email_touches(count: int) -> None:
    """Pending emails, due in the coming weeks, for leads without one."""
    from django.db import transaction
    from django.utils import timezone

    from crm.bulk import TableWriter
    from crm.models import Lead
    from followups.models import Touch

    rng = random.Random(3)
    now = timezone.now()
    leads = (
        Lead.objects.exclude(touches__channel="email")
        .order_by("pk")
        .values_list("pk", "owner_id")[: max(count, 0)]
    )
    writer = TableWriter(Touch, with_pk=False)
    rows = [
        {
            "lead_id": pk,
            "channel": "email",
            "due_at": now + timedelta(seconds=rng.randrange(3600, 21 * 86400)),
            "reason": "Send the remarketing playbook",
            "priority": 30,
            "assigned_to_id": owner,
            "origin": "Benchmark",
            "key": f"bench:lead:{pk}:email",
            "created_at": now,
        }
        for pk, owner in leads.iterator(chunk_size=20_000)
    ]
    with transaction.atomic():
        for start in range(0, len(rows), 50_000):
            writer.insert(rows[start : start + 50_000])


def reps_under_test():
    """rep1 with its tens of thousands of calls, and a new rep with FEW due calls
    (moved over from rep1 by the team service)."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from crm.models import User
    from followups.models import Touch
    from followups.team.services import touches_reassign

    rep = User.objects.get(username="rep1")
    few = User.objects.create(username="rep_few", first_name="Fewer", last_name="Touches")
    few.groups.add(Group.objects.get(name="rep"))
    due = Touch.objects.filter(
        assigned_to=rep, channel="call", status="pending", due_at__lt=timezone.now()
    )
    touches_reassign(
        touches=Touch.objects.filter(pk__in=list(due.values_list("pk", flat=True)[:FEW])),
        to_user=few,
        by=User.objects.get(username="manager"),
    )
    calls = Touch.objects.filter(assigned_to=rep, channel="call")
    due_count = calls.filter(due_at__lt=timezone.now()).count()
    print(f"rep      {rep.username}: {calls.count():,} open calls, {due_count:,} due now")
    return rep, few


# Claim latency


def claim_latency(rep, claims: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from followups.models import Touch
    from followups.queue.services import call_claim_next

    def project() -> tuple[float, int]:
        started = time.perf_counter()
        touch = call_claim_next(user=rep)
        return time.perf_counter() - started, touch.pk

    # The baseline sends the very statements the project sends for a claim, as the
    # database received them (parameters bound), through a bare cursor. The claim
    # before compiles this minute's statement (its BEGIN/COMMIT would show here).
    put_back(project()[1])
    with CaptureQueriesContext(connection) as captured:
        pk = project()[1]
    put_back(pk)
    statements = [query["sql"] for query in captured.captured_queries]

    def raw() -> tuple[float, int]:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                row = cursor.fetchone()
        return time.perf_counter() - started, row[0]

    for sql in statements:
        print(f"sql      {short(sql)}")
    for _ in range(20):  # warm up both ways
        put_back(project()[1])
        put_back(raw()[1])
    timings = {"project": [], "raw": []}
    for _ in range(claims):
        for name, claim in (("project", project), ("raw", raw)):
            seconds, pk = claim()
            timings[name].append(seconds)
            put_back(pk)
    report_latency("claim, the head of the queue again and again", timings)

    walked = {"project": [], "raw": []}
    for name, claim in (("project", project), ("raw", raw)):
        claimed = []
        for _ in range(min(claims, 300)):
            seconds, pk = claim()
            walked[name].append(seconds)
            claimed.append(pk)
            # logged, as the rep would before asking for the next one
            Touch.objects.filter(pk=pk).update(status="done", claimed_by=None, claimed_at=None)
        Touch.objects.filter(pk__in=claimed).update(status="pending")
    report_latency("claim, walking down the queue (300 claims, each logged, then put back)", walked)
    in_database = time_in_database(project, put_back, min(claims, 300))
    project_median = statistics.median(timings["project"])
    print(
        f"  call_claim_next's median {project_median * 1000:.2f} ms: {in_database * 1000:.2f} ms "
        f"waiting for the database (its statements, mean), the rest in Python"
    )


def put_back(pk: int) -> None:
    from followups.models import Touch

    Touch.objects.filter(pk=pk).update(status="pending", claimed_by=None, claimed_at=None)


def time_in_database(claim, put_back, claims: int) -> float:
    """Mean seconds per claim spent inside cursor.execute."""
    from django.db import connection

    spent = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    total = 0.0
    for _ in range(claims):
        with connection.execute_wrapper(timer):
            pk = claim()[1]
        total += sum(spent)
        spent.clear()
        put_back(pk)
    return total / claims


def report_latency(title: str, timings: dict[str, list[float]]) -> None:
    print(title)
    stats = {}
    for name, values in timings.items():
        median = statistics.median(values)
        p95 = statistics.quantiles(values, n=20, method="inclusive")[18]
        stats[name] = median
        label = "call_claim_next" if name == "project" else "raw cursor, same SQL"
        print(
            f"  {label:<22} median {median * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   "
            f"({len(values)} claims)"
        )
    print(f"  ratio project / raw at the median: {stats['project'] / stats['raw']:.2f}")


def short(sql: str, keep: int = 150) -> str:
    return sql if len(sql) <= keep else f"{sql[:keep]}… ({len(sql):,} characters)"


# Queries


def query_counts(rep, few) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from crm.models import User
    from followups.models import Touch
    from followups.queue.services import call_claim_next

    def count(user, action) -> tuple[int, float]:
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            action(user, client)
            seconds = time.perf_counter() - started
        Touch.objects.filter(status="claimed", claimed_by=user).update(
            status="pending", claimed_by=None, claimed_at=None
        )
        return len(queries), seconds

    def page(url):
        def get(user, client):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    manager = User.objects.get(username="manager")
    actions = {
        "claim (call_claim_next)": lambda user, client: call_claim_next(user=user),
        f"queue page {reverse('queue:next')}": page(reverse("queue:next")),
        f"queue list {reverse('queue:list')}": page(reverse("queue:list")),
    }
    print(f"queries  {rep.username} (many touches) vs {few.username} ({FEW} touches)")
    for name, action in actions.items():
        count(rep, action)  # the first request warms caches (sessions, permissions, zones)
        (many, many_s), (fewer, few_s) = count(rep, action), count(few, action)
        # Fewer for the rep with few is fine: a first page holding every row is not counted.
        verdict = "equal" if many == fewer else "fewer" if fewer < many else "MORE"
        print(
            f"  {name:<28} {many:>3} vs {fewer:>3} queries: {verdict}   "
            f"({many_s * 1000:.0f} ms vs {few_s * 1000:.0f} ms)"
        )
    queries, seconds = count(manager, page(reverse("team:board")))
    print(f"  team page (manager)          {queries:>3} queries, {seconds * 1000:.0f} ms")


# Today's list


def todays_list(rep, few, repeat: int) -> None:
    from django.test import Client
    from django.urls import reverse

    from followups.queue.selectors import todays_queue

    clients = {}
    for user in (rep, few):
        clients[user] = Client()
        clients[user].force_login(user)
        clients[user].get(reverse("queue:list"))  # warm: session, permissions, zones

    def load(user) -> float:
        started = time.perf_counter()
        response = clients[user].get(reverse("queue:list"))
        seconds = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return seconds

    timings = {rep: [], few: []}
    for _ in range(repeat):
        for user in (rep, few):
            timings[user].append(load(user))
    counted = []
    for _ in range(3):
        started = time.perf_counter()
        calls = todays_queue(rep).count()
        counted.append(time.perf_counter() - started)
    big, small = statistics.median(timings[rep]), statistics.median(timings[few])
    p95 = sorted(timings[rep])[int(0.95 * (len(timings[rep]) - 1))]
    said = clients[rep].get(reverse("queue:list")).text
    count_line = said.split('<p class="count" aria-live="polite">')[1].split("</p>")[0]
    print(f"list     today's list {reverse('queue:list')}, median of {repeat} loads each")
    print(f"  {rep.username} ({calls:,} calls today): {big * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"  {few.username} ({FEW} calls, baseline): {small * 1000:.1f} ms")
    print(f"  ratio {rep.username} / {few.username}: {big / small:.2f}   goal: < 100 ms")
    print(f"  the page says: {count_line.strip()!r}")
    print(f"  for the record, the full count of {rep.username}'s day (what the page did before): "
          f"{statistics.median(counted) * 1000:.0f} ms")  # fmt: skip


# Concurrent claims


CLAIM_TRIGGER = """
CREATE TABLE bench_claims (touch_id bigint NOT NULL, claimed_by bigint, claimed_at timestamptz);
CREATE FUNCTION bench_record_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'pending' AND NEW.status = 'claimed' THEN
    INSERT INTO bench_claims VALUES (NEW.id, NEW.claimed_by_id, NEW.claimed_at);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER bench_record_claim AFTER UPDATE OF status ON followups_touch
  FOR EACH ROW EXECUTE FUNCTION bench_record_claim();
"""


def concurrent_claims(rep, threads: int, seconds: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CLAIM_TRIGGER)
    print(
        f"threads  claiming for {seconds:.0f} s, all as {rep.username}, "
        "each thread with its own connection"
    )
    for count in sorted({1, threads}):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_claims")
        claim_in_threads(rep, count, seconds)


def claim_in_threads(rep, threads: int, seconds: float) -> None:
    from django.db import connection

    results: list[list[tuple[int, bool]]] = []
    barrier = threading.Barrier(threads)
    workers = [
        threading.Thread(target=claimer, args=(rep, seconds, barrier, results))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    handed = [pk for result in results for pk, _ in result]
    logged = [pk for result in results for pk, did_log in result if did_log]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT touch_id) FROM bench_claims")
        claims, distinct = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM followups_touch WHERE status = 'done' AND id = ANY(%s)",
            [logged],
        )
        done = cursor.fetchone()[0]
    twice = claims - distinct
    again = len(handed) - len(set(handed))
    print(
        f"  {threads} thread{'s' if threads > 1 else ''}: {claims:,} claims = "
        f"{claims / seconds:,.0f} claims/s; claimed twice (pending -> claimed, counted by a "
        f"trigger): {twice}{' HANDED OUT TWICE' if twice else ''}; calls logged {len(logged):,}, "
        f"done in the database {done:,}; given to a second thread as the rep's current call "
        f"before the first logged it: {again:,}"
    )


def claimer(rep, seconds: float, barrier, results) -> None:
    from django.db import connection
    from django.utils import timezone

    from followups.models import Touch
    from followups.queue.services import call_claim_next

    mine = []
    try:
        barrier.wait()
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            touch = call_claim_next(user=rep)
            if touch is None:
                break
            logged = Touch.objects.filter(pk=touch.pk, status="claimed").update(
                status="done", completed_at=timezone.now(), outcome="no_answer"
            )
            mine.append((touch.pk, bool(logged)))
    finally:
        connection.close()
        results.append(mine)


if __name__ == "__main__":
    main()
