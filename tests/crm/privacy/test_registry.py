"""Every model that keeps something about a lead is exported and erased by some
app's part, or declared to hold nothing personal: a model added later without
either fails here."""

from django.apps import apps

from crm.models import Lead
from crm.privacy import registry


def _points_at(model, targets: set) -> bool:
    return any(
        field.is_relation and field.concrete and field.related_model in targets
        for field in model._meta.get_fields()
    )


def models_about_a_lead() -> set[str]:
    """Models with a relation to Lead, and those with a relation to one of them
    (a website visitor's events, a touch's undo record)."""
    first = {model for model in apps.get_models() if _points_at(model, {Lead})} | {Lead}
    second = {model for model in apps.get_models() if _points_at(model, first)}
    return {model._meta.label for model in first | second}


def test_every_model_about_a_lead_is_covered_or_declared_to_hold_nothing_personal():
    accounted = registry.covered_models() | registry.no_personal_data()

    assert models_about_a_lead() - accounted == set()


def test_the_walk_finds_models_one_step_away_from_a_lead():
    found = models_about_a_lead()

    assert {"crm.WebEvent", "crm.Cart", "followups.OutcomeUndo", "mailings.OutboxEmail"} <= found


def test_every_app_with_lead_data_has_registered_its_part():
    assert [part.name for part in registry.parts()] == [
        "crm",
        "audit history",
        "followups",
        "mailings",
    ]
