import factory
from django.utils import timezone

from followups.models import Channel, Touch
from tests.factories import LeadFactory


class CallableLeadFactory(LeadFactory):
    """A lead with a phone number, in New York unless told otherwise."""

    phone = factory.Sequence(lambda n: f"+1212555{n % 10000:04d}")


class TouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touch

    lead = factory.SubFactory(CallableLeadFactory)
    channel = Channel.CALL
    due_at = factory.LazyFunction(timezone.now)
    reason = "Downloaded Pricing guide"
    origin = "Test"
    key = factory.Sequence(lambda n: f"test:{n}")
