"""Letter templates and leads with postal addresses that print."""

import factory

from mailings.letters.models import LetterTemplate
from tests.factories import LeadFactory


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterTemplate
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"letter-{n}")
    name = factory.Sequence(lambda n: f"Letter {n}")
    body = (
        '<p>Dear {{ lead.first_name|default:"friend" }},</p>'
        "<p>Thank you for visiting us{% if campaign %} at {{ campaign }}{% endif %}.</p>"
        "<p>Your code: {{ coupon_code|default:'WELCOME10' }}</p>"
    )
    css = "p { margin: 0 0 0.8em; }"


class MailableLeadFactory(LeadFactory):
    """A US lead with a complete postal address."""

    address_line1 = factory.Sequence(lambda n: f"{100 + n} Main Street")
    city = "Springfield"
    region = "IL"
    postal_code = factory.Sequence(lambda n: f"{62701 + n % 90:05d}")
    country = "US"


class GermanLeadFactory(LeadFactory):
    address_line1 = factory.Sequence(lambda n: f"Hauptstraße {n + 1}")
    city = "Berlin"
    postal_code = "10115"
    country = "DE"
    time_zone = "Europe/Berlin"
