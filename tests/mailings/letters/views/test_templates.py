"""The letter template pages (mailings.letters.views.templates): writing, editing and
the live PDF preview."""

import pytest
from django.urls import reverse

from mailings.letters.models import LetterTemplate
from tests.mailings.letters.reading import pdf_text
from tests.mailings.letters.views.conftest import messages_of

pytestmark = pytest.mark.django_db


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
