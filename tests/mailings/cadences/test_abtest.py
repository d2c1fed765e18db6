"""A/B tests of a cadence's email steps (mailings.cadences.abtest): the z-test,
the verdict in words, and the counts per variant with machines' opens left out."""

import pytest

from followups.cadences.models import Channel
from mailings.cadences.abtest import (
    NO_WINNER,
    WRITTEN_BY_REP,
    VariantStats,
    cadence_report,
    machine_counts,
    two_proportion_z_test,
    variant_counts,
    verdict,
)
from mailings.models import OutboxEmail
from tests.followups.cadences.factories import CadenceFactory, StepFactory
from tests.mailings.cadences.factories import sent_email
from tests.mailings.factories import EmailStepFactory, StepVariantFactory

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


# Counting what each variant got


def test_counts_are_per_step_and_variant_and_only_of_sent_emails(db, django_assert_num_queries):
    step = EmailStepFactory(position=1)
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
        counts = variant_counts(step.cadence)

    assert counts == {
        (step.pk, a.pk): {"sent": 3, "opened": 2, "clicked": 1, "replied": 0, "machine_opens": 3,
                          "machine_clicks": 0},
        (step.pk, b.pk): {"sent": 1, "opened": 1, "clicked": 1, "replied": 1, "machine_opens": 0,
                          "machine_clicks": 0},
    }  # fmt: skip


def test_the_report_lists_every_email_step_and_variant_in_three_queries(
    db, django_assert_num_queries
):
    cadence = CadenceFactory()
    first = EmailStepFactory(cadence=cadence, position=1)
    StepFactory(cadence=cadence, position=2, channel=Channel.CALL)  # not an email: not listed
    second = EmailStepFactory(cadence=cadence, position=3, channel=Channel.PERSONAL_EMAIL)
    a = StepVariantFactory(step=first, label="A", subject="Hello")
    StepVariantFactory(step=first, label="B", subject="Hi there")
    StepVariantFactory(step=second, label="A", subject="Still there?")
    sent_email(a, clicked=True)

    with django_assert_num_queries(3):
        report = cadence_report(cadence)

    assert [(row.step.position, row.is_test) for row in report] == [(1, True), (3, False)]
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


def test_a_personal_email_written_from_scratch_is_counted_but_tested_against_nothing(db):
    step = EmailStepFactory(position=1, channel=Channel.PERSONAL_EMAIL)
    a = StepVariantFactory(step=step, label="A", subject="Hello")
    for _ in range(40):
        sent_email(a)
    for _ in range(40):
        sent_email(None, step=step, replied=True)

    [report] = cadence_report(step.cadence)

    assert [(v.label, v.sent, v.replied) for v in report.variants] == [
        ("A", 40, 0),
        (WRITTEN_BY_REP, 40, 40),
    ]
    assert not report.is_test
    assert {verdict for _, verdict in report.verdicts} == {NO_WINNER}


def test_machine_opens_and_clicks_are_summed_apart(db):
    step = EmailStepFactory(position=1)
    a = StepVariantFactory(step=step, label="A")
    sent_email(a, machine_opens=2)
    sent_email(a, machine_opens=1, opened=True)

    report = cadence_report(step.cadence)

    assert machine_counts(report) == {"opens": 3, "clicks": 0}
    assert report[0].variants[0].opened == 1
