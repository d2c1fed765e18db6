"""Returned mail: the mailroom records a letter that came back by the id printed
on it; the address is flagged until it changes, like a bounce for an email."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from crm.models import Interaction, Lead
from crm.services import lead_update
from followups.models import Touch
from mailings.letters.models import PrintRun
from mailings.letters.returns import reference_parsed
from mailings.letters.runs import (
    print_run_approve,
    print_run_create,
    print_run_generate,
    print_run_mark_mailed,
)
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory
from tests.mailings.letters.reading import read_pdf

pytestmark = pytest.mark.django_db

RETURNED = reverse("letters:letter_returned")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_of(leads, manager, *, name="Spring letters") -> PrintRun:
    return print_run_create(
        name=name,
        template=LetterTemplateFactory(),
        paper="letter",
        created_by=manager,
        leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]),
    )


@pytest.fixture
def leads(rep_alice) -> list[Lead]:
    return [
        MailableLeadFactory(first_name=first, last_name="Post", owner=rep_alice, postal_code=code)
        for first, code in (("Dana", "62701"), ("Omar", "62702"))
    ]


@pytest.fixture
def mailed(leads, manager_maria, mailroom_max) -> PrintRun:
    run = print_run_approve(run=run_of(leads, manager_maria), by=manager_maria)
    print_run_generate(run=run)  # JOBS_MODE=inline: rendered at once
    run.refresh_from_db()
    return print_run_mark_mailed(run=run, by=mailroom_max)


@pytest.fixture
def mailroom(mailroom_max) -> Client:
    return signed_in(mailroom_max)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_each_letter_carries_its_id_small_on_the_page(mailed):
    with mailed.pdf.open("rb") as pdf:
        pages = read_pdf(pdf.read())

    assert f"R{mailed.pk}-L0001" in pages[0].text() and f"R{mailed.pk}-L0002" in pages[1].text()


def test_typing_a_letters_id_records_it_returned(mailroom, mailroom_max, mailed, leads):
    reference = f"R{mailed.pk}-L0001"

    response = mailroom.post(RETURNED, {"reference": f" {reference.lower()} "})

    assert response.status_code == 302
    assert f"Recorded {reference} as returned" in messages_of(response)[0]
    letter = mailed.letters.get(position=1)
    assert letter.returned_at is not None and letter.returned_by == mailroom_max
    dana = Lead.objects.get(pk=leads[0].pk)
    assert dana.address_undeliverable_at is not None
    touch = Touch.objects.get(pk=letter.touch_id)
    assert (touch.status, touch.outcome) == (Touch.Status.DONE, "returned")
    came_back = Interaction.objects.get(kind=Interaction.Kind.LETTER_RETURNED)
    assert came_back.lead == dana and "came back undelivered" in came_back.notes
    assert Lead.objects.get(pk=leads[1].pk).address_undeliverable_at is None
    page = mailroom.get(reverse("letters:mailroom")).content.decode()
    assert "Recently returned" in page and reference in page


def test_scanning_a_letter_twice_says_it_is_already_recorded(mailroom, mailed):
    reference = f"R{mailed.pk}-L0002"
    mailroom.post(RETURNED, {"reference": reference})

    response = mailroom.post(RETURNED, {"reference": reference})

    assert "already recorded as returned" in messages_of(response)[-1]
    assert Interaction.objects.filter(kind=Interaction.Kind.LETTER_RETURNED).count() == 1


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("hello", "is not a letter id"),
        ("", "This field is required"),
        ("R999999-L0001", "No letter has the id R999999-L0001"),
        ("R{run}-L0099", "No letter has the id"),
        ("R12-L" + "9" * 30, "is not a letter id"),
    ],
)
def test_a_bad_or_unknown_id_gets_a_clear_message(mailroom, mailed, typed, says):
    response = mailroom.post(RETURNED, {"reference": typed.format(run=mailed.pk)})

    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Interaction.objects.filter(kind=Interaction.Kind.LETTER_RETURNED).exists()


def test_a_letter_of_a_run_not_mailed_cannot_come_back(mailroom, manager_maria, rep_alice):
    draft = run_of([MailableLeadFactory(owner=rep_alice)], manager_maria)

    response = mailroom.post(RETURNED, {"reference": f"R{draft.pk}-L0001"})

    assert response.status_code == 400
    assert "only a mailed letter can come back" in response.content.decode()


def test_a_rep_cannot_record_returned_mail(alice, mailed):
    assert alice.post(RETURNED, {"reference": f"R{mailed.pk}-L0001"}).status_code == 403
    assert not mailed.letters.filter(returned_at__isnull=False).exists()


def test_the_mailroom_picks_a_letter_from_the_runs_list(mailroom, mailed):
    letter = mailed.letters.get(position=2)
    page = mailroom.get(mailed.get_absolute_url()).content.decode()
    assert letter.reference in page and "Came back?" in page

    response = mailroom.post(RETURNED, {"reference": letter.reference, "back": "run"})

    assert response["Location"] == f"{mailed.get_absolute_url()}#letter-{letter.pk}"
    letter.refresh_from_db()
    assert letter.returned_at is not None


def test_no_letter_goes_to_the_address_again_until_it_changes(
    mailroom, mailed, leads, manager_maria
):
    mailroom.post(RETURNED, {"reference": f"R{mailed.pk}-L0001"})
    dana = Lead.objects.get(pk=leads[0].pk)

    again = run_of([dana], manager_maria, name="Summer letters")
    assert again.letters.get().exception.startswith("Address undeliverable")

    lead_update(lead=dana, fields={"title": "Buyer"}, phone=None, by=manager_maria)
    assert Lead.objects.get(pk=dana.pk).address_undeliverable_at is not None

    lead_update(lead=dana, fields={"address_line1": "9 New Road"}, phone=None, by=manager_maria)
    dana.refresh_from_db()
    assert dana.address_undeliverable_at is None
    assert run_of([dana], manager_maria, name="Autumn letters").letters.get().exception == ""


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [("R12-L0345", (12, 345)), ("r12 l345", (12, 345)), ("R12/L0345", (12, 345)), ("12-345", None)],
)
def test_a_reference_reads_as_scanned_or_typed(typed, parsed):
    assert reference_parsed(typed) == parsed
