import time

from django.core.management.base import BaseCommand, CommandError

from crm.bulk import analyze
from crm.models import Lead
from followups.demo import demo_touches_seed
from followups.holidays.services import calling_hours_set_for_demo
from followups.models import Touch


class Command(BaseCommand):
    help = (
        "Plan demo touches for a demo database: a call for every callable new, working "
        "or qualified lead (some of them call-backs); and calling hours of every day, all "
        "day, unless calling hours were set, so the demo queue works at any hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same touches."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there are touches already."
        )

    def handle(self, *, seed, if_empty, **options):
        if calling_hours_set_for_demo():
            self.stdout.write("Set the demo's calling hours: every day, all day.")
        if Touch.objects.exists():
            if if_empty:
                self.stdout.write("Touches exist already; no demo touches added.")
                return
            raise CommandError(
                "The database has touches already; seed_demo_touches only plans the first ones. "
                "Use --if-empty to skip quietly."
            )
        started = time.perf_counter()
        summary = demo_touches_seed(seed=seed)
        analyze(Touch, Lead)
        self.stdout.write(
            f"Planned {summary.calls:,} calls ({summary.call_backs:,} of them call-backs); "
            f"gave {summary.owners_set:,} unowned leads an owner; "
            f"in {time.perf_counter() - started:.1f} s."
        )
