import time

from django.core.management.base import BaseCommand, CommandError

from followups.models import Enrolment
from mailings.cadences.demo import demo_cadence_seed


class Command(BaseCommand):
    help = (
        "Add a demo email cadence for the busiest event, with an A/B test and a few "
        "weeks of sent, opened, clicked and replied emails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same history.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if anyone is in a cadence already."
        )

    def handle(self, *, seed, if_empty, **options):
        if Enrolment.objects.exists():
            if if_empty:
                self.stdout.write("Cadences have people in them already; no demo cadence added.")
                return
            raise CommandError("Leads are in cadences already; use --if-empty to skip quietly.")
        started = time.perf_counter()
        summary = demo_cadence_seed(seed=seed)
        if summary is None:
            self.stdout.write("No event with booth visits by consenting leads: no demo cadence.")
            return
        self.stdout.write(
            f"Cadence “{summary.cadence}”: {summary.enrolled:,} leads enrolled, {summary.sent:,} "
            f"emails in its history, {summary.pending:,} still to send; "
            f"in {time.perf_counter() - started:.1f} s."
        )
