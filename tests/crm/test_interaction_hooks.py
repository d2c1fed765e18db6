"""The mechanism that runs the interaction pipeline (config/flow.py declares it)."""

import pytest

from crm import interaction_hooks
from crm.interaction_hooks import PerBatch, PerInteraction
from tests.factories import InteractionFactory


@pytest.fixture
def reinstalled():
    """Put config.flow's pipeline back after a test installed its own."""
    yield
    from config import flow

    interaction_hooks.install(flow.INTERACTION_PIPELINE, withdrawn=flow.INTERACTION_WITHDRAWN)


def recording_pipeline(ran: list[str]) -> list:
    def each(name):
        return lambda *, interaction: ran.append(f"{name} {interaction.pk}")

    def batch(name):
        return lambda *, interactions: ran.append(f"{name} {[i.pk for i in interactions]}")

    return [
        PerInteraction(each("stage"), batch=batch("stage set")),
        PerInteraction(each("suppression")),
        PerBatch(batch("scores")),
        PerBatch(batch("cadences"), per_row=batch("cadences per row")),
    ]


@pytest.mark.django_db
def test_the_steps_run_in_the_order_listed_one_by_one(reinstalled):
    ran: list[str] = []
    interaction_hooks.install(recording_pipeline(ran), withdrawn=[])
    first, second = InteractionFactory(), InteractionFactory()

    interaction_hooks.run_many([first, second])

    assert ran == [
        f"stage {first.pk}",
        f"suppression {first.pk}",
        f"stage {second.pk}",
        f"suppression {second.pk}",
        f"scores {[first.pk, second.pk]}",
        f"cadences per row {[first.pk, second.pk]}",
    ]


@pytest.mark.django_db
def test_the_steps_run_in_the_order_listed_set_based(reinstalled):
    ran: list[str] = []
    interaction_hooks.install(recording_pipeline(ran), withdrawn=[])
    first, second = InteractionFactory(), InteractionFactory()

    interaction_hooks.run_set_based([first, second])

    assert ran == [
        f"stage set {[first.pk, second.pk]}",
        f"suppression {first.pk}",
        f"suppression {second.pk}",
        f"scores {[first.pk, second.pk]}",
        f"cadences {[first.pk, second.pk]}",
    ]


def test_a_per_interaction_step_listed_after_a_batch_step_is_refused(reinstalled):
    def handler(**kwargs):
        pass

    with pytest.raises(ValueError, match="before the PerBatch"):
        interaction_hooks.install([PerBatch(handler), PerInteraction(handler)], withdrawn=[])


def test_running_the_pipeline_before_it_is_installed_fails_loudly(monkeypatch):
    monkeypatch.setattr(interaction_hooks, "_installed", False)

    with pytest.raises(RuntimeError, match="FlowConfig"):
        interaction_hooks.run_many([])
