"""The mailroom's pages (mailings.letters.views.mailroom): generating, downloading,
labels, marking mailed, reprints."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from crm.models import Interaction
from mailings.letters.models import PrintRun
from mailings.letters.runs import print_run_approve, print_run_generate
from tests.mailings.letters.factories import (
    MailableLeadFactory,
)
from tests.mailings.letters.reading import pdf_text
from tests.mailings.letters.views.conftest import make_run, messages_of

pytestmark = pytest.mark.django_db

Status = PrintRun.Status


def test_the_mailroom_generates_the_pdf(mailroom, approved):
    response = mailroom.post(reverse("letters:run_generate", args=[approved.pk]))

    approved.refresh_from_db()
    assert approved.status == Status.READY
    assert response["Location"] == f"{reverse('letters:mailroom')}#run-{approved.pk}"
    assert messages_of(response) == ["Conference follow-up is ready to print."]
    page = mailroom.get(reverse("letters:mailroom")).content.decode()
    assert reverse("letters:run_pdf", args=[approved.pk]) in page
    assert "Mark mailed" in page


def test_generating_twice_while_it_runs_is_refused_with_a_message(mailroom, approved):
    PrintRun.objects.filter(pk=approved.pk).update(
        status=Status.GENERATING, generation_started_at=timezone.now(), chunks_total=2
    )
    response = mailroom.post(reverse("letters:run_generate", args=[approved.pk]))

    assert response.status_code == 302
    assert messages_of(response) == ["This run is being generated; watch its progress."]


def test_the_progress_card_polls_while_generating_and_stops_when_ready(mailroom, approved):
    PrintRun.objects.filter(pk=approved.pk).update(
        status=Status.GENERATING,
        generation_started_at=timezone.now(),
        chunks_total=4,
        chunks_rendered=[0, 2],
    )
    url = reverse("letters:run_progress", args=[approved.pk])
    generating = mailroom.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in generating
    assert 'value="50"' in generating and "2 of 4 parts rendered" in generating
    assert "Generate PDF" not in generating  # not stale: its jobs are at work

    print_run_generate(run=approved, now=timezone.now() + dt.timedelta(days=1))  # stale: again
    ready = mailroom.get(url).content.decode()
    assert "hx-trigger" not in ready
    assert 'value="100"' in ready and "Download PDF" in ready


def test_a_failed_run_shows_why_and_can_be_generated_again(mailroom, approved):
    PrintRun.objects.filter(pk=approved.pk).update(status=Status.FAILED, error="Letters 1 to 100")
    page = mailroom.get(reverse("letters:mailroom")).content.decode()

    assert "Letters 1 to 100" in page
    assert "Generate PDF again" in page


def test_the_download_has_one_page_per_printed_letter(mailroom, ready):
    response = mailroom.get(reverse("letters:run_pdf", args=[ready.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="print-run-{ready.pk}-conference-follow-up.pdf"'
    )
    data = b"".join(response.streaming_content)
    assert len(PdfReader(io.BytesIO(data)).pages) == 3  # the do-not-mail lead is left out
    assert "Nora" not in pdf_text(data)


def test_there_is_no_download_before_the_pdf_is_ready(mailroom, approved):
    assert mailroom.get(reverse("letters:run_pdf", args=[approved.pk])).status_code == 404


def test_labels_for_the_printed_letters(mailroom, ready):
    url = reverse("letters:run_labels", args=[ready.pk])
    response = mailroom.get(url, {"sheet": "l7163"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "labels-l7163" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Whitfield" in text and "Haddad" in text and "Nomail" not in text
    assert mailroom.get(url, {"sheet": "avery9999"}).status_code == 400


def test_marking_a_run_mailed_records_the_letter_on_each_lead(mailroom, ready, leads, unmailable):
    response = mailroom.post(reverse("letters:run_mark_mailed", args=[ready.pk]))

    assert response["Location"] == reverse("letters:mailroom")
    ready.refresh_from_db()
    assert ready.status == Status.MAILED
    mailed = Interaction.objects.filter(kind=Interaction.Kind.LETTER_MAILED)
    assert sorted(mailed.values_list("lead_id", flat=True)) == sorted(lead.pk for lead in leads)
    page = mailroom.get(reverse("letters:mailroom")).content.decode()
    assert "Recently mailed" in page and "Conference follow-up" in page


def test_marking_mailed_before_ready_gives_a_message(mailroom, approved):
    response = mailroom.post(reverse("letters:run_mark_mailed", args=[approved.pk]))

    assert response.status_code == 302
    assert messages_of(response) == ["This run is approved: it can't be marked mailed now."]
    assert not Interaction.objects.filter(kind=Interaction.Kind.LETTER_MAILED).exists()


def test_the_mailroom_cancels_a_run_and_cannot_cancel_a_mailed_one(mailroom, ready, mailroom_max):
    url = reverse("letters:run_cancel", args=[ready.pk])
    response = mailroom.post(url, {"back": "mailroom"})
    assert response["Location"] == reverse("letters:mailroom")
    ready.refresh_from_db()
    assert ready.status == Status.CANCELLED

    again = mailroom.post(url, {"back": "mailroom"})
    assert messages_of(again)[-1:] == ["This run is cancelled: it can't be cancelled now."]


def test_a_spoiled_letter_is_reprinted(mailroom, ready, leads):
    letter = ready.letters.get(lead=leads[1])
    page = mailroom.get(reverse("letters:run_detail", args=[ready.pk])).content.decode()
    url = reverse("letters:letter_reprint", args=[letter.pk])
    assert url in page

    response = mailroom.post(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert "Omar Haddad" in pdf_text(response.content)
    letter.refresh_from_db()
    assert letter.reprints == 1 and letter.last_reprinted_at is not None


def test_only_printed_letters_of_a_printed_run_are_reprinted(mailroom, approved, unmailable):
    printed = approved.letters.filter(exception="").first()
    left_out = approved.letters.get(lead=unmailable)
    assert mailroom.get(reverse("letters:letter_reprint", args=[printed.pk])).status_code == 404
    PrintRun.objects.filter(pk=approved.pk).update(status=Status.READY)
    assert mailroom.get(reverse("letters:letter_reprint", args=[left_out.pk])).status_code == 404


def test_the_mailroom_page_costs_the_same_for_many_runs(
    mailroom, template, manager_maria, django_assert_max_num_queries
):
    for number in range(4):
        run = make_run(template, manager_maria, [MailableLeadFactory()], name=f"Run {number}")
        print_run_approve(run=run, by=manager_maria)
    for number in range(3):
        make_run(template, manager_maria, [MailableLeadFactory()], name=f"Draft {number}")
    # The runs to print, the drafts to proof, the mailed runs, the returned letters:
    # one query each, however many there are.
    with django_assert_max_num_queries(9):
        response = mailroom.get(reverse("letters:mailroom"))
    assert len(response.context["runs"]) == 4 and len(response.context["drafts"]) == 3
