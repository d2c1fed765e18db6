from django.core.management.base import BaseCommand, CommandError

from crm.api_tokens.services import api_token_create
from crm.models import User


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument("--name", required=True, help="What uses it, e.g. 'website forms'.")

    def handle(self, *args, user, name, **options):
        owner = User.objects.filter(username=user, is_active=True).first()
        if owner is None:
            raise CommandError(f"No active user named {user!r}.")
        token, secret = api_token_create(user=owner, name=name)
        self.stdout.write(f"Token {token.prefix}… for {owner.username} ({name}):\n{secret}")
