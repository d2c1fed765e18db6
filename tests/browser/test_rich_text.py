"""Managers write email and letter bodies in the rich-text editor: a paragraph with
bold, a merge field with its fallback from the picker, the plain text made as they
type; and HTML the editor cannot keep opens as raw HTML, saying why."""

import pytest
from playwright.sync_api import expect

from mailings.letters.models import LetterTemplate
from mailings.models import StepVariant
from tests.browser.conftest import log_in
from tests.factories import LeadFactory
from tests.mailings.letters.reading import pdf_text

# serialized_rollback keeps the roles that migrations created across the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIRST_NAME = "{{ lead.first_name|default:'there' }}"
KEY_DELAY_MS = 15  # Trix reads typing as a person's, a key at a time


@pytest.fixture
def dana(rep_alice):
    return LeadFactory(
        first_name="Dana",
        last_name="Whitfield",
        owner=rep_alice,
        address_line1="12 Harbor Road",
        city="Portland",
        region="ME",
        postal_code="04101",
        country="US",
    )


def write_with_bold_and_first_name(page, scope, body) -> None:
    """Hi <first name>, thanks for visiting our **booth**. (the field from the picker)"""
    body.click()
    page.keyboard.type("Hi ", delay=KEY_DELAY_MS)
    scope.get_by_label("Merge field").select_option(label="First name")
    expect(scope.get_by_label("If empty")).to_have_value("there")
    scope.get_by_role("button", name="Insert field").click()
    expect(body).to_be_focused()  # typing goes on after the field
    page.keyboard.type(", thanks for visiting our ", delay=KEY_DELAY_MS)
    page.keyboard.press("Control+b")
    page.keyboard.type("booth", delay=KEY_DELAY_MS)
    page.keyboard.press("Control+b")
    page.keyboard.type(".", delay=KEY_DELAY_MS)
    expect(body).to_contain_text(f"Hi {FIRST_NAME}, thanks for visiting our booth.")


def preview_pdf(page) -> bytes:
    """The letter preview of the editor's form as it stands (Chromium shows PDFs in
    a viewer of its own, which the test cannot read)."""
    data = page.evaluate(
        """async () => {
          const form = document.getElementById("letter-template-form");
          const button = document.querySelector("[data-preview-button]");
          const body = new FormData(form);
          const response = await fetch(button.formAction, { method: "POST", body });
          return Array.from(new Uint8Array(await response.arrayBuffer()));
        }"""
    )
    return bytes(data)


def test_manager_writes_a_cadence_email_in_the_editor_and_previews_it(page, manager_maria, dana):
    log_in(page, "maria")
    page.goto("/cadences/new/")
    page.get_by_label("Name").fill("Booth thanks")
    page.get_by_role("button", name="Add an email").click()
    step = page.locator(".cadence-step").first
    step.get_by_label("Subject").fill("Thanks for stopping by")
    body = step.get_by_role("textbox", name="HTML body")

    write_with_bold_and_first_name(page, step, body)
    # The plain-text part follows, made by the server from the HTML.
    text = step.get_by_role("textbox", name="Text body")
    expect(text).to_have_value(f"Hi {FIRST_NAME}, thanks for visiting our booth.")
    expect(text).not_to_be_editable()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Booth thanks.")).to_be_visible()
    variant = StepVariant.objects.get(step__cadence__name="Booth thanks")
    assert FIRST_NAME in variant.html_body
    assert "<strong>booth</strong>" in variant.html_body
    assert variant.text_body == ""  # made from the HTML when sent

    step.get_by_role("link", name="Preview").click()
    page.get_by_label("Find a lead").fill("whitfield")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Dana Whitfield").click()
    email = page.frame_locator("iframe.email-frame")
    expect(email.get_by_text("Hi Dana, thanks for visiting our booth.")).to_be_visible()
    expect(email.locator("strong")).to_have_text("booth")
    expect(page.locator(".email-text")).to_contain_text("Hi Dana, thanks for visiting our booth.")


def test_manager_writes_the_plain_text_herself(page, manager_maria):
    log_in(page, "maria")
    page.goto("/cadences/new/")
    page.get_by_label("Name").fill("Own words")
    page.get_by_role("button", name="Add an email").click()
    step = page.locator(".cadence-step").first
    step.get_by_label("Subject").fill("Hello")
    step.get_by_role("textbox", name="HTML body").click()
    page.keyboard.type("Hello from the editor", delay=KEY_DELAY_MS)
    text = step.get_by_role("textbox", name="Text body")
    expect(text).to_have_value("Hello from the editor")

    step.get_by_label("Write the plain text myself").check()
    expect(text).to_be_editable()
    text.fill("Hello in plain words")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Own words.")).to_be_visible()
    variant = StepVariant.objects.get(step__cadence__name="Own words")
    assert variant.text_body == "Hello in plain words"
    expect(step.get_by_label("Write the plain text myself")).to_be_checked()


def test_manager_writes_a_letter_in_the_editor_with_the_keyboard(page, manager_maria, dana):
    log_in(page, "maria")
    page.goto("/letters/templates/new/")
    page.get_by_role("textbox", name="Name", exact=True).fill("Booth letter")
    body = page.get_by_role("textbox", name="Body")
    body.click()
    page.keyboard.type("Dear ", delay=KEY_DELAY_MS)
    # The picker by keyboard alone: choose, tab to the fallback, type it, Return inserts.
    page.get_by_label("Merge field").focus()
    page.get_by_label("Merge field").select_option(label="First name")
    expect(page.get_by_label("If empty")).to_have_value("friend")
    page.keyboard.press("Tab")
    expect(page.get_by_label("If empty")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("there")
    page.keyboard.press("Enter")  # inserts; does not submit the form
    expect(body).to_be_focused()
    page.keyboard.type(", thanks for visiting our ", delay=KEY_DELAY_MS)
    page.keyboard.press("Control+b")
    page.keyboard.type("booth", delay=KEY_DELAY_MS)
    page.keyboard.press("Control+b")
    page.keyboard.type(".", delay=KEY_DELAY_MS)
    expect(body).to_contain_text(f"Dear {FIRST_NAME}, thanks for visiting our booth.")

    # The preview posts what the editor holds: the letter as Dana gets it.
    page.get_by_label("Lead id").fill(str(dana.pk))
    assert "Dear Dana, thanks for visiting our booth." in pdf_text(preview_pdf(page))

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Booth letter.")).to_be_visible()
    template = LetterTemplate.objects.get(name="Booth letter")
    assert FIRST_NAME in template.body
    assert "<strong>booth</strong>" in template.body


def test_a_letter_the_editor_cannot_keep_opens_as_raw_html(page, manager_maria):
    template = LetterTemplate.objects.create(
        name="Styled",
        slug="styled",
        body='<p class="date">{{ today }}</p><table><tr><td>Dear friend</td></tr></table>',
    )
    log_in(page, "maria")
    page.goto(f"/letters/templates/{template.pk}/")

    expect(page.get_by_text("Shown as raw HTML: it has class attributes, <table>")).to_be_visible()
    raw = page.get_by_role("textbox", name="Body")
    expect(raw).to_have_value(template.body)
    expect(page.get_by_role("button", name="Raw HTML")).to_have_attribute("aria-pressed", "true")
    raw.fill(template.body + "<p>P.S. See you soon.</p>")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Styled.")).to_be_visible()
    template.refresh_from_db()
    assert template.body.startswith('<p class="date">{{ today }}</p><table>')

    # Leaving raw mode asks first, since the editor would drop the table.
    with page.expect_event("dialog") as asked:
        page.get_by_role("button", name="Raw HTML").click()
    assert "<table>" in asked.value.message
    asked.value.dismiss()
    expect(page.get_by_role("button", name="Raw HTML")).to_have_attribute("aria-pressed", "true")


def test_manager_switches_to_raw_html_and_back(page, manager_maria):
    log_in(page, "maria")
    page.goto("/cadences/new/")
    page.get_by_label("Name").fill("Raw and back")
    page.get_by_role("button", name="Add an email").click()
    step = page.locator(".cadence-step").first
    step.get_by_label("Subject").fill("Hello")
    step.get_by_role("textbox", name="HTML body").click()
    page.keyboard.type("Hello ", delay=KEY_DELAY_MS)

    raw_button = step.get_by_role("button", name="Raw HTML")
    raw_button.click()
    expect(raw_button).to_have_attribute("aria-pressed", "true")
    raw = step.get_by_role("textbox", name="HTML body")
    expect(raw).to_have_value("<p>Hello&nbsp;</p>")
    raw.fill("<p>Hello <em>you</em>, </p>")
    raw.press("End")
    raw.press("ArrowLeft")
    raw.press("ArrowLeft")
    raw.press("ArrowLeft")
    raw.press("ArrowLeft")  # before </p>
    step.get_by_role("button", name="Insert field").click()  # First name, "there"
    expect(raw).to_have_value(f"<p>Hello <em>you</em>, {FIRST_NAME}</p>")
    expect(step.get_by_role("textbox", name="Text body")).to_have_value(f"Hello you, {FIRST_NAME}")

    raw_button.click()  # the editor keeps all of it: no question asked
    expect(raw_button).to_have_attribute("aria-pressed", "false")
    editor = step.get_by_role("textbox", name="HTML body")
    expect(editor.locator("em")).to_have_text("you")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Raw and back.")).to_be_visible()
    variant = StepVariant.objects.get(step__cadence__name="Raw and back")
    assert variant.html_body == f"<p>Hello <em>you</em>, {FIRST_NAME}</p>"
