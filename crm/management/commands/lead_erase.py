from django.core.management.base import BaseCommand, CommandError

from crm.models import Lead, User
from crm.privacy.services import lead_erase


class Command(BaseCommand):
    help = (
        "Erase everything stored about a person (GDPR Art. 17). Their email addresses "
        "stay on the suppression list. Asks first, unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("lead_id", type=int, help="The lead's id.")
        parser.add_argument("--yes", action="store_true", help="Do not ask: erase.")
        parser.add_argument("--by", help="The username the erasure is recorded as done by.")

    def handle(self, *args, lead_id, yes=False, by=None, **options):
        lead = Lead.objects.filter(pk=lead_id).first()
        if lead is None:
            raise CommandError(f"No lead #{lead_id}.")
        user = None
        if by:
            user = User.objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user named {by!r}.")
        if not yes and not self._confirmed(lead):
            raise CommandError("Nothing was erased.")
        erasure = lead_erase(lead=lead, by=user)
        self.stdout.write(f"Lead #{lead_id}'s personal data was erased:")
        for what, count in erasure.counts.items():
            self.stdout.write(f"  {what}: {count}")

    def _confirmed(self, lead: Lead) -> bool:
        question = (
            f"Erase everything stored about lead #{lead.pk} ({lead.display_name})? "
            "This cannot be undone. Type 'erase' to go on: "
        )
        try:
            return input(question).strip().lower() == "erase"
        except EOFError:
            return False
