"""What follows from what (config/flow.py) is what runs: the lists are installed
as declared, in order, and nothing else is."""

from config import flow
from crm import interaction_hooks, periodic
from crm.interaction_hooks import PerBatch, PerInteraction


def test_the_interaction_pipeline_installed_is_the_declared_list_in_order():
    each = [step for step in flow.INTERACTION_PIPELINE if isinstance(step, PerInteraction)]
    batch = [step for step in flow.INTERACTION_PIPELINE if isinstance(step, PerBatch)]

    assert interaction_hooks._handlers == [step.handler for step in each]
    assert interaction_hooks._batch_handlers == [step.handler for step in batch]
    assert [*each, *batch] == flow.INTERACTION_PIPELINE  # the list reads as it runs
    assert interaction_hooks._withdrawn_handlers == flow.INTERACTION_WITHDRAWN


def test_the_pipeline_keeps_its_order():
    """Changing it changes what each step sees: update the reasons beside it too."""
    names = [step.handler.__name__ for step in flow.INTERACTION_PIPELINE]

    assert names == [
        "lead_progress_stage",
        "suppression_apply",
        "scores_after_interactions",
        "referral_codes_for_new_customers",
        "audiences_apply",
        "cadences_apply",
    ]
    assert [h.__name__ for h in flow.INTERACTION_WITHDRAWN] == [
        "touches_withdraw",
        "enrolments_withdraw",
    ]


def test_the_periodic_tasks_installed_are_the_declared_ones():
    assert periodic.registered() == sorted(flow.PERIODIC_TASKS, key=lambda task: task.name)


def test_a_periodic_task_is_a_job_function_the_worker_can_import():
    from django.utils.module_loading import import_string

    for task in flow.PERIODIC_TASKS:
        assert import_string(f"{task.job.__module__}.{task.job.__qualname__}") is task.job
