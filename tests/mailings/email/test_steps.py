"""Which lead gets which variant of a cadence's email step (mailings.email.steps)."""

from collections import Counter

import pytest
from django.db import transaction

from crm.models import Lead
from followups.cadences.models import CadenceStep, Enrolment
from followups.models import Channel
from mailings.email.steps import (
    NO_EMAIL_WRITTEN,
    OUTSIDE_ANY_CADENCE,
    _made_in_python,
    _made_in_sql,
    variant_for,
)
from mailings.models import OutboxEmail, StepVariant
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory
from tests.followups.factories import TouchFactory
from tests.mailings.factories import EmailStepFactory, StepVariantFactory

EMAIL = {"channel": Channel.EMAIL}


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


def outbox_rows() -> dict[int, dict]:
    """Every outbox row, by touch, every column but its own id."""
    return {
        row["touch_id"]: row
        for row in OutboxEmail.objects.order_by("touch_id").values(
            *(f.attname for f in OutboxEmail._meta.concrete_fields if f.name != "id")
        )
    }


def made_by(make, touch_ids: list[int]) -> tuple[dict, dict]:
    """What `make` writes and says for these touches, then taken back."""
    with transaction.atomic():
        why_not = make(touch_ids)
        rows = outbox_rows()
        transaction.set_rollback(True)
    return rows, why_not


def test_the_outbox_rows_made_in_one_statement_are_those_made_row_by_row(postgres):
    """mailings.email.steps._made_in_sql (PostgreSQL's INSERT … SELECT, the variant
    picked by a hash in SQL) against _made_in_python, on the same touches: an A/B/C
    step, a step with one variant, one with none, a touch outside any cadence, a
    personal email and a touch whose row exists already (kept as it is)."""
    cadence = CadenceFactory()
    three = EmailStepFactory(cadence=cadence, position=1)
    for label in ("C", "A", "B"):  # written out of order: picked in label order
        StepVariantFactory(step=three, label=label)
    one = EmailStepFactory(cadence=cadence, position=2)
    StepVariantFactory(step=one, label="D")
    none = EmailStepFactory(cadence=cadence, position=3)
    touches = []
    for number, step in enumerate([three] * 60 + [one] * 5 + [none] * 3):
        enrolment = Enrolment.objects.create(
            cadence=cadence, step=step, lead=LeadFactory(), source="Test"
        )
        touches.append(
            TouchFactory(
                lead=enrolment.lead, enrolment=enrolment, step=step, key=f"t{number}", **EMAIL
            )
        )
    touches.append(TouchFactory(key="outside", **EMAIL))
    touches.append(TouchFactory(key="personal", channel=Channel.PERSONAL_EMAIL))
    kept = touches[0]
    OutboxEmail.objects.create(
        touch=kept, lead=kept.lead, enrolment=kept.enrolment, step=three, subject="kept"
    )
    ids = [touch.pk for touch in touches]

    in_python, why_in_python = made_by(_made_in_python, ids[1:])
    in_sql, why_in_sql = made_by(_made_in_sql, ids[1:])

    assert in_sql == in_python
    assert why_in_sql == why_in_python
    assert len(in_sql) == 1 + 59 + 5 and in_sql[kept.pk]["subject"] == "kept"
    variants = dict(StepVariant.objects.values_list("pk", "label"))
    made = [row for touch_id, row in in_sql.items() if touch_id != kept.pk]
    assert Counter(variants[row["variant_id"]] for row in made).keys() == {"A", "B", "C", "D"}
    assert set(why_in_sql.values()) == {OUTSIDE_ANY_CADENCE, NO_EMAIL_WRITTEN}
    assert len(why_in_sql) == 3 + 1
