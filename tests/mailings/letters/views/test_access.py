"""Who may open which letter page: managers, the mailroom, reps, the signed out."""

import pytest
from django.urls import reverse

from mailings.letters.models import LetterTemplate, PrintRun
from tests.mailings.letters.views.conftest import signed_in

pytestmark = pytest.mark.django_db

Status = PrintRun.Status


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
