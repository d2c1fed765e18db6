import factory

from followups.cadences.models import Cadence, CadenceStep, CadenceTrigger, Channel, WaitUnit


class CadenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadence

    name = factory.Sequence(lambda n: f"Play {n}")
    slug = factory.Sequence(lambda n: f"play-{n}")
    is_active = True


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CadenceStep

    cadence = factory.SubFactory(CadenceFactory)
    position = factory.Sequence(lambda n: n + 1)
    channel = Channel.TASK
    wait = 0
    wait_unit = WaitUnit.HOURS


class TriggerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CadenceTrigger

    cadence = factory.SubFactory(CadenceFactory)


def cadence_with(*steps: dict, **fields) -> Cadence:
    """A cadence with these steps, in order: StepFactory's fields for each."""
    cadence = CadenceFactory(**fields)
    for position, step in enumerate(steps, start=1):
        StepFactory(cadence=cadence, position=position, **step)
    return cadence


def call_task_call() -> Cadence:
    """Call, then a task, then a last call: the play the outcome tests steer."""
    return cadence_with(
        {"channel": Channel.CALL}, {"channel": Channel.TASK}, {"channel": Channel.CALL}
    )
