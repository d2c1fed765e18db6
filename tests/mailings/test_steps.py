"""Which lead gets which variant of a cadence's email step (mailings.steps)."""

from collections import Counter

import pytest

from crm.models import Lead
from followups.cadences.models import CadenceStep
from mailings.steps import variant_for
from tests.mailings.factories import EmailStepFactory, StepVariantFactory


@pytest.fixture
def ab_step(db):
    step = EmailStepFactory(position=1)
    StepVariantFactory(step=step, label="A", subject="Hello")
    StepVariantFactory(step=step, label="B", subject="Hello again")
    return CadenceStep.objects.prefetch_related("variants").get(pk=step.pk)


def test_a_lead_always_gets_the_same_variant(ab_step):
    fetched_again = CadenceStep.objects.get(pk=ab_step.pk)

    for pk in range(1, 50):
        lead = Lead(pk=pk)
        assert variant_for(ab_step, lead) == variant_for(fetched_again, lead)
        assert variant_for(ab_step, lead) == variant_for(ab_step, Lead(pk=pk))


def test_leads_split_evenly_between_the_variants(ab_step, django_assert_num_queries):
    with django_assert_num_queries(0):  # a hash of ids: no random draw, no counting
        split = Counter(variant_for(ab_step, Lead(pk=pk)).label for pk in range(1, 2001))

    assert split.keys() == {"A", "B"}
    assert 900 <= split["A"] <= 1100


def test_the_same_lead_can_get_different_variants_in_different_steps(ab_step):
    other = EmailStepFactory(cadence=ab_step.cadence, position=2)
    StepVariantFactory(step=other, label="A")
    StepVariantFactory(step=other, label="B", subject="Other subject")
    other = CadenceStep.objects.prefetch_related("variants").get(pk=other.pk)

    labels = {
        (variant_for(ab_step, Lead(pk=pk)).label, variant_for(other, Lead(pk=pk)).label)
        for pk in range(1, 100)
    }

    assert labels == {("A", "A"), ("A", "B"), ("B", "A"), ("B", "B")}
