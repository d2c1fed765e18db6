"""Print runs, from due letter touches or a lead list to letters in the mail."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.models import Interaction, Lead
from followups.cadences.services import enrolment_create
from followups.models import Channel, Enrolment, Touch
from mailings.letters import generating
from mailings.letters.models import PrintRun, StepLetter
from mailings.letters.runs import (
    PrintRunError,
    print_run_approve,
    print_run_cancel,
    print_run_create,
    print_run_generate,
    print_run_mark_mailed,
)
from tests.followups.cadences.factories import cadence_with
from tests.mailings.letters.factories import (
    GermanLeadFactory,
    LetterTemplateFactory,
    MailableLeadFactory,
)
from tests.mailings.letters.reading import read_pdf

pytestmark = pytest.mark.django_db


def due_letter(lead, *, hours_ago: int = 1, key: str = "") -> Touch:
    return Touch.objects.create(
        lead=lead,
        channel="letter",
        due_at=timezone.now() - dt.timedelta(hours=hours_ago),
        reason="Booth visit: send the conference letter",
        origin="by hand",
        key=key or f"test-letter:{lead.pk}:{hours_ago}",
    )


def run_of(manager, *, leads=None, template=None, paper="letter", name="Expo letters"):
    return print_run_create(
        name=name,
        template=template or LetterTemplateFactory(),
        paper=paper,
        created_by=manager,
        leads=leads,
    )


def printed_names(run) -> list[str]:
    return [letter.lead.last_name for letter in run.letters.filter(exception="")]


def test_a_run_takes_the_due_letter_touches_in_postal_order_and_lists_exceptions(manager_maria):
    zurich = MailableLeadFactory(last_name="Zurich", postal_code="90210")
    adams = MailableLeadFactory(last_name="Adams", postal_code="10001")
    berlin = GermanLeadFactory(last_name="Berger")
    refuses = MailableLeadFactory(last_name="Nomail", do_not_mail=True)
    no_street = MailableLeadFactory(last_name="Nostreet", address_line1="")
    later = MailableLeadFactory(last_name="Later")
    for lead in (zurich, adams, berlin, refuses, no_street):
        due_letter(lead)
    due_letter(later, hours_ago=-48)  # due the day after tomorrow

    run = run_of(manager_maria)

    assert run.status == PrintRun.Status.DRAFT and run.source == PrintRun.Source.TOUCHES
    assert printed_names(run) == ["Berger", "Adams", "Zurich"]  # DE before US, then by ZIP
    exceptions = dict(run.letters.exclude(exception="").values_list("lead__last_name", "exception"))
    assert exceptions == {
        "Nomail": "Do not mail",
        "Nostreet": "Incomplete address: no street",
    }
    assert not run.letters.filter(lead=later).exists()


def test_a_due_touch_is_never_in_two_open_runs_until_its_run_is_cancelled(manager_maria):
    lead = MailableLeadFactory()
    touch = due_letter(lead)
    first = run_of(manager_maria, name="First")

    second = run_of(manager_maria, name="Second")

    assert first.letters.get().touch == touch
    assert not second.letters.exists()
    print_run_cancel(run=first)
    third = run_of(manager_maria, name="Third")
    assert third.letters.get().touch == touch
    touch.refresh_from_db()
    assert touch.status == Touch.Status.PENDING  # a due touch goes back, not away


def test_a_lead_list_run_plans_a_letter_touch_per_printed_lead(manager_maria):
    leads = [MailableLeadFactory(last_name=name) for name in ("One", "Two")]
    MailableLeadFactory(last_name="Nomail", do_not_mail=True)

    run = run_of(manager_maria, leads=Lead.objects.all())

    touches = Touch.objects.filter(channel="letter")
    assert sorted(touch.lead_id for touch in touches) == sorted(lead.pk for lead in leads)
    assert {touch.status for touch in touches} == {Touch.Status.PENDING}
    assert run.letters.count() == 3 and run.letters.exclude(exception="").count() == 1
    print_run_cancel(run=run)
    assert set(touches.values_list("status", flat=True)) == {Touch.Status.SKIPPED}


def test_a_lead_already_in_an_open_run_is_an_exception_in_another(manager_maria):
    lead = MailableLeadFactory()
    first = run_of(manager_maria, leads=Lead.objects.all(), name="Spring offer")

    second = run_of(manager_maria, leads=Lead.objects.all())

    assert first.letters.get().is_printed
    assert second.letters.get().exception == "Already in the open run “Spring offer”"
    assert Touch.objects.filter(lead=lead).count() == 1


def test_a_lead_at_the_frequency_cap_is_an_exception(manager_maria, settings):
    settings.MAIL_CAP_TOUCHES = 1
    lead = MailableLeadFactory()
    Touch.objects.create(
        lead=lead,
        channel="email",
        due_at=timezone.now(),
        status=Touch.Status.DONE,
        completed_at=timezone.now() - dt.timedelta(days=1),
        reason="Welcome, step 1 (email)",
        origin="Cadence: Welcome",
        key="sent-yesterday",
    )

    run = run_of(manager_maria, leads=Lead.objects.all())

    assert run.letters.get().exception == "Frequency cap: 1 marketing touches in 7 days"


def test_only_a_draft_with_letters_can_be_approved(manager_maria):
    MailableLeadFactory(do_not_mail=True)
    empty = run_of(manager_maria, leads=Lead.objects.all())
    with pytest.raises(PrintRunError, match="no letters"):
        print_run_approve(run=empty, by=manager_maria)

    MailableLeadFactory()
    run = run_of(manager_maria, leads=Lead.objects.filter(do_not_mail=False))
    print_run_approve(run=run, by=manager_maria)
    with pytest.raises(PrintRunError, match="approved: it can't be approved"):
        print_run_approve(run=run, by=manager_maria)


def approved_run(manager, leads, **options):
    run = run_of(manager, leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]), **options)
    return print_run_approve(run=run, by=manager)


def test_generating_renders_chunks_and_merges_them_in_page_order(manager_maria, settings):
    settings.LETTER_CHUNK_SIZE = 2
    leads = [MailableLeadFactory(last_name=f"Person{n}", postal_code=f"1000{n}") for n in range(5)]
    run = approved_run(manager_maria, leads)

    print_run_generate(run=run)  # jobs run inline in tests

    run.refresh_from_db()
    assert run.status == PrintRun.Status.READY
    assert (run.chunks_total, sorted(run.chunks_rendered), run.pages) == (3, [0, 1, 2], 5)
    pages = read_pdf(run.pdf.read())
    assert [page.text().count(f"Person{n}") > 0 for n, page in enumerate(pages)] == [True] * 5


def test_a_chunk_job_of_an_earlier_generation_or_run_twice_changes_nothing(manager_maria, settings):
    settings.JOBS_MODE = "thread"  # queued, not run: this test runs the jobs by hand
    run = approved_run(manager_maria, [MailableLeadFactory(), MailableLeadFactory()])
    print_run_generate(run=run)
    print_run_generate(
        run=PrintRun.objects.get(pk=run.pk), now=timezone.now() + dt.timedelta(hours=1)
    )

    generating.chunk_render(run_id=run.pk, generation=1, chunk=0)  # the stale generation
    run.refresh_from_db()
    assert (run.generation, run.chunks_rendered) == (2, [])

    settings.JOBS_MODE = "inline"
    generating.chunk_render(run_id=run.pk, generation=2, chunk=0)
    generating.chunk_render(run_id=run.pk, generation=2, chunk=0)
    run.refresh_from_db()
    assert run.status == PrintRun.Status.READY and run.pages == 2


def test_a_template_that_does_not_compile_is_not_approved(manager_maria):
    template = LetterTemplateFactory(body="<p>{{ lead.first_name|no_such_filter }}</p>")
    run = run_of(
        manager_maria, leads=Lead.objects.filter(pk=MailableLeadFactory().pk), template=template
    )

    with pytest.raises(PrintRunError, match=r"no_such_filter is not allowed in a letter"):
        print_run_approve(run=run, by=manager_maria)


def test_a_render_over_its_time_limit_fails_the_run_and_it_can_be_generated_again(
    manager_maria, settings
):
    run = approved_run(manager_maria, [MailableLeadFactory() for _ in range(3)])
    settings.LETTER_RENDER_SECONDS = 0.001

    print_run_generate(run=run)
    run.refresh_from_db()
    assert run.status == PrintRun.Status.FAILED
    assert "Letters 1 to 3 did not render" in run.error and "time limit" in run.error

    settings.LETTER_RENDER_SECONDS = 300
    print_run_generate(run=run)
    run.refresh_from_db()
    assert run.status == PrintRun.Status.READY and run.error == "" and run.pages == 3


def test_generating_twice_at_once_is_refused_until_the_generation_is_stale(manager_maria, settings):
    settings.JOBS_MODE = "thread"
    run = approved_run(manager_maria, [MailableLeadFactory()])
    print_run_generate(run=run)
    with pytest.raises(PrintRunError, match="being generated"):
        print_run_generate(run=run)
    later = timezone.now() + dt.timedelta(seconds=settings.LETTER_RENDER_SECONDS * 3)
    assert print_run_generate(run=run, now=later).generation == 2


def test_marking_a_run_mailed_records_a_letter_on_every_printed_lead(manager_maria):
    leads = [MailableLeadFactory(), MailableLeadFactory()]
    skipped = MailableLeadFactory(do_not_mail=True)
    run = run_of(manager_maria, leads=Lead.objects.all())
    print_run_approve(run=run, by=manager_maria)
    with pytest.raises(PrintRunError, match="can't be marked mailed"):
        print_run_mark_mailed(run=run, by=manager_maria)
    print_run_generate(run=run)

    print_run_mark_mailed(run=run, by=manager_maria)

    run.refresh_from_db()
    assert run.status == PrintRun.Status.MAILED and run.mailed_by == manager_maria
    mailed = Interaction.objects.filter(kind=Interaction.Kind.LETTER_MAILED)
    assert sorted(mailed.values_list("lead_id", flat=True)) == sorted(lead.pk for lead in leads)
    assert not Interaction.objects.filter(lead=skipped).exists()
    touches = Touch.objects.filter(channel="letter")
    assert set(touches.values_list("status", "outcome")) == {(Touch.Status.DONE, "mailed")}
    assert not run.letters.filter(holds_touch=True).exists()
    with pytest.raises(PrintRunError, match="mailed: it can't be cancelled"):
        print_run_cancel(run=run)


def test_a_run_prints_its_template_as_approved_whatever_is_edited_later(manager_maria):
    template = LetterTemplateFactory(
        body="<p>Spring sale: {{ coupon_code }}</p>", coupon_code="SPRING"
    )
    run = approved_run(manager_maria, [MailableLeadFactory()], template=template)
    template.body, template.coupon_code = "<p>Summer sale: {{ coupon_code }}</p>", "SUMMER"
    template.save()

    print_run_generate(run=run)

    run.refresh_from_db()
    (page,) = read_pdf(run.pdf.read())
    assert "Spring sale: SPRING" in page.text() and "Summer" not in page.text()


# Cadences' letter steps


@pytest.fixture
def conference(db):
    return LetterTemplateFactory(slug="conference", name="Conference follow-up")


def letter_cadence(template, **fields):
    """A letter now (in the template's runs), then a task for the rep a day later."""
    cadence = cadence_with(
        {"channel": Channel.LETTER}, {"channel": Channel.TASK, "wait": 24}, **fields
    )
    StepLetter.objects.create(step=cadence.steps.get(position=1), template=template)
    return cadence


def enrolled(cadence, lead) -> Enrolment:
    enrolment = enrolment_create(
        cadence=cadence, lead=lead, source="test", now=timezone.now() - dt.timedelta(hours=1)
    )
    enrolment.refresh_from_db()
    return enrolment


def test_a_cadences_letter_goes_into_the_run_of_its_template_and_not_anothers(
    manager_maria, conference
):
    cadence_lead = MailableLeadFactory(last_name="Cadence")
    enrolled(letter_cadence(conference), cadence_lead)
    other = MailableLeadFactory(last_name="Other")
    due_letter(other)  # planned outside any cadence: it takes whichever run comes first

    service = run_of(manager_maria, template=LetterTemplateFactory(slug="service"), name="Service")
    conference_run = run_of(manager_maria, template=conference, name="Conference")

    assert printed_names(service) == ["Other"]
    assert printed_names(conference_run) == ["Cadence"]
    letter = conference_run.letters.get()
    assert (letter.touch.enrolment.lead, letter.holds_touch) == (cadence_lead, True)


def test_mailing_a_cadences_letter_moves_the_cadence_on(manager_maria, conference):
    enrolment = enrolled(letter_cadence(conference), MailableLeadFactory())
    run = run_of(manager_maria, template=conference)
    print_run_approve(run=run, by=manager_maria)
    print_run_generate(run=run)

    print_run_mark_mailed(run=run, by=manager_maria)

    letter = Touch.objects.get(enrolment=enrolment, step__position=1)
    assert (letter.status, letter.outcome) == (Touch.Status.DONE, "mailed")
    task = Touch.objects.get(enrolment=enrolment, step__position=2)
    assert (task.status, task.channel) == (Touch.Status.PENDING, Channel.TASK)


@pytest.mark.parametrize(
    "lead_fields, reason",
    [
        ({"address_line1": ""}, "Incomplete address: no street"),
        ({"do_not_mail": True}, "Do not mail"),
        (
            {"address_undeliverable_at": dt.datetime(2026, 1, 5, tzinfo=dt.UTC)},
            "Address undeliverable: a letter came back; no letters until it changes",
        ),
    ],
)
def test_a_lead_who_cannot_get_a_letter_has_the_step_skipped_and_the_cadence_goes_on(
    manager_maria, conference, lead_fields, reason
):
    enrolment = enrolled(letter_cadence(conference), MailableLeadFactory(**lead_fields))

    run = run_of(manager_maria, template=conference)

    assert run.letters.get().exception == reason  # the manager sees who was left out
    letter = Touch.objects.get(enrolment=enrolment, step__position=1)
    assert (letter.status, letter.outcome) == (Touch.Status.SKIPPED, reason)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.step.position) == (Enrolment.Status.ACTIVE, 2)
    assert Touch.objects.get(enrolment=enrolment, step__position=2).status == Touch.Status.PENDING
    print_run_cancel(run=run)
    assert not run_of(manager_maria, template=conference, name="Again").letters.exists()


def test_a_cadences_letter_at_the_frequency_cap_waits_for_a_later_run(
    manager_maria, conference, settings
):
    settings.MAIL_CAP_TOUCHES = 1
    lead = MailableLeadFactory()
    Touch.objects.create(
        lead=lead,
        channel="email",
        due_at=timezone.now(),
        status=Touch.Status.DONE,
        completed_at=timezone.now() - dt.timedelta(days=1),
        reason="Welcome, step 1 (email)",
        origin="Cadence: Welcome",
        key="sent-yesterday",
    )
    enrolment = enrolled(letter_cadence(conference), lead)

    run = run_of(manager_maria, template=conference)

    assert run.letters.get().exception.startswith("Frequency cap")
    letter = Touch.objects.get(enrolment=enrolment, step__position=1)
    assert letter.status == Touch.Status.PENDING  # put off, not skipped
    settings.MAIL_CAP_TOUCHES = 5
    assert run_of(manager_maria, template=conference, name="Later").letters.get().is_printed


def test_a_cadences_letter_in_a_cancelled_run_goes_back_for_the_next_one(manager_maria, conference):
    enrolment = enrolled(letter_cadence(conference), MailableLeadFactory())
    first = run_of(manager_maria, template=conference, name="First")

    print_run_cancel(run=first)

    letter = Touch.objects.get(enrolment=enrolment, step__position=1)
    assert letter.status == Touch.Status.PENDING
    assert run_of(manager_maria, template=conference, name="Second").letters.get().touch == letter
