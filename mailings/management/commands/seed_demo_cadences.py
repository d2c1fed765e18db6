import time

from django.core.management.base import BaseCommand, CommandError

from mailings.demo import demo_drips_seed
from mailings.models import Enrolment


class Command(BaseCommand):
    help = (
        "Add a demo follow-up drip for the busiest event, with an A/B test and a few "
        "weeks of sent, opened, clicked and replied emails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same history.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if anyone is in a drip already."
        )

    def handle(self, *, seed, if_empty, **options):
        if Enrolment.objects.exists():
            if if_empty:
                self.stdout.write("Drips have enrolments already; no demo drips added.")
                return
            raise CommandError("Leads are in drips already; use --if-empty to skip quietly.")
        started = time.perf_counter()
        summary = demo_drips_seed(seed=seed)
        if summary is None:
            self.stdout.write("No event with booth visits by consenting leads: no demo drip.")
            return
        self.stdout.write(
            f"Drip “{summary.drip}”: {summary.enrolled:,} leads enrolled, {summary.sent:,} "
            f"emails in its history, {summary.pending:,} still to send; "
            f"in {time.perf_counter() - started:.1f} s."
        )
