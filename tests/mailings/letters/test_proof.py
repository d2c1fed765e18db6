"""A draft print run's proof: its first ten letters as a PDF, read before approving."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from crm.models import Lead
from mailings.letters.models import PrintRun
from mailings.letters.runs import print_run_create
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory
from tests.mailings.letters.reading import read_pdf

pytestmark = pytest.mark.django_db

NAMES = [f"Person{n:02d}" for n in range(1, 13)]


@pytest.fixture
def draft(manager_maria, rep_alice) -> PrintRun:
    # One postal code each, in order: print order is the names' order.
    leads = [
        MailableLeadFactory(
            first_name=name, last_name="Proofread", owner=rep_alice, postal_code=f"{62700 + n:05d}"
        )
        for n, name in enumerate(NAMES)
    ]
    return print_run_create(
        name="Spring letters",
        template=LetterTemplateFactory(),
        paper="letter",
        created_by=manager_maria,
        leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]),
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def proof_url(run: PrintRun) -> str:
    return reverse("letters:run_proof", args=[run.pk])


def test_the_mailroom_proofs_a_draft_run_as_its_first_ten_letters(mailroom_max, draft):
    response = signed_in(mailroom_max).get(proof_url(draft))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "no-store"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 10
    text = " ".join(page.text() for page in read_pdf(response.content))
    assert all(f"Dear {name}," in text for name in NAMES[:10])
    assert NAMES[10] not in text and NAMES[11] not in text
    assert f"R{draft.pk}-L0001" in text and f"R{draft.pk}-L0010" in text


def test_a_proof_changes_nothing(maria, draft):
    maria.get(proof_url(draft))

    draft.refresh_from_db()
    assert draft.status == PrintRun.Status.DRAFT
    assert not draft.pdf and draft.pages == 0 and draft.generation == 0
    assert not draft.letters.filter(reprints__gt=0).exists()


def test_the_draft_pages_offer_the_proof(maria, mailroom_max, draft):
    assert proof_url(draft) in maria.get(draft.get_absolute_url()).content.decode()
    mailroom_page = signed_in(mailroom_max).get(reverse("letters:mailroom")).content.decode()
    assert "Drafts to proof" in mailroom_page and proof_url(draft) in mailroom_page


def test_a_rep_cannot_proof_a_run(alice, draft):
    assert alice.get(proof_url(draft)).status_code == 403


def test_a_broken_template_gives_a_message_not_a_500(maria, draft):
    draft.template.body = "{% if %}"
    draft.template.save()

    response = maria.get(proof_url(draft), follow=True)

    assert response.status_code == 200
    assert "The proof did not render" in response.content.decode()


def test_a_cancelled_run_has_no_proof(maria, draft):
    PrintRun.objects.filter(pk=draft.pk).update(status=PrintRun.Status.CANCELLED)

    response = maria.get(proof_url(draft), follow=True)

    assert response.status_code == 200
    assert "has a proof" in response.content.decode()
