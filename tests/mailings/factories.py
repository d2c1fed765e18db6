import factory

from mailings.models import Drip, DripStep, StepVariant
from tests.factories import LeadFactory

# A person's mail app or browser, for opens and clicks (mailings.machines).
PERSONS_BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


class DripFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drip

    name = factory.Sequence(lambda n: f"Drip {n}")
    slug = factory.Sequence(lambda n: f"drip-{n}")


class DripStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DripStep

    drip = factory.SubFactory(DripFactory)
    position = factory.Sequence(lambda n: n + 1)
    delay = 0


class StepVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepVariant

    step = factory.SubFactory(DripStepFactory)
    label = "A"
    subject = "Hello {{ lead.first_name|default:'there' }}"
    html_body = "<p>Hi {{ lead.first_name|default:'there' }}, from {{ lead.company }}.</p>"


class ConsentingLeadFactory(LeadFactory):
    """A lead whose email consent is confirmed, in New York."""

    email_consent = "confirmed"


def drip_with_steps(*delays_in_hours, **drip_fields) -> Drip:
    """A drip with one step per delay (hours after the step before), variant A each."""
    drip = DripFactory(**drip_fields)
    for position, delay in enumerate(delays_in_hours, start=1):
        step = DripStepFactory(drip=drip, position=position, delay=delay)
        StepVariantFactory(step=step, subject=f"Step {position} for {{{{ lead.first_name }}}}")
    return drip
