"""Benchmark: audiences and the manager's dashboard on a million leads.

    DATABASE_URL=postgres://... .venv/bin/python bench/audience.py
        [--leads 1000000] [--interactions 5000000] [--repeat 5] [--seed 1] [--explain]

PostgreSQL only: a new database on DATABASE_URL's server, dropped afterwards.
No Redis: jobs run in "thread" mode, and the thread runner is replaced by one
that counts what would have been queued and runs nothing (saving an audience
queues its rebuild; the benchmark runs the rebuild itself, timed).

Seeding (timed, not part of the results): users (40 reps, a manager, the
mailroom) and campaigns through the ORM, among them the event "Expo 2026" that
started 30 days before now; then --leads leads and exactly --interactions
interactions over the last two years (denser lately) written with COPY in one
pass, with their call, email and letter touches, a cadence of two email steps
with an A/B test on the first (enrolments, their touches and outbox emails) and
three mailed print runs (letters), each table on its own connection. Leads:
names, companies, addresses and phones
from the demo world (crm.demo.world), owners, stages, consent, scores, source
campaigns, referrals. Interactions: booth visits and giveaway entries (with
their campaign), web sessions (web_visit with a path and data {"title",
"seconds"}; /pricing, /pricing/enterprise, /cart, /checkout, the blog, ...),
carts (cart_add, checkout_started, then a purchase or cart_abandoned), content
downloads (data {"content": ...}, white papers and others, some before Expo
2026), emails sent / opened / clicked / replied, calls with the queue's
outcomes, meetings, purchases (data {"products": [...]} or {"product": ...}),
letters mailed. Lead ids follow creation, and interactions are stored in time
order (through an unlogged staging table), as they arrive in production: a
day's interactions share pages, a lead's are spread over months of them. The
tables' indexes and constraints are dropped for the load and made again after
it (bench.seed.indexes_dropped), then VACUUM ANALYZE: the state autovacuum
would leave a production database in.

Measured, each --repeat times after a first, "cold" run reported apart (the
median and the max of the repeats count); "now" is one instant for everything:

  audiences  A: "visited the booth at Expo 2026 AND downloaded a white paper
             before the event" (attended_event + downloaded_content with
             before_campaign); B: "visited /pricing* but not /checkout* in the
             last 7 days" (visited_page + not_visited_page). "Checkout" is a
             page visit: the rules have no rule for checkout_started events, and
             the tracking snippet records the /checkout page view with each
             one. Definitions as the builder stores them (definition_clean).
             count       crm.audiences.rules.compiling.audience_count (the builder's live
                         count: the definition checked, its campaigns loaded, one
                         COUNT)
             first page  selectors.audience_preview(definition, size=50): the
                         builder's preview with the member list's page size,
                         order and columns, live from the rules (its SQL
                         compiled once per definition, crm.prepared: the cold
                         run compiles it, the repeats reuse it)
             member page selectors.audience_member_page(audience, size=50): the
                         audience page's members as stored (after the membership
                         runs below and VACUUM ANALYZE): a keyset page and its
                         count capped at pagination.COUNT_CAP
             each against hand-written SQL for the same set through a raw
             cursor (EXISTS / NOT EXISTS on crm_interaction; the page selects
             the columns the page shows, with the owner's username). The
             results must be the same: the count, the first page's ids in
             order. Goals: ratio project / SQL <= 2 at the median, and the
             median under 1 s; a query missing one gets its EXPLAIN ANALYZE,
             the project's and the SQL's.
  membership crm.audiences.services (informative, no goal), with another
             audience's members already in the table and its statistics:
             audience_refresh of a new audience with the same rules (its first
             rebuild; deleted and VACUUMed after each run); of the audience
             again at once, before its members are in the planner's statistics
             (one run: "Work out again" right after saving); again after
             ANALYZE, nothing changed (the periodic refresh); and
             audience_members_update for 1,000 random leads, what a batch of
             interactions runs. Autovacuum is off for the member table
             meanwhile, so its statistics change only at those points.
  dashboard  reports.selectors for DashboardFilter.last_days(90): each
             section's selector, and dashboard() with all of them; queries per
             section (CaptureQueriesContext). Goal: each section under 1 s.
             A section over 1 s gets its slowest query's EXPLAIN ANALYZE.

--explain prints EXPLAIN (ANALYZE, BUFFERS) of every audience and dashboard
query. The machine may be shared: the load average is printed at the start
and the end.
"""

import argparse
import bisect
import contextlib
import datetime as dt
import itertools
import json
import os
import random
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
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

DAY = 86400
HISTORY_DAYS = 730
REPS = 40  # about a hundred calls a day each, at a million leads
BATCH = 10_000  # leads generated and written per round
PAGE_SIZE = 50
RATIO_GOAL = 2.0
SECONDS_GOAL = 1.0
WHITE_PAPER = "*white*paper*"  # matches "ROI white paper" and the snippet's "white-paper-2026"
PRICING, CHECKOUT, WINDOW_DAYS = "/pricing*", "/checkout*", 7
DASHBOARD_DAYS = 90
UPDATE_LEADS = 1000
NEIGHBOUR = (
    "opened an email in the last 30 days",
    {"match": "all", "rules": [{"type": "opened_email", "days": 30}]},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs after the cold one.")
    parser.add_argument("--seed", type=int, default=1, help="Of the random data.")
    parser.add_argument("--explain", action="store_true", help="Print every query's plan.")
    args = parser.parse_args()
    if args.interactions < args.leads:
        sys.exit("--interactions must be at least --leads (every lead has its first touch)")
    with fresh_postgres(f"crm_bench_audience_{os.getpid()}") as url:
        run(args, url)


def run(args, url: str) -> None:
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "1",  # no SECRET_KEY or static manifest needed
            "JOBS_MODE": "thread",
            "ALLOWED_HOSTS": "testserver",
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
    from django.utils import timezone

    import config.jobs

    jobs = NoJobs()
    config.jobs._runner = jobs
    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in the timed parts (CaptureQueriesContext has its own)
    print(f"Audience and dashboard benchmark, {args.leads:,} leads, {args.interactions:,} "
          "interactions")  # fmt: skip
    print(f"machine: {machine()}, load average {load()} at the start")
    print(f"database: {connection.vendor} {database_version(connection)} (a fresh one), "
          f"{server_settings()}")  # fmt: skip
    print(f"code:    {fingerprint()}")
    world = seed(args, url)
    now = timezone.now()
    print(f"now      {now:%Y-%m-%d %H:%M:%S} UTC (one instant for every query)")
    subjects = measure_audiences(world, now, args)
    measure_membership(subjects, now, args)
    measure_member_pages(subjects, args)
    measure_dashboard(now, args)
    print(f"jobs     {jobs.count} queued by the services (not run: the benchmark runs the work)")
    print(f"load average {load()} at the end (other work here skews timings)")


class NoJobs:
    """Stands in for config.jobs' thread runner: counts the jobs, runs none."""

    count = 0

    def submit(self, *args, **kwargs) -> None:
        self.count += 1


def fingerprint() -> str:
    """Which code was measured (it changes while others work): a digest of each
    folder's Python files, and the last migration applied."""
    import hashlib

    from django.db.migrations.recorder import MigrationRecorder

    parts = []
    for folder in ("crm/audiences", "reports/selectors"):
        digest = hashlib.sha1()
        for path in sorted((ROOT / folder).glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
        parts.append(f"{folder}/*.py sha1 {digest.hexdigest()[:10]}")
    last = MigrationRecorder.Migration.objects.filter(app="crm").order_by("-id").first()
    return ", ".join(parts) + f"; crm migrations up to {last.name}"


# Seeding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    kind: str
    days: tuple[int, int] | None  # (starts, ends) in days before now
    weight: int  # as a source of new leads
    join: float = 0.0  # the chance that an earlier lead takes part too
    country: str = ""


CAMPAIGNS = (
    CampaignSpec("Expo 2026", "event", (30, 28), 40, 0.03, "US"),
    CampaignSpec("Expo 2025", "event", (394, 392), 35, 0.02, "US"),
    CampaignSpec("Expo Europe 2026", "event", (75, 74), 25, 0.015, "DE"),
    CampaignSpec("Expo Europe 2025", "event", (440, 439), 20, 0.015, "DE"),
    CampaignSpec("Retail Summit 2026", "event", (160, 159), 15, 0.01, "GB"),
    CampaignSpec("Logistics Fair 2025", "event", (250, 248), 15, 0.01, "NL"),
    CampaignSpec("Win a year of Pro 2026", "giveaway", (120, 90), 50, 0.03),
    CampaignSpec("Holiday giveaway 2025", "giveaway", (360, 335), 40, 0.03),
    CampaignSpec("Spring giveaway 2026", "giveaway", (230, 200), 30, 0.02),
    CampaignSpec("Webinar: Follow-ups that close", "webinar", (21, 21), 20),
    CampaignSpec("White paper: The remarketing playbook", "content", (300, 300), 80),
    CampaignSpec("Search ads", "ads", None, 100),
    CampaignSpec("Website", "website", None, 470),
)
NO_CAMPAIGN_WEIGHT = 60  # typed in or imported without a campaign

BROWSE = (
    ("/", "Follow-up CRM"),
    ("/features", "Features"),
    ("/features/call-queue", "The call queue"),
    ("/features/drips", "Email drips"),
    ("/features/letters", "Letters"),
    ("/customers", "Customers"),
    ("/integrations", "Integrations"),
    ("/about", "About us"),
    ("/contact", "Contact"),
    ("/docs/getting-started", "Getting started"),
    ("/docs/api", "API"),
)
BLOG = tuple(
    (f"/blog/{slug}", slug.replace("-", " ").capitalize())
    for slug in (
        "call-queues",
        "pricing-tips-for-saas",
        "follow-up-within-a-day",
        "booth-leads-that-buy",
        "letters-still-work",
        "ab-testing-subject-lines",
        "gdpr-and-cold-email",
        "the-five-minute-rule",
        "remarketing-101",
        "checkout-abandonment",
        "trade-show-checklist",
        "scoring-leads",
    )
)
PRICING_PAGES = (("/pricing", "Pricing"), ("/pricing/enterprise", "Enterprise pricing"))
WHITE_PAPERS = (
    "The remarketing playbook white paper",
    "ROI white paper",
    "Cloud Security White Paper",
    "white-paper-2026",
    "white-paper-call-queues",
)
OTHER_CONTENT = (
    "Pricing guide",
    "ROI calculator",
    "Case study: Northwind Logistics",
    "Product tour",
    "ebook-follow-up-basics",
    "Webinar recording: Follow-ups that close",
    "Trade show checklist",
)
PRODUCTS = (("crm-starter", 1200), ("crm-pro", 4800), ("crm-team", 9600))
ADD_ONS = (("support-addon", 600), ("training-addon", 1500), ("sms-addon", 300))
# (label as the call log stores it, the queue's value, sentiment, weight)
CALL_OUTCOMES = (
    ("No answer", "no_answer", "", 33),
    ("Left a voicemail", "voicemail", "", 25),
    ("Connected: interested", "interested", "positive", 14),
    ("Connected: not interested", "not_interested", "negative", 10),
    ("Meeting booked", "meeting", "positive", 7),
    ("Wrong number", "wrong_number", "", 3),
    ("Do not call", "do_not_call", "negative", 1),
    ("Call back at…", "call_back", "", 7),
)
CALL_NOTES = {
    "positive": "Interested; wants a demo for the team.",
    "negative": "Happy with their current provider.",
    "": "",
}
STAGES = {"new": 30, "working": 27, "qualified": 15, "customer": 12, "lost": 16}
FEW_STAGES = {"new": 70, "working": 15, "lost": 15}
CONSENTS = {"none": 30, "pending": 10, "confirmed": 45, "unsubscribed": 15}
# Episodes filling a lead's timeline after its first touch, by weight.
EPISODES = {"session": 48, "email": 26, "call": 6, "download": 10, "cart": 6, "note": 2}
POINTS = {
    "booth_visit": 15,
    "giveaway_entry": 5,
    "web_visit": 1,
    "content_download": 6,
    "cart_add": 4,
    "checkout_started": 6,
    "purchase": 25,
    "email_opened": 1,
    "email_clicked": 3,
    "email_replied": 8,
    "meeting": 15,
}
LETTER_RUNS = ((200, 0.004), (50, 0.006), (12, 0.005))  # (mailed days ago, share of leads)
CADENCE_WINDOW_DAYS = 150
CADENCE_NAME = "Expo 2026 follow-up"
ENROLMENT_SOURCE = "Audience: Expo 2026"
UNSUBSCRIBED = "Unsubscribe"  # followups.cadences.triggers.exit_reason (checked in create_world)
TOUCHED_CALL_DAYS = 120  # calls this recent were logged from the queue (a done touch each)


class FastRandom(random.Random):
    """random.Random with randrange and choice from one random() call each: a few
    times faster, and a bias too small to matter for test data."""

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


CLOCK = [f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}" for second in range(DAY)]


class Weighted:
    def __init__(self, weights: dict):
        self.items = list(weights)
        self.totals = list(itertools.accumulate(weights.values()))
        self.top = self.totals[-1]

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.totals, rng.random() * self.top)]


class CopyTable:
    """COPY of one model's table: the columns given, in that order, then every other
    column with its field's default (the same for every row, written once here)."""

    def __init__(self, model, names: str, now: dt.datetime, table: str = ""):
        from django.db import models

        columns = names.split()
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if "id" not in columns:  # the table gives ids
            del fields["id"]
        missing = [name for name in columns if name not in fields]
        if missing:
            raise RuntimeError(f"{model.__name__} has no {missing}")
        rest = [fields[name] for name in fields if name not in columns]
        tail = []
        for f in rest:
            now_field = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            value = now if now_field else f.get_default()
            if value is None and not f.null:
                raise RuntimeError(f"{model.__name__}.{f.attname} needs a value")
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            tail.append(copy_text(value))
        self.table = table or model._meta.db_table
        names = ", ".join(f'"{fields[name].column}"' for name in columns)
        names += "".join(f', "{f.column}"' for f in rest)
        self.sql = f'COPY "{self.table}" ({names}) FROM STDIN'
        self.tail = "".join(f"\t{value}" for value in tail) + "\n"


def copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


N = "\\N"  # NULL in COPY text


@dataclass
class World:
    """What the ORM creates before the load, and the counters of the load."""

    anchor: dt.datetime
    reps: list[int]
    manager: object
    campaigns: list[tuple[CampaignSpec, int]]
    expo: object
    cadence: int
    steps: list[int]  # step ids by position
    variants: list[list[tuple[int, str]]]  # per step: (variant id, subject)
    runs: list[tuple[int, int]]  # (print run id, mailed seconds ago)
    counts: Counter = field(default_factory=Counter)


def create_world(anchor: dt.datetime) -> World:
    from django.contrib.auth.models import Group

    from crm.models import Campaign, User
    from followups.cadences.models import Cadence, CadenceStep, Channel, ExitCondition
    from followups.cadences.triggers import exit_reason
    from mailings.letters.models import LetterTemplate, PrintRun
    from mailings.models import StepVariant

    if exit_reason(ExitCondition.UNSUBSCRIBED) != UNSUBSCRIBED:
        raise RuntimeError("an unsubscribe's exit reason is not UNSUBSCRIBED any more")
    reps = []
    for number in range(1, REPS + 1):
        rep = User.objects.create(
            username=f"rep{number}", first_name=f"Rep{number}", last_name="Bench"
        )
        rep.groups.add(Group.objects.get(name="rep"))
        reps.append(rep.pk)
    manager = User.objects.create(username="manager", first_name="Maria", last_name="Keller")
    manager.groups.add(Group.objects.get(name="manager"))
    mailroom = User.objects.create(username="mailroom", first_name="Max", last_name="Fischer")
    mailroom.groups.add(Group.objects.get(name="mailroom"))
    today = anchor.date()
    campaigns = []
    for spec in CAMPAIGNS:
        starts = ends = None
        if spec.days:
            starts, ends = (today - dt.timedelta(days=days) for days in spec.days)
        campaign = Campaign.objects.create(
            name=spec.name, kind=spec.kind, starts_on=starts, ends_on=ends, country=spec.country
        )
        campaigns.append((spec, campaign.pk))
    expo = Campaign.objects.get(name="Expo 2026")
    cadence = Cadence.objects.create(
        name=CADENCE_NAME, slug="expo-2026-follow-up", is_active=True, created_by=manager
    )
    steps, variants = [], []
    for position, labels in ((1, "AB"), (2, "A")):
        cadence_step = CadenceStep.objects.create(
            cadence=cadence, position=position, channel=Channel.EMAIL, wait=72
        )
        steps.append(cadence_step.pk)
        variants.append([])
        for label in labels:
            subject = f"Step {position} ({label}): notes from our booth"
            variant = StepVariant.objects.create(
                step=cadence_step, label=label, subject=subject, html_body="<p>Hello</p>"
            )
            variants[-1].append((variant.pk, subject))
    template = LetterTemplate.objects.order_by("pk").first()
    runs = []
    for days, _ in LETTER_RUNS:
        mailed = anchor - dt.timedelta(days=days)
        run = PrintRun.objects.create(
            name=f"Letters of {mailed:%d %B %Y}",
            template=template,
            source=PrintRun.Source.LEADS,
            status=PrintRun.Status.MAILED,
            created_by=manager,
            approved_at=mailed - dt.timedelta(days=2),
            approved_by=manager,
            generated_at=mailed - dt.timedelta(days=1),
            mailed_at=mailed,
            mailed_by=mailroom,
        )
        runs.append((run.pk, days * DAY))
    return World(anchor, reps, manager, campaigns, expo, cadence.pk, steps, variants, runs)


def budgets(rng: random.Random, ages: list[int], interactions: int) -> list[int]:
    """Interactions per lead: at least one (the first touch), the rest spread with a
    long tail (a few leads have dozens) and more for older leads, summing to exactly
    `interactions`."""
    leads = len(ages)
    counts = [1] * leads
    year = 365 * DAY
    weights = list(
        itertools.accumulate(
            rng.lognormvariate(0, 0.9) * (0.25 + min(age / year, 1.0)) for age in ages
        )
    )
    extra = interactions - leads
    population = range(leads)
    while extra > 0:
        chunk = min(extra, 500_000)
        for index in rng.choices(population, cum_weights=weights, k=chunk):
            counts[index] += 1
        extra -= chunk
    return counts


class Population:
    """Leads and their timelines, drawn from one random.Random, as COPY lines."""

    def __init__(self, world: World, rng: random.Random, tables: dict[str, CopyTable]):
        from crm.contact import derive_time_zone
        from crm.demo.leads import ascii_slug
        from crm.demo.world import COUNTRIES, TITLES

        self.world, self.rng, self.tables = world, rng, tables
        self.epoch = int(world.anchor.timestamp())
        self.day_text: dict[int, str] = {}
        self.countries = Weighted({country: country.weight for country in COUNTRIES})
        self.titles = TITLES
        self.slug = ascii_slug
        self.zones = {
            (country.code, city.region): derive_time_zone(
                phone="", country=country.code, region=city.region
            )
            for country in COUNTRIES
            for city in country.cities
        }
        self.companies = {
            country.code: [
                self.company(country, number) for number in range(400 + 60 * country.weight)
            ]
            for country in COUNTRIES
        }
        self.sources = Weighted(
            {pair: pair[0].weight for pair in world.campaigns} | {None: NO_CAMPAIGN_WEIGHT}
        )
        self.joinable = [(spec, pk) for spec, pk in world.campaigns if spec.join]
        self.stages, self.few_stages = Weighted(STAGES), Weighted(FEW_STAGES)
        self.consents = Weighted(CONSENTS)
        self.episodes = Weighted(EPISODES)
        self.outcomes = Weighted({row[:3]: row[3] for row in CALL_OUTCOMES})
        self.browse = Weighted(dict.fromkeys(BROWSE, 3) | dict.fromkeys(BLOG, 2))
        self.website = next(pk for spec, pk in world.campaigns if spec.kind == "website")
        self.referrers: list[int] = []
        self.ids = Counter()  # the last id given, per table
        self.positions = Counter()  # letters per print run

    def company(self, country, number: int) -> tuple[str, str]:
        rng = self.rng
        core = f"{rng.choice(country.last_names)} {rng.choice(country.company_words)}"
        domain = f"{self.slug(core, '-')}-{number}.example"
        return f"{core} {rng.choice(country.company_suffixes)}", domain

    def stamp(self, ago: int) -> str:
        """The moment `ago` seconds before the anchor, as COPY text."""
        day, second = divmod(self.epoch - ago, DAY)
        text = self.day_text.get(day)
        if text is None:
            text = self.day_text[day] = dt.date.fromordinal(719163 + day).isoformat()
        return f"{text} {CLOCK[second]}+00"

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # A lead ------------------------------------------------------------------------

    def arrivals(self, leads: int) -> list[tuple[int, tuple | None]]:
        """(seconds ago, source campaign) of each lead, the oldest first: ids follow
        creation, and the table's rows are in that order, as in production."""
        sources = [self.sources.draw(self.rng) for _ in range(leads)]
        ages = [self.created_ago(source[0] if source else None) for source in sources]
        return sorted(zip(ages, sources, strict=True), key=lambda pair: -pair[0])

    def lead(self, lead_id: int, arrival: tuple, budget: int, out: dict[str, list[str]]) -> None:
        rng = self.rng
        country = self.countries.draw(rng)
        city = rng.choice(country.cities)
        created, source = arrival
        spec, campaign = source if source else (None, None)
        stage = (self.few_stages if budget <= 2 else self.stages).draw(rng)
        owner = None if stage == "new" and rng.random() < 0.35 else rng.choice(self.world.reps)
        consent = self.consents.draw(rng)
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        company, domain = rng.choice(self.companies[country.code])
        email = f"{self.slug(first)}.{self.slug(last.split()[0])}.{lead_id}@{domain}"
        timeline = Timeline(self, lead_id, budget, owner)
        timeline.first_touch(spec, campaign, created)
        if spec and spec.kind == "event" and rng.random() < 0.15:
            # read before the event, anonymously: joined to the lead when it was identified
            pool = WHITE_PAPERS if rng.random() < 0.5 else OTHER_CONTENT
            timeline.download(created + rng.randrange(2 * DAY, 90 * DAY), rng.choice(pool))
        self.story(timeline, stage, created)
        self.events(timeline, created)
        if consent == "confirmed":
            self.cadence(timeline, created, email, out)
        has_address = rng.random() < 0.85
        do_not_mail = rng.random() < 0.02
        if has_address and not do_not_mail:
            self.letters(timeline, created, out)
        for _ in range(4 * budget):
            if timeline.full:
                break
            self.episode(timeline, created)
        while not timeline.full:  # a lead of the last minutes: pages it read
            timeline.visit(rng.randrange(60, created), *self.browse.draw(rng))
        has_phone = rng.random() < 0.92
        do_not_call = has_phone and rng.random() < 0.02
        if has_phone and not do_not_call and stage in ("new", "working", "qualified"):
            self.pending_call(timeline, out)
        rows = timeline.lines(out)
        phone = f"+{country.calling_code}{rng.randrange(10**9, 10**10)}" if has_phone else ""
        street = f"{rng.randrange(1, 250)} {rng.choice(country.streets)}" if has_address else ""
        postal = "".join(str(rng.randrange(10)) if c == "#" else c for c in city.postal)
        consent_at = N
        if consent != "none":
            consent_at = self.stamp(max(created - rng.randrange(60, 2 * DAY), 0))
        code = N
        if stage == "customer" and rng.random() < 0.4:
            code = f"ref{lead_id:08d}"
            self.referrers.append(lead_id)
        referred_by = N
        if created < 365 * DAY and self.referrers and rng.random() < 0.015:
            referred_by = rng.choice(self.referrers)
        last_activity = self.stamp(min(rows))
        out["lead"].append(
            f"{lead_id}\t{first}\t{last}\t{email}\t{phone}\t{phone}\t{company}\t"
            f"{rng.choice(self.titles)}\t{street}\t{city.name if has_address else ''}\t"
            f"{city.region}\t{postal if has_address else ''}\t{country.code}\t"
            f"{self.zones[country.code, city.region]}\t{owner or N}\t{stage}\t"
            f"{timeline.score()}\t{campaign or N}\t{consent}\t{consent_at}\t"
            f"{'t' if do_not_call else 'f'}\t{'t' if do_not_mail else 'f'}\t{code}\t"
            f"{referred_by}\t{self.stamp(0)}\t{self.stamp(created)}\t{last_activity}\t"
            f"{last_activity}{self.tables['lead'].tail}"
        )

    def created_ago(self, spec: CampaignSpec | None) -> int:
        rng = self.rng
        if spec and spec.kind == "content":  # since the white paper came out
            return int(spec.days[0] * DAY * rng.random() ** 1.5) + rng.randrange(600, 3600)
        if spec and spec.days:
            starts, ends = spec.days
            day = rng.randint(ends, starts)
            return day * DAY - rng.randrange(8 * 3600, 18 * 3600)  # during opening hours
        return int(HISTORY_DAYS * DAY * rng.random() ** 1.3) + rng.randrange(600, 3600)

    def story(self, timeline: "Timeline", stage: str, created: int) -> None:
        """What the reps did: calls, a meeting, the sale."""
        rng = self.rng
        if stage == "new":
            return
        for _ in range(rng.randrange(0, 2)):
            timeline.call(rng.randrange(0, created), self.outcomes.draw(rng))
        if stage == "lost":
            timeline.call(rng.randrange(0, created), CALL_OUTCOMES[3][:3])
        elif stage == "working":
            timeline.call(rng.randrange(0, created), CALL_OUTCOMES[7][:3])
        else:
            met = rng.randrange(0, created)
            timeline.call(min(met + rng.randrange(DAY, 10 * DAY), created), CALL_OUTCOMES[4][:3])
            timeline.add(met, "meeting", outcome="held", sentiment="positive", user=True)
            if stage == "customer":
                timeline.purchase(rng.randrange(0, met + 1), by_rep=True)

    def events(self, timeline: "Timeline", created: int) -> None:
        """Booth visits and giveaway entries of leads who were there already; keen
        leads (long timelines) more often."""
        rng = self.rng
        keen = 3 if timeline.budget >= 8 else 1
        for spec, campaign in self.joinable:
            starts, ends = spec.days
            if ends * DAY < created and rng.random() < spec.join * keen:
                day = rng.randint(ends, starts)
                kind = "booth_visit" if spec.kind == "event" else "giveaway_entry"
                ago = day * DAY - rng.randrange(8 * 3600, 18 * 3600)
                timeline.add(ago, kind, campaign=campaign)
                if kind == "booth_visit" and rng.random() < 0.25:  # read up before going
                    before = ago + rng.randrange(2 * DAY, 60 * DAY)
                    timeline.download(before, rng.choice(WHITE_PAPERS))

    def cadence(self, timeline: "Timeline", created: int, email: str, out) -> None:
        """Enrolled in the cadence (a lead with confirmed consent, lately active): its
        emails sent, opened, clicked, replied; an unsubscribe ends it. Each step's
        touch, done (sent) or pending (the step it is on), carries the enrolment, the
        step and the attempt, as followups.cadences plans them."""
        rng = self.rng
        window = min(created, CADENCE_WINDOW_DAYS * DAY)
        if window < 2 * DAY or rng.random() > 0.12:
            return
        world = self.world
        enrolled = rng.randrange(DAY, window)
        enrolment = self.next_id("enrolment")
        status, ended, reason, sent = "finished", N, "", enrolled - 3600
        step = N
        for position, variants in enumerate(world.variants):
            step = world.steps[position]
            key = f"cadence:{enrolment}:step:{step}:1"
            planned = {"enrolment": enrolment, "step": step, "key": key}
            if sent <= 0:  # the step it is on: its touch due
                status = "active"
                out["touch"].append(
                    self.touch_line(
                        timeline.lead, "email", sent, "pending", enrolled, N, N, **planned
                    )
                )
                break
            variant, subject = variants[rng.randrange(len(variants))]
            at = self.stamp(sent)
            touch = self.next_id("touch")
            out["touch"].append(
                self.touch_line(
                    timeline.lead, "email", sent, "done", enrolled, at, N, touch, **planned
                )
            )
            timeline.add(sent, "email_sent", source="mailings")
            better = 1.15 if variants[0][0] != variant else 1.0  # B is a little better
            opened = clicked = replied = N
            seen = sent - rng.randrange(600, 2 * DAY)
            if rng.random() < 0.38 * better and seen > 60:
                opened = self.stamp(seen)
                timeline.add(seen, "email_opened", source="mailings")
                if rng.random() < 0.25 * better:
                    clicked = self.stamp(seen - 60)
                    timeline.add(seen - 60, "email_clicked", source="mailings")
            if rng.random() < 0.02 and sent > DAY:
                replied = self.stamp(sent - DAY)
                timeline.add(sent - DAY, "email_replied", source="mailings")
            out["outbox"].append(
                f"{self.next_id('outbox')}\t{enrolment}\t{world.steps[position]}\t{variant}\t"
                f"{timeline.lead}\t{touch}\tsent\t{email}\t{subject}\t"
                f"<{enrolment}.{position}@crm.bench.example>\t1\t{at}\t{at}\t{opened}\t"
                f"{clicked}\t{replied}{self.tables['outbox'].tail}"
            )
            if rng.random() < 0.03:
                status, reason = "exited", UNSUBSCRIBED
                ended = self.stamp(max(sent - rng.randrange(3600, 3 * DAY), 1))
                break
            sent -= 3 * DAY
        if status == "finished":
            ended = self.stamp(max(sent + 3 * DAY, 0))
        out["enrolment"].append(
            f"{enrolment}\t{world.cadence}\t{timeline.lead}\t{status}\t{step}\t1\t"
            f"{ENROLMENT_SOURCE}\t{self.stamp(enrolled)}\t{ended}\t{reason}"
            f"{self.tables['enrolment'].tail}"
        )

    def letters(self, timeline: "Timeline", created: int, out) -> None:
        rng = self.rng
        for (run, mailed), (_, share) in zip(self.world.runs, LETTER_RUNS, strict=True):
            if mailed >= created or rng.random() > share or timeline.left < 1:
                continue
            self.positions[run] += 1
            exception, touch = "", N
            if rng.random() < 0.02:
                exception = "The address is incomplete."
            else:
                touch = self.next_id("touch")
                at = self.stamp(mailed)
                key = f"letter:{run}:{timeline.lead}"
                created_at = mailed + 3 * DAY
                out["touch"].append(
                    self.touch_line(
                        timeline.lead, "letter", mailed, "done", created_at, at, N, touch, key
                    )
                )
                timeline.add(mailed, "letter_mailed", source="mailroom")
            out["letter"].append(
                f"{self.next_id('letter')}\t{run}\t{timeline.lead}\t{touch}\t"
                f"{self.positions[run]}\t{exception}{self.tables['letter'].tail}"
            )

    def pending_call(self, timeline: "Timeline", out) -> None:
        rng = self.rng
        if rng.random() > 0.08:
            return
        due = rng.randrange(-7 * DAY, 3 * DAY)  # some overdue, most in the coming days
        created = max(due, 0) + rng.randrange(3600, 10 * DAY)
        user = timeline.owner or rng.choice(self.world.reps)
        out["touch"].append(
            self.touch_line(timeline.lead, "call", due, "pending", created, N, user)
        )

    def touch_line(
        self,
        lead: int,
        channel: str,
        due: int,
        status: str,
        created: int,
        completed: str,
        user,
        touch: int | None = None,
        key: str = "",
        outcome: str = "",
        enrolment: int | str = N,
        step: int | str = N,
    ) -> str:
        touch = touch or self.next_id("touch")
        claimed = completed if channel == "call" and status == "done" else N
        return (
            f"{touch}\t{lead}\t{channel}\t{self.stamp(due)}\t{status}\t"
            f"{REASONS[channel]}\t{user or N}\t{ORIGINS[channel]}\t"
            f"{key or f'bench:{channel}:{touch}'}\t{user if claimed != N else N}\t{claimed}\t"
            f"{completed}\t{outcome}\t{self.stamp(created)}\t{enrolment}\t{step}\t1"
            f"{self.tables['touch'].tail}"
        )

    def episode(self, timeline: "Timeline", created: int) -> None:
        rng = self.rng
        ago = int(created * rng.random())
        kind = self.episodes.draw(rng)
        if kind == "session":
            self.session(timeline, ago)
        elif kind == "email":
            timeline.add(ago, "email_sent", source="mailings")
            if rng.random() < 0.35:
                seen = max(ago - rng.randrange(600, 2 * DAY), 0)
                timeline.add(seen, "email_opened", source="mailings")
                if rng.random() < 0.25:
                    timeline.add(max(seen - 60, 0), "email_clicked", source="mailings")
        elif kind == "call":
            timeline.call(ago, self.outcomes.draw(rng))
        elif kind == "download":
            pool = WHITE_PAPERS if rng.random() < 0.45 else OTHER_CONTENT
            timeline.visit(ago + 30, "/library", "Library")
            timeline.download(ago, rng.choice(pool))
        elif kind == "cart":
            self.cart(timeline, ago)
        else:
            timeline.add(ago, "note", user=True, notes="Asked about the annual plan.")

    def session(self, timeline: "Timeline", ago: int) -> None:
        rng = self.rng
        ago += 600
        if rng.random() < 0.62:  # browsing
            for _ in range(1 + min(int(rng.expovariate(0.7)), 5)):
                timeline.visit(ago, *self.browse.draw(rng))
                ago -= rng.randrange(20, 240)
            return
        if rng.random() < 0.5:
            timeline.visit(ago, *self.browse.draw(rng))
            ago -= rng.randrange(20, 240)
        timeline.visit(ago, *PRICING_PAGES[0])
        if rng.random() < 0.3:
            timeline.visit(ago - rng.randrange(20, 240), *PRICING_PAGES[1])

    def cart(self, timeline: "Timeline", ago: int) -> None:
        """Pricing, the cart, often the checkout, then a purchase or an abandoned cart."""
        rng = self.rng
        ago += 4000
        product = rng.choice(PRODUCTS)[0]
        cart = f"c{timeline.lead}x{ago}"
        timeline.visit(ago, *PRICING_PAGES[0])
        ago -= rng.randrange(30, 300)
        timeline.visit(ago, "/cart", "Your cart")
        timeline.add(ago, "cart_add", path="/cart", source="website",
                     data=f'{{"product": "{product}", "cart_id": "{cart}"}}')  # fmt: skip
        if rng.random() < 0.55:
            ago -= rng.randrange(30, 300)
            timeline.visit(ago, "/checkout", "Checkout")
            timeline.add(ago, "checkout_started", path="/checkout", source="website",
                         data=f'{{"cart_id": "{cart}"}}')  # fmt: skip
            if rng.random() < 0.55:
                timeline.purchase(ago - rng.randrange(30, 300), product=product, cart=cart)
                return
        if rng.random() < 0.8:
            timeline.add(ago - 3600, "cart_abandoned", source="website",
                         data=f'{{"cart_id": "{cart}"}}')  # fmt: skip


REASONS = {
    "call": "Follow up on the booth visit",
    "email": f"{CADENCE_NAME} (email): {ENROLMENT_SOURCE}",
    "letter": "Print run letter",
}
ORIGINS = {
    "call": "Cadence: Booth visit follow-up",
    "email": f"Cadence: {CADENCE_NAME}",
    "letter": "Print run",
}


class Timeline:
    """One lead's interactions, up to its budget: (seconds ago, COPY columns)."""

    def __init__(self, population: Population, lead: int, budget: int, owner: int | None):
        self.population, self.lead, self.budget, self.owner = population, lead, budget, owner
        self.rows: list[tuple] = []
        self.calls: list[tuple[int, tuple]] = []  # (row index, outcome) of recent calls

    @property
    def left(self) -> int:
        return self.budget - len(self.rows)

    @property
    def full(self) -> bool:
        return len(self.rows) >= self.budget

    def add(
        self,
        ago: int,
        kind: str,
        *,
        campaign=None,
        outcome: str = "",
        path: str = "",
        sentiment: str = "",
        notes: str = "",
        data: str = "{}",
        user=None,
        source: str = "crm",
    ) -> bool:
        if len(self.rows) >= self.budget or ago < 1:  # full, or it has not happened yet
            return False
        if user is True:
            user = self.owner or self.population.world.reps[self.lead % REPS]
        self.rows.append((ago, kind, campaign, outcome, path, sentiment, notes, data, user, source))
        return True

    def first_touch(self, spec: CampaignSpec | None, campaign: int | None, created: int) -> None:
        kind = spec.kind if spec else None
        if kind == "event":
            self.add(created, "booth_visit", campaign=campaign, data='{"interest": "call queue"}')
        elif kind == "giveaway":
            self.add(created, "giveaway_entry", campaign=campaign)
        elif kind == "content":
            self.add(created, "content_download", campaign=campaign,
                     data=f'{{"content": "{WHITE_PAPERS[0]}"}}', source="website")  # fmt: skip
        elif kind in ("website", "ads", "webinar"):
            path, title = PRICING_PAGES[0] if kind == "ads" else ("/", "Follow-up CRM")
            if kind == "webinar":
                path, title = "/webinars/follow-ups-that-close", "Webinar"
            self.add(created, "web_visit", campaign=campaign, path=path, source="website",
                     data=f'{{"title": "{title}", "seconds": 40}}')  # fmt: skip
        else:
            self.add(created, "note", user=True, notes="Met at a partner's event.")

    def visit(self, ago: int, path: str, title: str) -> None:
        seconds = int(self.population.rng.expovariate(1 / 45)) + 1
        self.add(ago, "web_visit", path=path, source="website",
                 data=f'{{"title": "{title}", "seconds": {seconds}}}')  # fmt: skip

    def download(self, ago: int, content: str) -> None:
        self.add(ago, "content_download", path="/library", source="website",
                 data=f'{{"content": "{content}"}}')  # fmt: skip

    def call(self, ago: int, outcome: tuple) -> None:
        _label, code, sentiment = outcome
        user = self.owner or self.population.rng.choice(self.population.world.reps)
        added = self.add(ago, "call", outcome=code, sentiment=sentiment,
                         notes=CALL_NOTES[sentiment], user=user, source="queue")  # fmt: skip
        if added and ago < TOUCHED_CALL_DAYS * DAY:
            self.calls.append((len(self.rows) - 1, outcome))

    def purchase(self, ago: int, *, product: str = "", cart: str = "", by_rep=False) -> None:
        rng = self.population.rng
        if by_rep:  # an order a rep logged: products as a list, with an add-on or not
            chosen, value = rng.choice(PRODUCTS)
            products = [chosen]
            if rng.random() < 0.4:
                add_on, price = rng.choice(ADD_ONS)
                products.append(add_on)
                value += price
            data = f'{{"products": {json.dumps(products)}, "value": "{value}.00"}}'
            self.add(ago, "purchase", data=data, user=True)
            return
        value = dict(PRODUCTS)[product]
        self.visit(ago, "/checkout/thank-you", "Thank you")
        self.add(ago, "purchase", path="/checkout/thank-you", source="website",
                 data=f'{{"product": "{product}", "currency": "USD", "value": "{value}.00", '
                 f'"cart_id": "{cart}"}}')  # fmt: skip

    def score(self) -> int:
        half_life = 90 * DAY
        return round(sum(POINTS.get(row[1], 0) * 0.5 ** (row[0] / half_life) for row in self.rows))

    def lines(self, out: dict[str, list[str]]) -> list[int]:
        """Write the interactions (and the queue's touches of recent calls); return
        their seconds ago."""
        population = self.population
        stamp, tail, lead = population.stamp, population.tables["interaction"].tail, self.lead
        for number, row in enumerate(self.rows):
            ago, kind, campaign, outcome, path, sentiment, notes, data, user, source = row
            at = stamp(ago)
            external = f"web:{lead}:{number}" if source == "website" else ""
            out["interaction"].append(
                f"{lead}\t{kind}\t{at}\t{campaign or N}\t{outcome}\t{path}\t{sentiment}\t"
                f"{notes}\t{data}\t{user or N}\t{source}\t{external}\t{at}{tail}"
            )
        rng = population.rng
        for index, (_, value, _) in self.calls:
            if rng.random() < 0.75:
                ago, user = self.rows[index][0], self.rows[index][8]
                out["touch"].append(
                    population.touch_line(
                        lead,
                        "call",
                        ago + 3600,
                        "done",
                        ago + rng.randrange(DAY, 4 * DAY),
                        stamp(ago),
                        user,
                        outcome=value,
                    )
                )
        return [row[0] for row in self.rows]


LEAD_COLUMNS = (
    "id first_name last_name email phone phone_raw company title address_line1 city region "
    "postal_code country time_zone owner_id stage score source_campaign_id email_consent "
    "email_consent_at do_not_call do_not_mail referral_code referred_by_id score_computed_at "
    "created_at last_activity_at updated_at"
)
INTERACTION_COLUMNS = (
    "lead_id kind occurred_at campaign_id outcome path sentiment notes data user_id "
    "source external_id created_at"
)
TOUCH_COLUMNS = (
    "id lead_id channel due_at status reason assigned_to_id origin key claimed_by_id "
    "claimed_at completed_at outcome created_at enrolment_id step_id attempt"
)
ENROLMENT_COLUMNS = (
    "id cadence_id lead_id status step_id attempt source enrolled_at ended_at exit_reason"
)
OUTBOX_COLUMNS = (
    "id enrolment_id step_id variant_id lead_id touch_id status to_email subject message_id "
    "attempts sending_at sent_at opened_at clicked_at replied_at"
)
LETTER_COLUMNS = "id run_id lead_id touch_id position exception"
STAGING = "bench_interaction_load"


def seed(args, url: str) -> World:
    import psycopg
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from crm.models import Interaction, Lead
    from followups.cadences.models import Enrolment
    from followups.models import Touch
    from mailings.letters.models import PrintRunLetter
    from mailings.models import OutboxEmail

    started = time.perf_counter()
    anchor = timezone.now().replace(second=0, microsecond=0)
    rng = FastRandom(args.seed)
    world = create_world(anchor)
    models = {
        "lead": (Lead, LEAD_COLUMNS),
        "interaction": (Interaction, INTERACTION_COLUMNS),
        "touch": (Touch, TOUCH_COLUMNS),
        "enrolment": (Enrolment, ENROLMENT_COLUMNS),
        "outbox": (OutboxEmail, OUTBOX_COLUMNS),
        "letter": (PrintRunLetter, LETTER_COLUMNS),
    }
    tables = {name: CopyTable(model, cols, anchor) for name, (model, cols) in models.items()}
    with step("drop indexes and constraints"):
        remake = indexes_dropped([table.table for table in tables.values()])
    # Interactions go to a bare table first, then into theirs in time order (the
    # order they arrive in, in production): a lead's interactions are spread over
    # the table, a day's are together.
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {STAGING} AS SELECT * FROM crm_interaction LIMIT 0")
    tables["interaction"] = CopyTable(Interaction, INTERACTION_COLUMNS, anchor, table=STAGING)
    population = Population(world, rng, tables)
    with step("arrivals and budgets per lead"):
        arrivals = population.arrivals(args.leads)
        counts = budgets(rng, [age for age, _ in arrivals], args.interactions)
    with step("generate + COPY (6 connections)"), contextlib.ExitStack() as stack:
        copies = {}
        for name, table in tables.items():
            conn = stack.enter_context(psycopg.connect(url))
            copies[name] = stack.enter_context(conn.cursor().copy(table.sql))
        for start in range(0, args.leads, BATCH):
            out: dict[str, list[str]] = {name: [] for name in tables}
            for index in range(start, min(args.leads, start + BATCH)):
                population.lead(index + 1, arrivals[index], counts[index], out)
            for name, lines in out.items():
                if lines:
                    copies[name].write("".join(lines))
    with step("interactions in time order"), connection.cursor() as cursor:
        columns = ", ".join(
            f'"{f.column}"' for f in Interaction._meta.concrete_fields if not f.primary_key
        )
        cursor.execute("SET work_mem = '1GB'")
        cursor.execute(
            f"INSERT INTO crm_interaction ({columns}) SELECT {columns} FROM {STAGING} "
            "ORDER BY occurred_at"
        )
        cursor.execute(f"DROP TABLE {STAGING}")
        cursor.execute("RESET work_mem")
    with step("indexes and constraints again"), connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for sql in remake:
            cursor.execute(sql)
    with step("sequences, VACUUM ANALYZE"), connection.cursor() as cursor:
        for table in tables.values():
            if table.table == STAGING:  # crm_interaction's ids came from its sequence
                continue
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.table}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table.table}"))'
            )
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded   {Lead.objects.count():,} leads, {Interaction.objects.count():,} interactions, "
        f"{Touch.objects.count():,} touches, {Enrolment.objects.count():,} enrolments, "
        f"{OutboxEmail.objects.count():,} outbox emails, {PrintRunLetter.objects.count():,} "
        f"letters in {len(world.runs)} print runs, in {time.perf_counter() - started:.0f} s"
    )
    kinds = Interaction.objects.values_list("kind").annotate(n=Count("*")).order_by("-n")
    print("         " + ", ".join(f"{kind} {n:,}" for kind, n in kinds))
    return world


# Measuring -------------------------------------------------------------------------


@dataclass
class Timing:
    cold: float
    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else self.cold

    @property
    def worst(self) -> float:
        return max(self.runs) if self.runs else self.cold

    def text(self) -> str:
        return f"{ms(self.median):>8} {ms(self.worst):>8} {ms(self.cold):>8}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def clock(action):
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def timed(action, repeat: int) -> tuple[Timing, object]:
    cold, value = clock(action)
    return Timing(cold, [clock(action)[0] for _ in range(repeat)]), value


def compare(project, baseline, repeat: int):
    """Both cold first (the project first), then the repeats taking turns at going first."""
    project_cold, project_value = clock(project)
    baseline_cold, baseline_value = clock(baseline)
    runs: dict = {project: [], baseline: []}
    for number in range(repeat):
        for action in (project, baseline) if number % 2 == 0 else (baseline, project):
            runs[action].append(clock(action)[0])
    return (
        Timing(project_cold, runs[project]),
        Timing(baseline_cold, runs[baseline]),
        project_value,
        baseline_value,
    )


def captured(action) -> list[dict]:
    """The queries one more run sends (not timed: capturing costs time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return queries.captured_queries


def explain(sql: str, params=None) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def print_plan(title: str, sql: str, params=None, *, full: bool) -> None:
    plan = explain(sql, params)
    print(f"    plan of {title}:")
    shown = plan if full else [plan[0], *(line for line in plan if "Execution Time" in line)]
    for line in shown:
        print(f"      {line}")


def slowest(queries: list[dict]) -> dict:
    return max(queries, key=lambda query: float(query["time"]))


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


# Audiences -------------------------------------------------------------------------

# What the member list shows: name (or email / phone), company, contact, country,
# stage, the owner's username, last activity.
PAGE_COLUMNS = (
    "l.id, l.first_name, l.last_name, l.email, l.phone, l.company, l.country, l.stage, "
    "u.username, l.last_activity_at"
)
WHERE = {
    "A": """
    EXISTS (SELECT 1 FROM crm_interaction i
            WHERE i.lead_id = l.id AND i.kind = 'booth_visit' AND i.campaign_id = %(expo)s)
    AND EXISTS (SELECT 1 FROM crm_interaction i
            WHERE i.lead_id = l.id AND i.kind = 'content_download'
              AND i.occurred_at < %(starts)s AND i.data ->> 'content' ILIKE %(content)s)""",
    "B": """
    EXISTS (SELECT 1 FROM crm_interaction i
            WHERE i.lead_id = l.id AND i.kind = 'web_visit' AND i.occurred_at >= %(since)s
              AND i.path ILIKE %(pricing)s)
    AND NOT EXISTS (SELECT 1 FROM crm_interaction i
            WHERE i.lead_id = l.id AND i.kind = 'web_visit' AND i.occurred_at >= %(since)s
              AND i.path ILIKE %(checkout)s)""",
}
COUNT_SQL = "SELECT count(*) FROM crm_lead l WHERE {where}"
PAGE_SQL = (
    "SELECT {columns} FROM crm_lead l LEFT JOIN crm_user u ON u.id = l.owner_id "
    "WHERE {where} ORDER BY {order} LIMIT {limit}"
)


def order_sql() -> str:
    """The member list's order (crm.audiences.selectors.MEMBER_ORDER) in SQL."""
    from crm.audiences.selectors import MEMBER_ORDER

    return ", ".join(
        f"l.{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}" for name in MEMBER_ORDER
    )


MEMBERS_WHERE = """EXISTS (SELECT 1 FROM crm_audiencemember m
    WHERE m.audience_id = %(audience)s AND m.lead_id = l.id)"""
MEMBERS_COUNT_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM crm_audiencemember "
    "WHERE audience_id = %(audience)s LIMIT {cap}) AS capped"
)


@dataclass
class Subject:
    key: str
    words: str
    audience: object
    params: dict
    count: int = 0


def measure_audiences(world: World, now: dt.datetime, args) -> list[Subject]:
    from django.utils import timezone

    from crm.audiences import services

    expo = world.expo
    starts = dt.datetime.combine(
        expo.starts_on, dt.time.min, tzinfo=timezone.get_default_timezone()
    )
    wanted = {
        "A": (
            f"visited the booth at {expo.name} AND downloaded a white paper before the event",
            [
                {"type": "attended_event", "campaign": expo.pk},
                {"type": "downloaded_content", "content": WHITE_PAPER, "before_campaign": expo.pk},
            ],
            {"expo": expo.pk, "starts": starts, "content": "%white%paper%"},
        ),
        "B": (
            f"visited {PRICING} but not {CHECKOUT} in the last {WINDOW_DAYS} days",
            [
                {"type": "visited_page", "path": PRICING, "days": WINDOW_DAYS},
                {"type": "not_visited_page", "path": CHECKOUT, "days": WINDOW_DAYS},
            ],
            {
                "since": now - dt.timedelta(days=WINDOW_DAYS),
                "pricing": "/pricing%",
                "checkout": "/checkout%",
            },
        ),
    }
    subjects = []
    for key, (words, rules, params) in wanted.items():
        audience = services.audience_save(
            name=f"{key}: {words}",
            definition={"match": "all", "rules": rules},
            is_active=True,
            by=world.manager,
        )
        subjects.append(Subject(key, words, audience, params))
    print(
        f"audiences live from their rules (project) against hand-written SQL (raw cursor); "
        f"times in ms, {args.repeat} runs after a cold one; goals: ratio project / SQL at the "
        f"median <= {RATIO_GOAL:g} and the median under {SECONDS_GOAL:g} s"
    )
    for subject in subjects:
        measure_audience(subject, now, args)
    return subjects


HEADER = (
    f"  {'':<12} {'rows':>9}  {'project:':>8} {'median':>8} {'max':>8} {'cold':>8} "
    f"{'queries':>7}   {'SQL:':>4} {'median':>8} {'max':>8} {'cold':>8}   ratio       < 1 s     "
    "same result"
)


def measure_audience(subject: Subject, now: dt.datetime, args) -> None:
    from crm.audiences.rules.compiling import audience_count
    from crm.audiences.selectors import audience_preview

    definition = subject.audience.definition
    where = WHERE[subject.key]
    count_sql = COUNT_SQL.format(where=where)
    page_sql = PAGE_SQL.format(
        columns=PAGE_COLUMNS, where=where, order=order_sql(), limit=PAGE_SIZE
    )
    print(f"audience {subject.key}: {subject.words}")
    print(f"  stored as {json.dumps(definition)}")
    print(HEADER)

    def count():
        return audience_count(definition, now=now)

    def first_page():
        return [shown(lead) for lead in audience_preview(definition, now=now, size=PAGE_SIZE)]

    def sql(statement: str):
        def run():
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(statement, subject.params)
                return cursor.fetchall()

        return run

    project, baseline, counted, rows = compare(count, sql(count_sql), args.repeat)
    subject.count = counted
    queries = captured(count)
    report("count", f"{counted:,}", project, len(queries), baseline, counted == rows[0][0])
    check(project, baseline, queries, args, count_sql, subject.params)
    project, baseline, page, rows = compare(first_page, sql(page_sql), args.repeat)
    queries = captured(first_page)
    same = [row[0] for row in page] == [row[0] for row in rows]
    report("first page", f"{len(page)}", project, len(queries), baseline, same)
    check(project, baseline, queries, args, page_sql, subject.params)


def shown(lead) -> tuple:
    """What the member list's row shows of a lead."""
    owner = lead.owner.username if lead.owner else ""
    return (lead.pk, lead.display_name, lead.company, lead.email, lead.phone, lead.country,
            lead.get_stage_display(), owner, lead.last_activity_at)  # fmt: skip


def report(name: str, rows: str, project: Timing, queries: int, baseline: Timing, same) -> None:
    ratio = project.median / baseline.median
    print(
        f"  {name:<12} {rows:>9}  {'':>8} {project.text()} {queries:>7}   {'':>4} "
        f"{baseline.text()}   {ratio:5.2f} {met(ratio <= RATIO_GOAL):<7} "
        f"{met(project.median < SECONDS_GOAL):<9} {'yes' if same else 'NO: DIFFERENT'}"
    )


def check(project: Timing, baseline: Timing, queries, args, sql: str, params) -> None:
    """Plans: all with --explain; the slowest project query's, and the SQL's, when a
    goal is not met."""
    missed = project.median / baseline.median > RATIO_GOAL or project.median >= SECONDS_GOAL
    if not (args.explain or missed):
        return
    query = slowest(queries)
    print_plan(f"the project's slowest query ({query['time']} s)", query["sql"], full=True)
    print_plan("the hand-written SQL", sql, params, full=args.explain or missed)


# Membership ---------------------------------------------------------------------------


def measure_membership(subjects: list[Subject], now: dt.datetime, args) -> None:
    """audience_refresh three ways, and audience_members_update. Autovacuum is off
    for the member table meanwhile (this database only), so that its statistics
    change only where said. Another audience's members are in the table and in its
    statistics first, as in production, where a new audience joins many."""
    from crm.audiences.models import Audience, AudienceMember
    from crm.audiences.services import audience_delete, audience_members_update, audience_refresh
    from crm.models import Lead

    table = AudienceMember._meta.db_table
    maintain(f'ALTER TABLE "{table}" SET (autovacuum_enabled = off)')
    print(
        "membership: crm.audiences.services, set-based (informative, no goal); times in ms; "
        "autovacuum off for the member table, VACUUM / ANALYZE run where said"
    )
    print(f"  {'':<58} {'median':>8} {'max':>8} {'cold':>8}  result")

    def refresh(audience):
        return lambda: audience_refresh(audience=audience, now=now)

    neighbour = save_audience(NEIGHBOUR[0], NEIGHBOUR[1], subjects[0])
    seconds, sync = clock(refresh(neighbour))
    maintain(f'ANALYZE "{table}"')
    line(f"another audience: {NEIGHBOUR[0]}", Timing(seconds, []),
         f"{sync.added:,} added (one run); then ANALYZE")  # fmt: skip

    for subject in subjects:
        # A new audience, as saved from the builder: its first rebuild.
        first, added = [], 0
        for _ in range(args.repeat + 1):
            fresh = save_audience(f"{subject.key} (again)", subject.audience.definition, subject)
            seconds, sync = clock(refresh(fresh))
            first.append(seconds)
            added = sync.added
            audience_delete(audience=fresh)
            maintain(f'VACUUM "{table}"')  # its members gone for good
        agrees = "= the count" if added == subject.count else "NOT the count"
        line(f"{subject.key}: a new audience's first rebuild", Timing(first[0], first[1:]),
             f"{added:,} added ({agrees}); then deleted, VACUUM")  # fmt: skip
        # The subject itself, worked out once; then again at once, before anything
        # analysed the member table (as "Work out again" right after saving).
        audience_refresh(audience=subject.audience, now=now)
        seconds, sync = clock(refresh(subject.audience))
        line(f"{subject.key}: again at once (member statistics stale)", Timing(seconds, []),
             f"{sync.added} added, {sync.removed} removed (one run)")  # fmt: skip
        maintain(f'ANALYZE "{table}"')  # what autovacuum does within a minute or so
        timing, sync = timed(refresh(subject.audience), args.repeat)
        stored = Audience.objects.get(pk=subject.audience.pk).member_count
        line(f"{subject.key}: again after ANALYZE, nothing changed", timing,
             f"{sync.added} added, {sync.removed} removed; member_count {stored:,}")  # fmt: skip
    rng = random.Random(7)
    highest = Lead.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = rng.sample(range(1, highest + 1), min(UPDATE_LEADS, highest))
    timing, _ = timed(lambda: audience_members_update(lead_ids=ids, now=now), args.repeat)
    active = Audience.objects.filter(is_active=True).count()
    line(f"audience_members_update, {len(ids):,} random leads", timing,
         f"every active audience ({active}): what a batch of interactions runs")  # fmt: skip
    maintain(f'VACUUM ANALYZE "{table}"')
    maintain(f'ALTER TABLE "{table}" RESET (autovacuum_enabled)')


def line(name: str, timing: Timing, result: str) -> None:
    print(f"  {name:<58} {timing.text()}  {result}")


def maintain(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def save_audience(name: str, definition: dict, subject: "Subject"):
    """Through the builder's service (its rebuild job is counted, not run)."""
    from crm.audiences import services

    return services.audience_save(
        name=name, definition=definition, is_active=True, by=subject.audience.created_by
    )


def measure_member_pages(subjects: list[Subject], args) -> None:
    from crm.audiences.selectors import audience_member_page
    from crm.pagination import COUNT_CAP

    print(
        "member pages: crm.audiences.selectors.audience_member_page (the members as "
        f"stored, a keyset page of {PAGE_SIZE} and its count capped at {COUNT_CAP:,}) "
        "against hand-written SQL (the page, and the members counted up to the cap)"
    )
    print(HEADER)
    for subject in subjects:
        params = {"audience": subject.audience.pk}
        page_sql = PAGE_SQL.format(
            columns=PAGE_COLUMNS, where=MEMBERS_WHERE, order=order_sql(), limit=PAGE_SIZE + 1
        )
        count_sql = MEMBERS_COUNT_SQL.format(cap=COUNT_CAP + 1)

        def project(audience=subject.audience):
            page = audience_member_page(audience, after=None, before=None, size=PAGE_SIZE)
            return [shown(lead) for lead in page.items], page.total

        def baseline(page_sql=page_sql, count_sql=count_sql, params=params):
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(page_sql, params)
                rows = cursor.fetchall()[:PAGE_SIZE]
                cursor.execute(count_sql, params)
                return rows, min(cursor.fetchone()[0], COUNT_CAP)

        project_time, baseline_time, (items, total), (rows, counted) = compare(
            project, baseline, args.repeat
        )
        queries = captured(project)
        same = total == counted and [item[0] for item in items] == [row[0] for row in rows]
        report(f"{subject.key}: page", f"{len(items)}", project_time, len(queries),
               baseline_time, same)  # fmt: skip
        check(project_time, baseline_time, queries, args, page_sql, params)


# Dashboard ------------------------------------------------------------------------------


def measure_dashboard(now: dt.datetime, args) -> None:
    from reports.selectors import SECTIONS, DashboardFilter, dashboard

    filters = DashboardFilter.last_days(DASHBOARD_DAYS, now=now)
    print(
        f"dashboard: reports.selectors, the last {DASHBOARD_DAYS} days "
        f"({filters.start:%Y-%m-%d} to {filters.last_day:%Y-%m-%d}, {filters.time_zone}), "
        f"no campaign; times in ms; goal: each section under {SECONDS_GOAL:g} s"
    )
    print(f"  {'section':<10} {'queries':>7} {'median':>8} {'max':>8} {'cold':>8}   < 1 s     what")
    for name, selector in SECTIONS.items():
        timing, result = timed(lambda s=selector: s(filters), args.repeat)
        queries = captured(lambda s=selector: s(filters))
        print(
            f"  {name:<10} {len(queries):>7} {timing.text()}   "
            f"{met(timing.median < SECONDS_GOAL):<9} {summary(name, result)}"
        )
        if args.explain:
            for query in queries:
                print_plan(f"{name} ({query['time']} s)", query["sql"], full=True)
        elif timing.median >= SECONDS_GOAL:
            query = slowest(queries)
            print_plan(f"{name}'s slowest query ({query['time']} s)", query["sql"], full=False)
    timing, _ = timed(lambda: dashboard(filters), args.repeat)
    queries = captured(lambda: dashboard(filters))
    print(
        f"  {'all':<10} {len(queries):>7} {timing.text()}   {'':<9} "
        "dashboard(): every section, one after the other (no goal: it is per section)"
    )


def summary(name: str, result) -> str:
    """A few of the section's numbers, to show it had data to work on."""
    try:
        return numbers(name, result)
    except (AttributeError, TypeError):  # the section changed shape
        return type(result).__name__


def numbers(name: str, result) -> str:
    if name == "funnel":
        total = result.total
        return (
            f"{total.leads:,} leads created, {total.contacted:,} contacted, "
            f"{total.qualified:,} qualified, {total.customers:,} customers; "
            f"{len(result.by_campaign)} campaigns"
        )
    if name == "channels":
        done = sum(row.done for row in result.ledger)
        planned = sum(row.planned for row in result.ledger)
        answers = result.responses
        return (
            f"touches {planned:,} planned, {done:,} done; {answers.calls:,} calls, "
            f"{answers.emails:,} emails, {answers.letters:,} letters "
            f"({answers.letters_answered:,} answered)"
        )
    if name == "reps":
        calls = sum(row.calls for row in result.reps)
        return f"{len(result.reps)} people, {calls:,} calls, {len(result.weeks)} weeks"
    if name in ("drips", "cadences"):  # the cadences' emails (the section keeps its old name)
        return (
            "; ".join(
                f"{row.name}: {row.sent:,} sent, {row.opened:,} opened, {len(row.tests)} A/B test"
                for row in result
            )
            or "no cadence email"
        )
    if name == "letters":
        return f"{len(result.runs)} runs, {result.letters:,} letters, {result.answered:,} answered"
    if name == "referrals":
        return f"{result.referred:,} referred, {result.customers:,} customers"
    return ""


if __name__ == "__main__":
    main()
