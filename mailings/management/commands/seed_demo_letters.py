from django.core.management.base import BaseCommand, CommandError

from mailings.letters.demo import demo_letters_seed
from mailings.letters.models import PrintRun


class Command(BaseCommand):
    help = (
        "Add letters due for the busiest event's booth visitors and an approved print "
        "run of some of them, waiting for the mailroom."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there is a print run already."
        )

    def handle(self, *, if_empty, **options):
        if PrintRun.objects.exists():
            if if_empty:
                self.stdout.write("There are print runs already; no demo letters added.")
                return
            raise CommandError("There are print runs already; use --if-empty to skip quietly.")
        summary = demo_letters_seed()
        if summary is None:
            self.stdout.write("No event with booth visitors, or no manager: no demo letters.")
            return
        self.stdout.write(
            f"Print run “{summary.run}”: {summary.letters} letters approved for the mailroom, "
            f"{summary.exceptions} left out; {summary.still_due} more letters due."
        )
