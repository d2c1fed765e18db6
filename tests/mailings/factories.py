import factory

from followups.cadences.models import Cadence, Channel
from mailings.models import StepVariant
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory, StepFactory

# A person's mail app or browser, for opens and clicks (mailings.email.machines).
PERSONS_BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


class EmailStepFactory(StepFactory):
    channel = Channel.EMAIL


class StepVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepVariant

    step = factory.SubFactory(EmailStepFactory)
    label = "A"
    subject = "Hello {{ lead.first_name|default:'there' }}"
    html_body = "<p>Hi {{ lead.first_name|default:'there' }}, from {{ lead.company }}.</p>"


class ConsentingLeadFactory(LeadFactory):
    """A lead whose email consent is confirmed, in New York."""

    email_consent = "confirmed"


def email_cadence(*waits_in_hours, **cadence_fields) -> Cadence:
    """A cadence with one email step per wait (hours after the step before),
    variant A each."""
    cadence = CadenceFactory(**cadence_fields)
    for position, wait in enumerate(waits_in_hours, start=1):
        step = EmailStepFactory(cadence=cadence, position=position, wait=wait)
        StepVariantFactory(step=step, subject=f"Step {position} for {{{{ lead.first_name }}}}")
    return cadence
