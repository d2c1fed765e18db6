from django.core.management.base import BaseCommand, CommandError
from django.template import TemplateSyntaxError

from mailings.letters.compose import letters_pdf
from mailings.letters.models import LetterTemplate, Paper
from mailings.management.commands._printing import add_common_arguments, leads_to_print, write_pdf


class Command(BaseCommand):
    help = "Render letters for window envelopes into one PDF, as a print run does."

    def add_arguments(self, parser):
        parser.add_argument("--template", required=True, help="The letter template's slug.")
        parser.add_argument("--paper", choices=Paper.values, default=Paper.LETTER)
        add_common_arguments(parser)

    def handle(self, *, template, paper, out, leads, **options):
        found = LetterTemplate.objects.filter(slug=template).first()
        if found is None:
            slugs = ", ".join(LetterTemplate.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No letter template {template!r}. Templates: {slugs}.")
        printable = leads_to_print(self, leads)
        try:
            pdf = letters_pdf(found, printable, paper=paper)
        except TemplateSyntaxError as error:  # saved before the sandbox, say
            raise CommandError(f"The template {template!r} does not render: {error}") from None
        write_pdf(self, out, pdf, f"{len(printable):,} letters")
