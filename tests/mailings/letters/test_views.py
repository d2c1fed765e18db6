"""The letter pages: templates with a live PDF preview, print runs, the mailroom."""

import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from crm.models import Interaction, Lead
from followups.models import Channel, Touch
from mailings.letters.models import LetterTemplate, PrintRun
from mailings.letters.runs import print_run_approve, print_run_create, print_run_generate
from tests.mailings.letters.factories import (
    GermanLeadFactory,
    LetterTemplateFactory,
    MailableLeadFactory,
)
from tests.mailings.letters.reading import read_pdf

pytestmark = pytest.mark.django_db

Status = PrintRun.Status


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def pdf_text(data: bytes) -> str:
    return " ".join(page.text() for page in read_pdf(data))


@pytest.fixture
def mailroom(mailroom_max) -> Client:
    return signed_in(mailroom_max)


@pytest.fixture
def template(db) -> LetterTemplate:
    return LetterTemplateFactory(name="Conference follow-up", slug="conference-follow-up")


@pytest.fixture
def leads(rep_alice) -> list[Lead]:
    return [
        MailableLeadFactory(first_name=first, last_name=last, owner=rep_alice)
        for first, last in (("Dana", "Whitfield"), ("Omar", "Haddad"), ("Lena", "Brooks"))
    ]


@pytest.fixture
def unmailable(rep_alice) -> Lead:
    return MailableLeadFactory(first_name="Nora", last_name="Nomail", do_not_mail=True)


def make_run(template, manager, leads, *, name="Conference follow-up") -> PrintRun:
    ids = [lead.pk for lead in leads]
    return print_run_create(
        name=name,
        template=template,
        paper="letter",
        created_by=manager,
        leads=Lead.objects.filter(pk__in=ids),
    )


@pytest.fixture
def draft(template, manager_maria, leads, unmailable) -> PrintRun:
    return make_run(template, manager_maria, [*leads, unmailable])


@pytest.fixture
def approved(draft, manager_maria) -> PrintRun:
    return print_run_approve(run=draft, by=manager_maria)


@pytest.fixture
def ready(approved) -> PrintRun:
    run = print_run_generate(run=approved)  # JOBS_MODE=inline: rendered and merged at once
    run.refresh_from_db()
    assert run.status == Status.READY
    return run


def due_letter_touch(lead: Lead, *, days_ago: int = 1) -> Touch:
    return Touch.objects.create(
        lead=lead,
        channel=Channel.LETTER,
        due_at=timezone.now() - dt.timedelta(days=days_ago),
        reason="Thank-you letter after the booth visit",
        origin="test",
        key=f"test-letter:{lead.pk}",
    )


# Who may do what


def manager_pages(run: PrintRun, template: LetterTemplate) -> list[tuple[str, str]]:
    return [
        ("get", reverse("letters:templates")),
        ("get", reverse("letters:template_create")),
        ("get", reverse("letters:template_edit", args=[template.pk])),
        ("post", reverse("letters:template_preview")),
        ("get", reverse("letters:lead_matches")),
        ("get", reverse("letters:runs")),
        ("get", reverse("letters:run_create")),
        ("post", reverse("letters:run_approve", args=[run.pk])),
    ]


def mailroom_pages(run: PrintRun) -> list[tuple[str, str]]:
    return [
        ("get", reverse("letters:mailroom")),
        ("get", reverse("letters:run_detail", args=[run.pk])),
        ("get", reverse("letters:run_progress", args=[run.pk])),
        ("post", reverse("letters:run_generate", args=[run.pk])),
        ("get", reverse("letters:run_pdf", args=[run.pk])),
        ("get", reverse("letters:run_labels", args=[run.pk])),
        ("post", reverse("letters:run_mark_mailed", args=[run.pk])),
        ("post", reverse("letters:run_cancel", args=[run.pk])),
        ("get", reverse("letters:letter_reprint", args=[run.letters.first().pk])),
    ]


def test_a_rep_gets_403_on_every_letter_page(alice, draft, template):
    for method, url in manager_pages(draft, template) + mailroom_pages(draft):
        assert getattr(alice, method)(url).status_code == 403, url
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_mailroom_cannot_edit_templates_or_make_runs(mailroom, draft, template):
    for method, url in manager_pages(draft, template):
        assert getattr(mailroom, method)(url).status_code == 403, url
    assert mailroom.get(reverse("letters:mailroom")).status_code == 200
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_signed_out_people_are_sent_to_log_in(client, draft):
    response = client.get(reverse("letters:mailroom"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_nav_shows_letters_to_managers_and_the_mailroom_to_both(
    manager_maria, mailroom, rep_alice
):
    page = signed_in(manager_maria).get(reverse("letters:runs")).content.decode()
    assert reverse("letters:runs") in page and reverse("letters:mailroom") in page
    page = mailroom.get(reverse("letters:mailroom")).content.decode()
    assert reverse("letters:runs") not in page and reverse("letters:mailroom") in page
    page = signed_in(rep_alice).get(reverse("crm:lead_list")).content.decode()
    assert reverse("letters:mailroom") not in page


def test_unknown_ids_answer_404(maria, mailroom):
    assert maria.get(reverse("letters:template_edit", args=[999])).status_code == 404
    assert maria.get(reverse("letters:run_detail", args=[999])).status_code == 404
    assert maria.post(reverse("letters:run_approve", args=[999])).status_code == 404
    assert mailroom.post(reverse("letters:run_generate", args=[999])).status_code == 404
    assert mailroom.get(reverse("letters:letter_reprint", args=[999])).status_code == 404


def test_actions_refuse_get(maria, draft):
    assert maria.get(reverse("letters:run_approve", args=[draft.pk])).status_code == 405
    assert maria.get(reverse("letters:template_preview")).status_code == 405


# Templates


TEMPLATE_FIELDS = {
    "name": "Spring offer",
    "slug": "",
    "body": "<p>Dear {{ lead.first_name }},</p><p>Use {{ coupon_code }} for {{ offer }}.</p>",
    "css": "p { margin: 0 0 1em; }",
    "coupon_code": "SPRING25",
    "offer": "a free tune-up",
    "is_active": "on",
}


def test_a_manager_writes_a_template(maria, manager_maria):
    response = maria.post(reverse("letters:template_create"), TEMPLATE_FIELDS)

    template = LetterTemplate.objects.get(name="Spring offer")
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:template_edit", args=[template.pk])
    assert template.slug == "spring-offer"
    assert template.coupon_code == "SPRING25"
    assert template.updated_by == manager_maria
    assert messages_of(response) == ["Saved Spring offer."]


def test_a_manager_edits_a_template(maria, template):
    fields = TEMPLATE_FIELDS | {"name": "Booth thank-you", "slug": template.slug}
    response = maria.post(reverse("letters:template_edit", args=[template.pk]), fields)

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Booth thank-you"
    assert ">Booth thank-you</a>" in maria.get(reverse("letters:templates")).content.decode()


def test_a_broken_template_is_not_saved_and_the_text_stays(maria, template):
    broken = "<p>Dear {{ lead.first_name </p>{% if offer %}<p>Spring offer</p>"
    fields = TEMPLATE_FIELDS | {"name": "Changed", "slug": template.slug, "body": broken}
    response = maria.post(reverse("letters:template_edit", args=[template.pk]), fields)

    assert response.status_code == 400
    page = response.content.decode()
    assert "The template does not compile" in page
    assert response.context["form"]["body"].value() == broken
    assert "Dear {{ lead.first_name &lt;/p&gt;" in page  # the textarea keeps what was typed
    assert 'value="SPRING25"' in page
    template.refresh_from_db()
    assert template.name == "Conference follow-up"


def test_the_editor_posts_its_fields_to_the_preview_frame(maria, template):
    page = maria.get(reverse("letters:template_edit", args=[template.pk])).content.decode()
    assert f'formaction="{reverse("letters:template_preview")}"' in page
    assert 'formtarget="letter-preview"' in page
    assert '<iframe name="letter-preview"' in page
    assert "js/letters.js" in page


def test_the_preview_renders_the_unsaved_template_for_the_chosen_lead(maria, template, leads):
    dana = leads[0]
    fields = TEMPLATE_FIELDS | {"lead": dana.pk, "paper": "letter"}
    response = maria.post(reverse("letters:template_preview"), fields)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # the editor's <iframe> shows it
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Dana Whitfield" in text  # in the envelope window
    assert "Dear Dana," in text
    assert "SPRING25" in text
    template.refresh_from_db()
    assert "SPRING25" not in template.body  # nothing was saved


def test_the_preview_uses_a_sample_lead_until_one_is_chosen(maria):
    response = maria.post(reverse("letters:template_preview"), TEMPLATE_FIELDS | {"paper": "a4"})

    assert response.status_code == 200
    assert "Dear Jane," in pdf_text(response.content)


def test_the_preview_of_a_broken_template_answers_400_with_the_error(maria, leads):
    fields = TEMPLATE_FIELDS | {"body": "{% if %}", "lead": leads[0].pk, "paper": "letter"}
    response = maria.post(reverse("letters:template_preview"), fields)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "The template does not compile" in response.content.decode()


def test_the_preview_of_a_template_that_reaches_outside_answers_400(maria, leads):
    fields = TEMPLATE_FIELDS | {"body": '{% include "no/such.html" %}', "paper": "letter"}
    response = maria.post(reverse("letters:template_preview"), fields)

    assert response.status_code == 400
    assert "{% include %} is not allowed in a letter" in response.content.decode()


def test_the_preview_for_an_unknown_lead_answers_400(maria):
    fields = TEMPLATE_FIELDS | {"lead": 999_999, "paper": "letter"}
    response = maria.post(reverse("letters:template_preview"), fields)

    assert response.status_code == 400
    assert "No lead has this id." in response.content.decode()


def test_the_lead_search_lists_leads_to_preview_for(maria, leads):
    response = maria.get(reverse("letters:lead_matches"), {"q": "whitf"})

    page = response.content.decode()
    assert f'data-preview-lead="{leads[0].pk}"' in page
    assert "Omar" not in page


# Print runs


def test_a_manager_makes_a_run_of_the_due_letter_touches(maria, template, leads):
    for lead in leads[:2]:
        due_letter_touch(lead)
    Touch.objects.create(  # not due yet
        lead=leads[2],
        channel=Channel.LETTER,
        due_at=timezone.now() + dt.timedelta(days=3),
        reason="Later",
        origin="test",
        key="later",
    )
    url = reverse("letters:run_create")
    page = maria.get(url)
    assert page.context["due"] == 2

    fields = {"name": "Thank-you letters", "template": template.pk, "paper": "a4"}
    response = maria.post(url, fields | {"source": "touches"})

    run = PrintRun.objects.get(name="Thank-you letters")
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:run_detail", args=[run.pk])
    assert run.status == Status.DRAFT and run.source == PrintRun.Source.TOUCHES
    assert run.paper == "a4"
    assert {letter.lead_id for letter in run.letters.all()} == {leads[0].pk, leads[1].pk}


def test_a_manager_makes_a_run_of_the_lead_lists_filtered_leads(maria, template, leads):
    germans = [GermanLeadFactory(first_name=name) for name in ("Jonas", "Greta")]
    url = reverse("letters:run_create") + "?country=DE"
    page = maria.get(url)
    assert page.context["matching"] == 2
    assert page.context["form"]["source"].value() == "leads"
    assert "Country" in page.content.decode()

    fields = {"name": "German customers", "template": template.pk, "paper": "a4"}
    response = maria.post(url, fields | {"source": "leads"})

    run = PrintRun.objects.get(name="German customers")
    assert response.status_code == 302
    assert run.source == PrintRun.Source.LEADS
    assert "Country: DE" in run.source_description
    assert sorted(run.letters.values_list("lead_id", flat=True)) == sorted(g.pk for g in germans)


def test_a_run_needs_letters_to_be_made(maria, template):
    fields = {"name": "Nothing", "template": template.pk, "paper": "letter", "source": "touches"}
    response = maria.post(reverse("letters:run_create"), fields)

    assert response.status_code == 400
    assert "No letter touches are due now." in response.content.decode()
    assert not PrintRun.objects.exists()


def test_only_active_templates_can_be_chosen_for_a_run(maria, template, leads):
    template.is_active = False
    template.save()
    due_letter_touch(leads[0])
    fields = {"name": "Old", "template": template.pk, "paper": "letter", "source": "touches"}
    response = maria.post(reverse("letters:run_create"), fields)

    assert response.status_code == 400
    assert not PrintRun.objects.exists()


def test_the_run_page_lists_letters_and_exceptions_with_the_reason(maria, draft):
    page = maria.get(reverse("letters:run_detail", args=[draft.pk])).content.decode()

    assert "Dana Whitfield" in page and "Lena Brooks" in page
    assert "Nora Nomail" in page and "Do not mail" in page
    assert "Approve for printing" in page
    assert "Reprint" not in page  # nothing printed yet


def test_a_manager_approves_a_run_once(maria, draft):
    url = reverse("letters:run_approve", args=[draft.pk])
    first = maria.post(url)
    second = maria.post(url)

    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert first.status_code == second.status_code == 302
    assert messages_of(second)[-1:] == ["This run is approved: it can't be approved now."]


def test_a_run_where_everyone_is_an_exception_cannot_be_approved(maria, template, manager_maria):
    run = make_run(template, manager_maria, [MailableLeadFactory(city="")])
    response = maria.post(reverse("letters:run_approve", args=[run.pk]), follow=True)

    assert response.status_code == 200
    assert "no letters to print" in response.content.decode()
    run.refresh_from_db()
    assert run.status == Status.DRAFT


def test_a_manager_cancels_a_draft(maria, draft):
    response = maria.post(reverse("letters:run_cancel", args=[draft.pk]))

    assert response["Location"] == reverse("letters:run_detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Status.CANCELLED


# The mailroom


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


# Query counts of the busy pages


def test_the_run_list_costs_the_same_for_many_runs(
    maria, template, manager_maria, rep_alice, django_assert_max_num_queries
):
    for number in range(5):
        lead = MailableLeadFactory(owner=rep_alice)
        make_run(template, manager_maria, [lead], name=f"Run {number}")
    maria.get(reverse("letters:runs"))  # warm the content types and the like
    with django_assert_max_num_queries(7):
        response = maria.get(reverse("letters:runs"))
    assert response.content.decode().count("Run ") >= 5


def test_the_run_page_costs_the_same_for_many_letters(
    maria, template, manager_maria, rep_alice, django_assert_max_num_queries
):
    leads = MailableLeadFactory.create_batch(12, owner=rep_alice)
    leads += MailableLeadFactory.create_batch(3, owner=rep_alice, do_not_mail=True)
    run = make_run(template, manager_maria, leads)
    with django_assert_max_num_queries(9):
        response = maria.get(reverse("letters:run_detail", args=[run.pk]))
    assert response.context["exceptions"].paginator.count == 3


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
