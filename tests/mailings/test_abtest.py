import itertools
from collections import Counter

import pytest
from django.utils import timezone
from mailings.abtest import (
    NO_WINNER,
    VariantStats,
    drip_report,
    two_proportion_z_test,
    variant_counts,
    verdict,
)
from mailings.drips import variant_for

from crm.models import Lead
from followups.models import Channel, Touch
from mailings.models import DripStep, Enrolment, OutboxEmail
from tests.mailings.factories import (
    ConsentingLeadFactory,
    DripFactory,
    DripStepFactory,
    StepVariantFactory,
)

KEYS = itertools.count()

# The two-proportion z-test, against values worked out by hand:
# A 100/1000 = 0.10, B 130/1000 = 0.13; pooled p = 230/2000 = 0.115;
# SE = sqrt(0.115 * 0.885 * (1/1000 + 1/1000)) = sqrt(0.00020355) = 0.0142671;
# z = 0.03 / 0.0142671 = 2.1027; p = 2 * (1 - Phi(2.1027)) = 2 * 0.017744 = 0.0355.


def test_z_test_matches_a_hand_computed_example():
    result = two_proportion_z_test(100, 1000, 130, 1000)

    assert result.z == pytest.approx(2.1027, abs=1e-4)
    assert result.p_value == pytest.approx(0.0355, abs=1e-4)


def test_z_test_matches_a_second_hand_computed_example():
    # A 0.20, B 0.25 of 1000 each: pooled 0.225; SE = sqrt(0.225 * 0.775 * 0.002)
    # = 0.018675; z = 0.05 / 0.018675 = 2.6774; p = 2 * 0.003710 = 0.00742.
    result = two_proportion_z_test(200, 1000, 250, 1000)

    assert result.z == pytest.approx(2.6774, abs=1e-4)
    assert result.p_value == pytest.approx(0.00742, abs=1e-5)


def test_z_test_is_negative_when_a_is_higher_with_the_same_p_value():
    forward = two_proportion_z_test(100, 1000, 130, 1000)
    backward = two_proportion_z_test(130, 1000, 100, 1000)

    assert backward.z == pytest.approx(-forward.z)
    assert backward.p_value == pytest.approx(forward.p_value)


@pytest.mark.parametrize(
    "counts",
    [
        (50, 500, 50, 500),  # equal rates
        (0, 0, 10, 100),  # nothing sent for A
        (0, 400, 0, 400),  # nobody clicked at all
        (400, 400, 300, 300),  # everybody did
    ],
)
def test_z_test_finds_no_difference_where_there_is_nothing_to_tell_apart(counts):
    result = two_proportion_z_test(*counts)

    assert (result.z, result.p_value) == (pytest.approx(0.0), pytest.approx(1.0))


# The verdict in plain words


def stats(label, sent, clicked=0, opened=0, replied=0) -> VariantStats:
    return VariantStats(label, f"Subject {label}", sent, opened, clicked, replied)


def test_b_leads_on_clicks_at_95_percent_confidence():
    variants = [stats("A", 1000, clicked=100), stats("B", 1000, clicked=130)]

    assert verdict(variants, "clicked", "clicks") == "B leads on clicks, 95% confidence"


def test_a_bigger_difference_is_called_at_99_percent_confidence():
    variants = [stats("A", 1000, replied=250), stats("B", 1000, replied=200)]

    assert verdict(variants, "replied", "replies") == "A leads on replies, 99% confidence"


def test_a_small_difference_has_no_winner_yet():
    # p = 0.064: close, but not 95%.
    variants = [stats("A", 300, clicked=30), stats("B", 300, clicked=45)]

    assert verdict(variants, "clicked", "clicks") == "no winner yet"


def test_too_few_emails_have_no_winner_whatever_the_rates():
    variants = [stats("A", 20, clicked=0), stats("B", 20, clicked=15)]

    assert verdict(variants, "clicked", "clicks") == NO_WINNER


def test_with_three_variants_the_leader_must_beat_every_other_one():
    close_second = [stats("A", 1000, 100), stats("B", 1000, 250), stats("C", 1000, 240)]
    clear_leader = [stats("A", 1000, 100), stats("B", 1000, 250), stats("C", 1000, 110)]

    assert verdict(close_second, "clicked", "clicks") == NO_WINNER
    assert verdict(clear_leader, "clicked", "clicks") == "B leads on clicks, 99% confidence"


def test_one_variant_is_no_test():
    assert verdict([stats("A", 5000, clicked=900)], "clicked", "clicks") == NO_WINNER


# Which lead gets which variant


@pytest.fixture
def ab_step(db):
    step = DripStepFactory(drip=DripFactory(), position=1)
    StepVariantFactory(step=step, label="A", subject="Hello")
    StepVariantFactory(step=step, label="B", subject="Hello again")
    return DripStep.objects.prefetch_related("variants").get(pk=step.pk)


def test_a_lead_always_gets_the_same_variant(ab_step):
    fetched_again = DripStep.objects.get(pk=ab_step.pk)

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
    other = DripStepFactory(drip=ab_step.drip, position=2)
    StepVariantFactory(step=other, label="A")
    StepVariantFactory(step=other, label="B", subject="Other subject")
    other = DripStep.objects.prefetch_related("variants").get(pk=other.pk)

    labels = {
        (variant_for(ab_step, Lead(pk=pk)).label, variant_for(other, Lead(pk=pk)).label)
        for pk in range(1, 100)
    }

    assert labels == {("A", "A"), ("A", "B"), ("B", "A"), ("B", "B")}


# Counting what each variant got


def sent_email(
    variant, *, status=OutboxEmail.Status.SENT, machine_opens=0, **events
) -> OutboxEmail:
    lead = ConsentingLeadFactory()
    step = variant.step
    enrolment = Enrolment.objects.create(drip=step.drip, lead=lead, source="test")
    touch = Touch.objects.create(
        lead=lead,
        channel=Channel.EMAIL,
        due_at=timezone.now(),
        reason="test",
        origin="test",
        key=f"abtest:{next(KEYS)}",
    )
    return OutboxEmail.objects.create(
        enrolment=enrolment,
        step=step,
        variant=variant,
        lead=lead,
        touch=touch,
        status=status,
        sent_at=timezone.now() if status == OutboxEmail.Status.SENT else None,
        machine_opens=machine_opens,
        **{f"{event}_at": timezone.now() for event in events},
    )


def test_counts_are_per_variant_and_only_of_sent_emails(db, django_assert_num_queries):
    step = DripStepFactory(drip=DripFactory(), position=1)
    a = StepVariantFactory(step=step, label="A", subject="Hello")
    b = StepVariantFactory(step=step, label="B", subject="Hi there")
    sent_email(a, opened=True, clicked=True)
    sent_email(a, opened=True)
    sent_email(a, machine_opens=3)
    sent_email(b, status=OutboxEmail.Status.PENDING, machine_opens=5)  # not sent: not counted
    sent_email(b, opened=True, clicked=True, replied=True)
    sent_email(b, status=OutboxEmail.Status.PENDING)
    sent_email(b, status=OutboxEmail.Status.CANCELLED)

    with django_assert_num_queries(1):
        counts = variant_counts(step.drip)

    assert counts == {
        a.pk: {"sent": 3, "opened": 2, "clicked": 1, "replied": 0, "machine_opens": 3,
               "machine_clicks": 0},
        b.pk: {"sent": 1, "opened": 1, "clicked": 1, "replied": 1, "machine_opens": 0,
               "machine_clicks": 0},
    }  # fmt: skip


def test_the_report_lists_every_step_and_variant_in_three_queries(db, django_assert_num_queries):
    drip = DripFactory()
    first, second = (DripStepFactory(drip=drip, position=n) for n in (1, 2))
    a = StepVariantFactory(step=first, label="A", subject="Hello")
    StepVariantFactory(step=first, label="B", subject="Hi there")
    StepVariantFactory(step=second, label="A", subject="Still there?")
    sent_email(a, clicked=True)

    with django_assert_num_queries(3):
        report = drip_report(drip)

    assert [(row.step.position, row.is_test) for row in report] == [(1, True), (2, False)]
    assert report[0].variants == [
        VariantStats("A", "Hello", sent=1, clicked=1),
        VariantStats("B", "Hi there"),
    ]
    assert report[0].variants[0].cells == [(0, 0.0), (1, 100.0), (0, 0.0)]
    assert report[0].variants[1].cells == [(0, None), (0, None), (0, None)]
    assert report[0].verdicts == [
        ("opens", NO_WINNER),
        ("clicks", NO_WINNER),
        ("replies", NO_WINNER),
    ]
