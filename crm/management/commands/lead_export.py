from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.privacy.selectors import lead_for_request, lead_personal_data_json


class Command(BaseCommand):
    help = "Everything stored about a person (GDPR Art. 15), as JSON."

    def add_arguments(self, parser):
        parser.add_argument("lead", help="The lead's id, or one of its email addresses.")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, lead, output=None, **options):
        found = lead_for_request(lead)
        if found is None:
            raise CommandError(f"No lead {lead!r}.")
        document = lead_personal_data_json(found)
        if output:
            Path(output).write_text(document + "\n", encoding="utf-8")
            self.stderr.write(f"Lead #{found.pk}'s personal data written to {output}.")
        else:
            self.stdout.write(document)
