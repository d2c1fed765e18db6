import io
import os

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from crm.models import Interaction, Lead
from followups.models import Touch
from mailings.letters import generating
from mailings.letters.models import PrintRun
from mailings.letters.runs import print_run_approve, print_run_create
from tests.browser.conftest import log_in
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def leads(rep_alice):
    return [
        MailableLeadFactory(first_name=first, last_name=last, owner=rep_alice)
        for first, last in (("Dana", "Whitfield"), ("Omar", "Haddad"), ("Lena", "Brooks"))
    ]


@pytest.fixture
def draft(manager_maria, leads):
    return print_run_create(
        name="Conference follow-up",
        template=LetterTemplateFactory(name="Booth thank-you"),
        paper="letter",
        created_by=manager_maria,
        leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]),
    )


@pytest.fixture
def approved(manager_maria, draft):
    return print_run_approve(run=draft, by=manager_maria)


@pytest.mark.browser
def test_the_mailroom_generates_downloads_and_mails_a_run(page, mailroom_max, approved, leads):
    log_in(page, "max")
    page.get_by_role("link", name="Mailroom").click()
    card = page.locator(f"#run-{approved.pk}")
    expect(card.get_by_role("heading", name="Conference follow-up")).to_be_visible()
    expect(card.locator(".status")).to_have_text("Approved")

    card.get_by_role("button", name="Generate PDF").click()

    expect(card.locator(".status")).to_have_text("Ready to print")
    expect(card.locator("progress")).to_have_attribute("value", "100")
    with page.expect_download() as download:
        card.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == (
        f"print-run-{approved.pk}-conference-follow-up.pdf"
    )
    assert len(PdfReader(download.value.path()).pages) == 3

    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Mark mailed").click()

    expect(page.get_by_text("Marked Conference follow-up mailed")).to_be_visible()
    expect(page.locator(f"#run-{approved.pk}")).to_have_count(0)
    mailed = page.locator(".mailed-runs")
    expect(mailed.get_by_role("link", name="Conference follow-up")).to_be_visible()
    letters = Interaction.objects.filter(kind=Interaction.Kind.LETTER_MAILED)
    assert sorted(letters.values_list("lead_id", flat=True)) == sorted(lead.pk for lead in leads)


@pytest.mark.browser
def test_marking_mailed_asks_first(page, mailroom_max, approved):
    run = PrintRun.objects.get(pk=approved.pk)
    log_in(page, "max")
    page.goto("/letters/mailroom/")
    page.get_by_role("button", name="Generate PDF").click()
    expect(page.locator(".mailroom-run .status")).to_have_text("Ready to print")
    # The question comes from letters.js, which runs once the page is parsed.
    page.wait_for_load_state()

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Mark mailed").click()

    expect(page.locator(".mailroom-run .status")).to_have_text("Ready to print")
    run.refresh_from_db()
    assert run.status == PrintRun.Status.READY


@pytest.mark.browser
def test_the_progress_bar_moves_and_the_run_turns_ready_without_a_reload(
    page, mailroom_max, approved, settings
):
    settings.LETTER_CHUNK_SIZE = 1  # a chunk job per letter: three steps to watch
    PrintRun.objects.filter(pk=approved.pk).update(
        status=PrintRun.Status.GENERATING,
        generation=1,
        generation_started_at=timezone.now(),
        chunks_total=3,
        chunks_rendered=[],
    )
    log_in(page, "max")
    page.goto("/letters/mailroom/")
    card = page.locator(f"#run-{approved.pk}")
    expect(card.locator(".progress-text")).to_have_text("0% · 0 of 3 parts rendered")

    generating.chunk_render(run_id=approved.pk, generation=1, chunk=0)  # a worker at work
    expect(card.locator(".progress-text")).to_have_text("33% · 1 of 3 parts rendered")
    expect(card.locator("progress")).to_have_attribute("value", "33")

    for chunk in (1, 2):
        generating.chunk_render(run_id=approved.pk, generation=1, chunk=chunk)
    expect(card.locator(".status")).to_have_text("Ready to print")
    expect(card.get_by_role("link", name="Download PDF")).to_be_visible()
    assert card.get_attribute("hx-trigger") is None  # the polling stopped


@pytest.mark.browser
def test_the_mailroom_day_proof_generate_mail_and_a_returned_letter(
    page, mailroom_max, manager_maria, draft, leads
):
    log_in(page, "max")
    page.goto("/letters/mailroom/")
    drafts = page.locator(".draft-runs")
    expect(drafts.get_by_role("link", name="Conference follow-up", exact=True)).to_be_visible()
    proof = drafts.get_by_role("link", name="Proof (first 10 letters)")
    response = page.request.get(proof.get_attribute("href"))  # the PDF a new tab shows
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert len(PdfReader(io.BytesIO(response.body())).pages) == 3

    print_run_approve(run=draft, by=manager_maria)  # the manager reads the proof too, and approves
    page.reload()
    card = page.locator(f"#run-{draft.pk}")
    card.get_by_role("button", name="Generate PDF").click()
    expect(card.locator(".status")).to_have_text("Ready to print")
    page.wait_for_load_state()
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Mark mailed").click()
    expect(page.get_by_text("Marked Conference follow-up mailed")).to_be_visible()

    # A letter comes back: a scanner types its id and presses Enter.
    reference = f"R{draft.pk}-L0002"
    expect(page.get_by_label("Letter id")).to_be_focused()
    page.keyboard.type(reference)
    page.keyboard.press("Enter")

    expect(page.get_by_text(f"Recorded {reference} as returned")).to_be_visible()
    returned = page.locator(".returned-letters")
    expect(returned.get_by_role("row", name=reference)).to_contain_text("Omar Haddad")
    omar = Lead.objects.get(first_name="Omar")
    assert omar.address_undeliverable_at is not None
    touch = draft.letters.get(position=2).touch
    assert (touch.status, touch.outcome) == (Touch.Status.DONE, "returned")

    page.get_by_label("Letter id").fill(reference)
    page.get_by_role("button", name="Record returned letter").click()
    expect(page.get_by_text("already recorded as returned")).to_be_visible()
    page.get_by_label("Letter id").fill("R0-L12345678901")
    page.keyboard.press("Enter")
    expect(page.get_by_text("is not a letter id")).to_be_visible()

    if os.environ.get("SCREENSHOTS"):
        page.goto("/letters/mailroom/")
        page.get_by_label("Letter id").fill(f"R{draft.pk}-L0003")
        page.screenshot(
            path=settings.BASE_DIR / "docs/screenshots/mailroom-day.png", full_page=True
        )
