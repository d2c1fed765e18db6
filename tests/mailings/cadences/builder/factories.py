"""Cadences with a step on each channel, each with its content, and leads every
channel can reach."""

import factory

from followups.cadences.models import Cadence, CadenceStep, Channel, WaitUnit
from mailings.letters.models import StepLetter
from tests.followups.cadences.factories import CadenceFactory, StepFactory
from tests.mailings.factories import StepVariantFactory
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory


class ReachableLeadFactory(MailableLeadFactory):
    """A New York lead with a phone, email consent and a postal address."""

    email_consent = "confirmed"
    phone = factory.Sequence(lambda n: f"+1212555{n % 10000:04d}")


def add_step(
    cadence: Cadence, channel: str, *, wait: int = 0, unit: str = WaitUnit.HOURS, **fields
) -> CadenceStep:
    """The next step of the cadence with its content: an email variant A, a letter
    template, a script."""
    position = cadence.steps.count() + 1
    step = StepFactory(
        cadence=cadence, position=position, channel=channel, wait=wait, wait_unit=unit, **fields
    )
    if channel in (Channel.EMAIL, Channel.PERSONAL_EMAIL):
        StepVariantFactory(step=step, subject=f"Step {position} for {{{{ lead.first_name }}}}")
    elif channel == Channel.LETTER:
        StepLetter.objects.create(step=step, template=LetterTemplateFactory())
    elif not step.script:
        step.script = f"Step {position}: talk to {{ lead.first_name }}"
        step.save(update_fields=["script"])
    return step


def cadence_of(*steps: tuple[str, int, str], **fields) -> Cadence:
    """A cadence of (channel, wait, unit) steps, each after the step before."""
    cadence = CadenceFactory(**fields)
    for channel, wait, unit in steps:
        add_step(cadence, channel, wait=wait, unit=unit)
    return cadence
