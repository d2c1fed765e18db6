"""Benchmark: the lead list's text search on a million leads, with and without trigram indexes.

    DATABASE_URL=postgres://... .venv/bin/python bench/lead_search.py
        [--leads 1000000] [--repeat 5] [--explain] [--pasted-only]

PostgreSQL only (pg_trgm): a new database on DATABASE_URL's server, dropped
afterwards. Seeding (timed, not part of the results): seed_demo with --leads
leads from the demo world (names, emails, companies and phones of seven
countries; 40 reps own them, some new leads have no owner) and their
interactions, written with COPY, the lead and interaction tables' indexes
dropped for the load and made again after it (bench.seed.indexes_dropped);
then VACUUM ANALYZE.

Measured: the lead list's first page as the list view makes it (crm/views.py:
leads_visible_to with the view's select_related, crm.filters.LeadFilter with
q=TERM and its default order, latest activity first, then
crm.pagination.keyset_paginate: 50 rows and the count capped at COUNT_CAP), as
the manager (every lead) and as rep1 (leads_visible_to: their own), for
several terms a rep types: a surname, a first name and surname, part of an
email domain, a company word, a phone number (4+ digits), a rare term (a whole
email address, pasted), a common one, and names typed without their accents
(Muller for Müller, Jose Garcia for José García). Terms taken from the data are taken
from rep1's leads, so the rep finds something too.

  baseline  the same calls without the search's trigram indexes (0009's on
            the email and phone, 0017's on the folded names and company),
            dropped before seeding: each OR of LIKEs reads the table.
  project   after creating the indexes exactly as the migration does (timed)
            and ANALYZE (which also gathers statistics on the indexes'
            UPPER(...) expressions, which the planner then uses to estimate
            the search's selectivity).

Then the exact path (crm.selectors.lead_search looks a whole email address or
phone number up by equality before the contains search), for a whole email
address, a whole phone in E.164 and the same number in national format as
each user dials it (their country, crm.models.User.country), pasted:

  raw       the bare single-index lookup on crm_lead through a cursor (WHERE
            lower(email) = %s AND email <> '', or WHERE phone = %s with the
            E.164; AND owner_id = %s for the rep): the baseline.
  project   the lead list's first page and its count, as above.
  contains  the same page with the exact path switched off: the trigram search
            the page made before it (for the record).

The median of max(--repeat, 20) runs each, raw and project in turn (contains:
of 5); the ratio project / raw, and the
goal: the project's page under 20 ms. The page must hold the raw lookup's
leads, all of them in the contains page too. --pasted-only skips the
measurements without the trigram indexes (the baseline above).

Each call runs once cold (reported apart), then --repeat times (the median
counts). The results must be the same both ways: the page's ids in order and
the count. Prints per term and user both medians and the ratio baseline /
project (above 1: the indexes make it faster), and the indexes each of the
project's queries used (from EXPLAIN). --explain prints EXPLAIN (ANALYZE,
BUFFERS) of every project query. The machine may be shared: the load average
is printed at the start and the end.
"""

import argparse
import importlib
import os
import re
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from functools import partial
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
    indexes_dropped,
    load,
    machine,
    server_settings,
    step,
)

REPS = 40
PAGE_SIZE = 50  # crm.views.PAGE_SIZE
REP = "rep1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs after the cold one.")
    parser.add_argument("--explain", action="store_true", help="Print the project's plans.")
    parser.add_argument(
        "--pasted-only", action="store_true", help="Time the exact path only (pasted terms)."
    )
    args = parser.parse_args()
    with fresh_postgres(f"crm_bench_search_{os.getpid()}"):
        run(args)


def run(args) -> None:
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",  # no SECRET_KEY or static manifest needed
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
    settings.DEBUG = False  # no query log in the timed parts
    print(f"Lead search benchmark, {args.leads:,} leads, first page of {PAGE_SIZE} and its count")
    print(f"machine: {machine()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one), "
          f"{server_settings()}")  # fmt: skip
    with step("drop the trigram indexes"):
        trigram_indexes("drop")
    seed(args.leads)
    searches = terms()
    print(f"terms:   {', '.join(f'{s.kind} {s.text!r}' for s in searches)}")
    baseline = {} if args.pasted_only else measure(searches, args.repeat)
    with step("create the trigram indexes"):
        trigram_indexes("create")
    with step("ANALYZE crm_lead"), connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_lead")
    if not args.pasted_only:
        project = measure(searches, args.repeat)
        report(searches, baseline, project)
        if args.explain:
            explain(searches)
    pasted(max(args.repeat, 20))
    print(f"load average {load()} at the end (other work here skews timings)")


# Seeding ---------------------------------------------------------------------------


def trigram_indexes(action: str) -> None:
    """Drop, or create exactly as the migrations do (without CONCURRENTLY: nobody
    else uses this database), the search's trigram indexes: 0009's on the email
    and phone, and 0017's on crm_fold() of the names and company, which replaced
    0009's on those."""
    from django.db import connection

    first = importlib.import_module("crm.migrations.0009_lead_search_trigram")
    folded = importlib.import_module("crm.migrations.0017_lead_search_accents")
    replaced = {name for name, _ in folded.REPLACED}
    indexes = [(name, expression) for name, expression in first.INDEXES if name not in replaced]
    for name, column in folded.FOLDED:
        indexes.append((name, f'crm_fold("{column}"::text) gin_trgm_ops'))
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, expression in indexes:
            if action == "drop":
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            else:
                cursor.execute(first.create_sql(name, expression, concurrently=False))
        cursor.execute("RESET maintenance_work_mem")


def seed(leads: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from crm.models import Interaction, Lead

    started = time.perf_counter()
    tables = [Lead._meta.db_table, Interaction._meta.db_table]
    with step("drop indexes and constraints"):
        remake = indexes_dropped(tables)
    with step("seed_demo"):
        call_command("seed_demo", leads=leads, reps=REPS, seed=1, stdout=StringIO())
    with step("indexes and constraints again"), connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for sql in remake:
            cursor.execute(sql)
        cursor.execute("RESET maintenance_work_mem")
    with step("VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    owned = Lead.objects.filter(owner__username=REP).count()
    print(
        f"seeded   {Lead.objects.count():,} leads ({owned:,} of them {REP}'s), "
        f"{Interaction.objects.count():,} interactions, in {time.perf_counter() - started:.0f} s"
    )


# Measuring -------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    kind: str
    text: str


def terms() -> list[Search]:
    """What reps type. Terms from the data come from rep1's leads (the lowest ids),
    so they are the same in every run with the same --leads."""
    from crm.models import Lead

    theirs = Lead.objects.filter(owner__username=REP).order_by("id")
    domain = theirs.filter(email__contains="-").values_list("email", flat=True)[0]
    number = theirs.filter(phone__startswith="+1").values_list("phone", flat=True)[0][2:]
    email = theirs.exclude(email="").values_list("email", flat=True)[100]
    return [
        Search("surname", "Schneider"),
        Search("first + surname", "Emily Clarke"),
        Search("email domain", domain.split("@")[1].removesuffix(".example")),
        Search("company word", "Robotics"),
        Search("phone digits", f"{number[:3]}-{number[3:6]}-{number[6:]}"),
        Search("rare: an email", email),
        Search("common", "Martin"),
        Search("no accents", "Muller"),
        Search("no accents, 2 words", "Jose Garcia"),
    ]


def users():
    from crm.models import User

    return [User.objects.get(username="manager"), User.objects.get(username=REP)]


def first_page(user, text: str):
    """The lead list's page for ?q=text, as crm.views.lead_list makes it."""
    from crm.filters import LeadFilter
    from crm.pagination import keyset_paginate
    from crm.selectors import leads_visible_to

    leads = leads_visible_to(user).select_related("owner", "source_campaign")
    lead_filter = LeadFilter({"q": text}, queryset=leads, user=user)
    assert lead_filter.is_valid(), lead_filter.errors
    return keyset_paginate(lead_filter.qs, ordering=lead_filter.ordering, size=PAGE_SIZE)


@dataclass(frozen=True)
class Timing:
    cold: float
    median: float
    result: tuple  # the page's ids, the count, whether the count is capped
    indexes: str  # used by the page's and the count's query


def measure(searches: list[Search], repeat: int) -> dict[tuple[str, str], Timing]:
    timings = {}
    for user in users():
        for search in searches:
            seconds = []
            for _ in range(repeat + 1):
                started = time.perf_counter()
                page = first_page(user, search.text)
                seconds.append(time.perf_counter() - started)
            result = ([lead.pk for lead in page.items], page.total, page.total_is_capped)
            timings[user.username, search.text] = Timing(
                seconds[0], statistics.median(seconds[1:]), result, indexes_used(user, search.text)
            )
    return timings


def captured(user, text: str) -> list[str]:
    """The SQL of the page's queries on crm_lead, parameters bound."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        first_page(user, text)
    return [query["sql"] for query in queries.captured_queries if '"crm_lead"' in query["sql"]]


def indexes_used(user, text: str) -> str:
    """The indexes on crm_lead (or its sequential scan) in each query's plan."""
    from django.db import connection

    used = []
    with connection.cursor() as cursor:
        for sql in captured(user, text):
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            found = re.findall(r"Index (?:Only )?Scan (?:Backward )?(?:using|on) (\S+)", plan)
            names = [
                "owner" if name.startswith("crm_lead_owner_id") else short(name)
                for name in dict.fromkeys(found)
                if not name.startswith(("crm_user", "crm_campaign"))
            ]
            if "Seq Scan on crm_lead" in plan:
                names.append("seq scan")
            used.append("+".join(names) or "-")
    return " / ".join(used)


def short(index: str) -> str:
    return index.removeprefix("lead_").removesuffix("_idx").removesuffix("_trgm")


def explain(searches: list[Search]) -> None:
    from django.db import connection

    for user in users():
        for search in searches:
            for sql in captured(user, search.text):
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
                print(f"\n{user.username}, {search.text!r}:\n  {sql[:300]}...\n{plan}")


def report(searches: list[Search], baseline: dict, project: dict) -> None:
    print(
        f"\n{'user':<8} {'term':<17} {'text':<28} {'count':>7} "
        f"{'baseline':>9} {'project':>9} {'ratio':>6}   cold: baseline / project"
    )
    ratios = []
    for user in users():
        for search in searches:
            key = user.username, search.text
            before, after = baseline[key], project[key]
            if before.result != after.result:
                sys.exit(f"different results for {key}: {before.result} / {after.result}")
            _, total, capped = after.result
            count = f"{total:,}{'+' if capped else ''}"
            ratio = before.median / after.median
            ratios.append(ratio)
            print(
                f"{user.username:<8} {search.kind:<17} {search.text[:28]:<28} {count:>7} "
                f"{ms(before.median):>9} {ms(after.median):>9} {ratio:6.1f}   "
                f"{ms(before.cold)} / {ms(after.cold)}"
            )
    print("results: the same page (ids in order) and count both ways, every term")
    print(f"ratio baseline / project: {min(ratios):.1f} to {max(ratios):.1f}, "
          f"median {statistics.median(ratios):.1f}")  # fmt: skip
    print("\nplans on crm_lead (page / count), baseline -> project:")
    for user in users():
        for search in searches:
            key = user.username, search.text
            print(f"  {user.username:<8} {search.text[:28]:<28} {baseline[key].indexes}")
            print(f"  {'':<8} {'':<28} -> {project[key].indexes}")


# Pasted whole contacts: the exact path ---------------------------------------------

PASTED_GOAL_MS = 20


def pasted_terms(user) -> list[Search]:
    """From rep1's leads: a whole email, a whole phone in E.164, and the same
    phone as the user would dial it at home (a number of their country)."""
    import phonenumbers

    from crm.contact import phone_country
    from crm.models import Lead

    theirs = Lead.objects.filter(owner__username=REP).order_by("id")
    email = theirs.exclude(email="").values_list("email", flat=True)[100]
    phones = theirs.exclude(phone="").values_list("phone", flat=True)[:20_000]
    phone = next(number for number in phones if phone_country(number) == user.country)
    national = phonenumbers.format_number(
        phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    return [
        Search("pasted email", email),
        Search("pasted E.164", phone),
        Search(f"national ({user.country})", national),
    ]


def raw_lookup(user, search: Search) -> list[int]:
    """The bare index lookup the exact path stands on, through a cursor."""
    from django.db import connection

    from crm.contact import parse_phone

    if "@" in search.text:
        sql, params = (
            "SELECT id FROM crm_lead WHERE lower(email) = %s AND email <> ''",
            [search.text.lower()],
        )
    else:
        e164 = parse_phone(search.text, country=user.country).e164
        sql, params = "SELECT id FROM crm_lead WHERE phone = %s", [e164]
    if not user.is_manager:
        sql, params = f"{sql} AND owner_id = %s", [*params, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def contains_page(user, text: str):
    """The page as the search made it before its exact path."""
    from crm import selectors

    exact = selectors._leads_with_whole_contact
    selectors._leads_with_whole_contact = lambda *args: None
    try:
        return first_page(user, text)
    finally:
        selectors._leads_with_whole_contact = exact


def medians(calls: list, repeat: int) -> list[tuple[float, object]]:
    """Each call's median time and result: once cold, then `repeat` rounds of
    every call in turn, so a burst of load on the shared machine hits them alike."""
    results = [call() for call in calls]
    seconds = [[] for _ in calls]
    for _ in range(repeat):
        for index, call in enumerate(calls):
            started = time.perf_counter()
            results[index] = call()
            seconds[index].append(time.perf_counter() - started)
    pairs = zip(seconds, results, strict=True)
    return [(statistics.median(times), result) for times, result in pairs]


def pasted(repeat: int) -> None:
    print(
        f"\npasted whole contacts: the exact path, median of {repeat} "
        f"(goal: the page under {PASTED_GOAL_MS} ms)"
    )
    print(
        f"{'user':<8} {'term':<17} {'text':<30} {'raw':>8} {'project':>9} {'ratio':>6} "
        f"{'contains':>10}   leads: project / contains"
    )
    worst = 0.0
    for user in users():
        for search in pasted_terms(user):
            (raw, ids), (project, page) = medians(
                [partial(raw_lookup, user, search), partial(first_page, user, search.text)], repeat
            )
            [(before, old)] = medians([partial(contains_page, user, search.text)], 5)
            found = sorted(lead.pk for lead in page.items)
            if not set(ids) <= set(found) or not set(found) <= {lead.pk for lead in old.items}:
                sys.exit(f"{user.username} {search.text!r}: raw {ids}, project {found}, old {old}")
            worst = max(worst, project)
            print(
                f"{user.username:<8} {search.kind:<17} {search.text[:30]:<30} {ms(raw):>8} "
                f"{ms(project):>9} {project / raw:6.1f} {ms(before):>10}   "
                f"{page.total} / {old.total}"
            )
    verdict = "met" if worst * 1000 < PASTED_GOAL_MS else "NOT met"
    print(f"slowest project page {ms(worst)}: goal < {PASTED_GOAL_MS} ms {verdict}")
    print("results: the page holds the raw lookup's leads, each also on the contains page")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


if __name__ == "__main__":
    main()
