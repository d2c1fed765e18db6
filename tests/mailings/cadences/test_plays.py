"""The installed plays, end to end: what each does from the interaction that
starts it to its last step, with the clock moved as the days pass. The sender,
the print runs and the queue are the real ones; mail goes to a real SMTP server
on loopback."""

import datetime as dt

import pytest
import time_machine

from crm.models import Interaction, Lead
from crm.services import interaction_record
from followups.cadences.models import Cadence, Channel, Enrolment
from followups.models import Holiday, Touch
from followups.queue.services import Outcome, call_claim_next, call_log_outcome
from followups.scheduler import scheduler_pass
from mailings.letters.models import LetterTemplate, Paper
from mailings.letters.runs import print_run_create
from tests.factories import CampaignFactory
from tests.followups.factories import CallableLeadFactory

TUESDAY = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 11:00 in New York
WEDNESDAY_NINE = dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT
pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(rep_alice):
    return CallableLeadFactory(
        owner=rep_alice,
        email_consent=Lead.EmailConsent.CONFIRMED,
        address_line1="1 Main St",
        city="New York",
        region="NY",
        postal_code="10001",
    )


def play(key: str) -> Cadence:
    return Cadence.objects.get(installed=key)


def record(lead, kind, **fields) -> Interaction:
    interaction, _ = interaction_record(lead=lead, kind=kind, source="test", **fields)
    return interaction


def enrolment(key: str, lead) -> Enrolment:
    return Enrolment.objects.get(cadence=play(key), lead=lead)


def open_touch(key: str, lead) -> Touch:
    return Touch.objects.get(enrolment__cadence=play(key), lead=lead, status__in=Touch.OPEN)


def send_due(clock, at: dt.datetime) -> None:
    clock.move_to(at)
    scheduler_pass(now=at)


def mail_the_letters(template_slug: str, manager) -> int:
    from mailings.letters.runs import print_run_mark_mailed

    run = print_run_create(
        name="Today's letters",
        template=LetterTemplate.objects.get(slug=template_slug),
        paper=Paper.LETTER,
        created_by=manager,
    )
    printed = run.letters.filter(exception="").count()
    type(run).objects.filter(pk=run.pk).update(status="ready")
    run.refresh_from_db()
    print_run_mark_mailed(run=run, by=manager)
    return printed


def test_a_booth_visit_gets_a_call_an_email_a_letter_and_a_last_call(
    clock, lead, rep_alice, manager_maria, smtp
):
    expo = CampaignFactory(name="Expo 2026")
    record(lead, Interaction.Kind.BOOTH_VISIT, campaign=expo)

    call = open_touch("booth_visit", lead)
    assert (call.channel, call.due_at, call.assigned_to) == (
        Channel.CALL,
        WEDNESDAY_NINE,
        rep_alice,
    )
    clock.move_to(WEDNESDAY_NINE)
    call_log_outcome(
        touch=call_claim_next(user=rep_alice), user=rep_alice, outcome=Outcome.NO_ANSWER
    )

    email = open_touch("booth_visit", lead)  # day 2: two business days after the visit
    assert (email.channel, email.due_at) == (
        Channel.EMAIL,
        dt.datetime(2026, 3, 12, 15, 0, tzinfo=dt.UTC),
    )
    send_due(clock, email.due_at)
    assert [m["Subject"] for m in smtp.to(lead.email)] == ["Good to meet you at Expo 2026"]

    letter = open_touch("booth_visit", lead)  # day 5
    assert (letter.channel, letter.due_at) == (
        Channel.LETTER,
        dt.datetime(2026, 3, 17, 15, 0, tzinfo=dt.UTC),
    )
    clock.move_to(letter.due_at)
    assert mail_the_letters("conference-follow-up", manager_maria) == 1

    last_call = open_touch("booth_visit", lead)  # day 7
    assert (last_call.channel, last_call.due_at) == (
        Channel.CALL,
        dt.datetime(2026, 3, 19, 13, 0, tzinfo=dt.UTC),
    )
    clock.move_to(last_call.due_at)
    call_log_outcome(
        touch=call_claim_next(user=rep_alice), user=rep_alice, outcome=Outcome.INTERESTED
    )
    assert enrolment("booth_visit", lead).status == Enrolment.Status.FINISHED


def test_a_booth_visitor_who_books_a_meeting_leaves_the_play(clock, lead, rep_alice):
    record(lead, Interaction.Kind.BOOTH_VISIT, campaign=CampaignFactory())
    clock.move_to(WEDNESDAY_NINE)

    call_log_outcome(touch=call_claim_next(user=rep_alice), user=rep_alice, outcome=Outcome.MEETING)

    ended = enrolment("booth_visit", lead)
    assert (ended.status, ended.exit_reason) == (Enrolment.Status.EXITED, "A meeting is booked")
    assert not Touch.objects.filter(lead=lead, status__in=Touch.OPEN).exists()


def test_a_booth_visit_before_a_holiday_is_called_the_day_after_it(clock, lead):
    Holiday.objects.create(date=dt.date(2026, 3, 11), name="Closed", country="US")

    record(lead, Interaction.Kind.BOOTH_VISIT, campaign=CampaignFactory())

    assert open_touch("booth_visit", lead).due_at == WEDNESDAY_NINE + dt.timedelta(days=1)


def test_a_download_is_called_at_once_at_the_top_of_the_queue_then_emailed_if_not_reached(
    clock, lead, rep_alice, smtp
):
    record(lead, Interaction.Kind.CONTENT_DOWNLOAD, data={"asset": "Pricing guide"})

    call = call_claim_next(user=rep_alice)
    assert (call.enrolment.cadence, call.due_at) == (play("content_download"), TUESDAY)
    assert call.priority >= 90
    call_log_outcome(touch=call, user=rep_alice, outcome=Outcome.NO_ANSWER)

    email = open_touch("content_download", lead)
    assert email.due_at == TUESDAY + dt.timedelta(days=1)
    send_due(clock, email.due_at)
    assert len(smtp.to(lead.email)) == 1
    assert enrolment("content_download", lead).status == Enrolment.Status.FINISHED


def test_a_download_whose_call_connects_ends_there(clock, lead, rep_alice):
    record(lead, Interaction.Kind.CONTENT_DOWNLOAD)

    call_log_outcome(
        touch=call_claim_next(user=rep_alice), user=rep_alice, outcome=Outcome.INTERESTED
    )

    assert enrolment("content_download", lead).status == Enrolment.Status.FINISHED
    assert not Touch.objects.filter(lead=lead, status__in=Touch.OPEN).exists()


def test_a_voicemail_after_a_download_moves_the_lead_to_the_voicemail_follow_up(
    clock, lead, rep_alice, smtp
):
    record(lead, Interaction.Kind.CONTENT_DOWNLOAD)

    call_log_outcome(
        touch=call_claim_next(user=rep_alice), user=rep_alice, outcome=Outcome.VOICEMAIL
    )

    assert enrolment("content_download", lead).status == Enrolment.Status.EXITED
    send_due(clock, TUESDAY + dt.timedelta(minutes=1))
    assert [m["Subject"] for m in smtp.to(lead.email)] == [f"Sorry I missed you, {lead.first_name}"]


def test_the_first_purchase_gets_the_upsell_thirty_minutes_later_and_no_later_one_does(
    clock, lead, smtp
):
    record(lead, Interaction.Kind.PURCHASE, data={"product": "Backpack"})
    upsell = open_touch("first_purchase", lead)
    assert upsell.due_at == TUESDAY + dt.timedelta(minutes=30)
    send_due(clock, upsell.due_at)
    assert [m["Subject"] for m in smtp.to(lead.email)] == ["Getting the most from your purchase"]

    clock.shift(dt.timedelta(days=20))
    record(lead, Interaction.Kind.PURCHASE, data={"product": "Strap"})

    assert Enrolment.objects.filter(cadence=play("first_purchase"), lead=lead).count() == 1


def test_a_service_reminder_comes_six_months_after_the_last_purchase_and_repeats(
    clock, lead, manager_maria
):
    record(lead, Interaction.Kind.PURCHASE)
    assert open_touch("service_reminder", lead).due_at == dt.datetime(
        2026, 9, 10, 15, 0, tzinfo=dt.UTC
    )

    clock.shift(dt.timedelta(days=60))  # a newer purchase starts the wait again
    record(lead, Interaction.Kind.PURCHASE)
    reminder = open_touch("service_reminder", lead)
    assert reminder.due_at == dt.datetime(2026, 11, 9, 15, 0, tzinfo=dt.UTC) + dt.timedelta(hours=1)

    clock.move_to(reminder.due_at)
    assert mail_the_letters("service-reminder", manager_maria) == 1
    again = open_touch("service_reminder", lead)  # six months on, while nothing newer is bought
    assert (again.attempt, again.due_at.date()) == (2, dt.date(2027, 5, 9))


def test_an_unhappy_support_call_gets_a_managers_call_today_and_an_apology_letter(
    clock, lead, rep_alice, manager_maria
):
    record(lead, Interaction.Kind.SUPPORT_CALL, sentiment=Interaction.Sentiment.NEGATIVE)

    call = call_claim_next(user=manager_maria)
    assert (call.enrolment.cadence, call.due_at, call.priority) == (
        play("unhappy_support_call"),
        TUESDAY,
        95 + 0,
    )
    call_log_outcome(touch=call, user=manager_maria, outcome=Outcome.INTERESTED)
    letter = open_touch("unhappy_support_call", lead)
    assert (letter.channel, letter.due_at) == (Channel.LETTER, TUESDAY + dt.timedelta(days=1))


def test_a_support_call_that_went_well_starts_nothing(clock, lead):
    record(lead, Interaction.Kind.SUPPORT_CALL, sentiment=Interaction.Sentiment.POSITIVE)

    assert not Enrolment.objects.filter(lead=lead).exists()


def test_an_abandoned_cart_gets_two_emails_unless_they_buy(clock, lead, smtp):
    record(lead, Interaction.Kind.CART_ABANDONED)
    send_due(clock, TUESDAY + dt.timedelta(hours=1))
    assert [m["Subject"] for m in smtp.to(lead.email)] == ["You left something in your cart"]

    record(lead, Interaction.Kind.PURCHASE)

    assert enrolment("abandoned_cart", lead).status == Enrolment.Status.EXITED
    send_due(clock, TUESDAY + dt.timedelta(days=3))
    assert "Still thinking it over?" not in [m["Subject"] for m in smtp.to(lead.email)]


def test_a_giveaway_entry_gets_value_first(clock, lead, smtp):
    record(lead, Interaction.Kind.GIVEAWAY_ENTRY, campaign=CampaignFactory(name="Win a bike"))
    send_due(clock, TUESDAY + dt.timedelta(minutes=1))
    send_due(clock, TUESDAY + dt.timedelta(days=6))  # three business days on, a Monday

    assert [m["Subject"] for m in smtp.to(lead.email)] == [
        f"Thanks for entering, {lead.first_name}",
        "Three ideas teams like yours use",
    ]


def test_a_sign_up_without_a_project_after_three_days_gets_a_how_to_then_a_task(
    clock, lead, rep_alice, smtp
):
    record(lead, Interaction.Kind.APP_EVENT, data={"name": "signed_up"})
    how_to = open_touch("app_onboarding", lead)
    assert how_to.due_at == TUESDAY + dt.timedelta(days=3)

    send_due(clock, TUESDAY + dt.timedelta(days=6))  # Friday is past; a Monday sends it
    assert [m["Subject"] for m in smtp.to(lead.email)] == ["Your first project in three minutes"]
    task = open_touch("app_onboarding", lead)
    assert (task.channel, task.assigned_to) == (Channel.TASK, rep_alice)

    clock.shift(dt.timedelta(minutes=1))
    record(lead, Interaction.Kind.APP_EVENT, data={"name": "project_created"})
    ended = enrolment("app_onboarding", lead)
    assert (ended.status, ended.exit_reason) == (
        Enrolment.Status.EXITED,
        "In the app: project_created",
    )
    assert not Touch.objects.filter(lead=lead, status__in=Touch.OPEN).exists()


def test_a_project_created_within_three_days_means_no_how_to(clock, lead, smtp):
    record(lead, Interaction.Kind.APP_EVENT, data={"name": "signed_up"})
    clock.shift(dt.timedelta(days=1))
    record(lead, Interaction.Kind.APP_EVENT, data={"name": "project_created"})

    send_due(clock, TUESDAY + dt.timedelta(days=6))

    assert smtp.to(lead.email) == []
    assert enrolment("app_onboarding", lead).status == Enrolment.Status.EXITED
