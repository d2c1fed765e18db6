import time
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError

from crm.bulk import analyze
from crm.demo.seed import demo_seed
from crm.models import Interaction, Lead


def _at_least(minimum: int):
    def whole_number(text: str) -> int:
        if not text.isdigit() or int(text) < minimum:
            raise ArgumentTypeError(f"give a whole number from {minimum} up, not {text!r}")
        return int(text)

    return whole_number


class Command(BaseCommand):
    help = "Fill an empty database with demo users, campaigns, leads and their interactions."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=_at_least(0), default=2000, help="Default: 2000.")
        parser.add_argument("--reps", type=_at_least(1), default=3, help="Sales reps. Default: 3.")
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="The same seed, leads and reps give the same data. Default: 1.",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there are leads already."
        )
        parser.add_argument("--timing", action="store_true", help="Also print leads per second.")

    def handle(self, *, leads, reps, seed, if_empty, timing, **options):
        if Lead.objects.exists():
            if if_empty:
                self.stdout.write("Leads exist already; no demo data added.")
                return
            raise CommandError(
                "The database has leads already; seed_demo only fills an empty one. "
                "Use --if-empty to skip quietly, or start from a new database."
            )
        started = time.perf_counter()
        summary = demo_seed(leads=leads, reps=reps, seed=seed)
        analyze(Lead, Interaction)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Added {summary.leads:,} leads with {summary.interactions:,} interactions, "
            f"{summary.campaigns} campaigns and {len(summary.logins)} users "
            f"in {elapsed:.1f} s."
        )
        if timing:
            self.stdout.write(f"{summary.leads / elapsed:,.0f} leads/s")
        self.stdout.write("Demo logins (username / password):")
        for login in summary.logins:
            self.stdout.write(f"  {login.username:<10} / {summary.password}   {login.role}")
