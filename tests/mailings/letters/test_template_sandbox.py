"""Letter templates are sandboxed (mailings.templating.sandbox): refused when saved
on the managers' page, in the admin and at approval when they use a tag, a
filter or a merge field outside it; one saved before the rules fails to print
with the reason, and never prints anything of the server."""

import datetime as dt
import sys

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.template import engines
from django.urls import reverse

from crm.models import Lead
from mailings.email.rendering import merge_fields
from mailings.letters.compose import LETTER_MERGE_FIELDS, letter_for
from mailings.letters.models import LetterTemplate, PrintRun
from mailings.letters.runs import (
    PrintRunError,
    print_run_approve,
    print_run_create,
    print_run_generate,
)
from mailings.templating.prose import prose_tidied
from tests.factories import CampaignFactory, UserFactory
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory
from tests.mailings.letters.reading import read_pdf

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Spring offer",
    "slug": "",
    "css": "p { margin: 0 0 1em; }",
    "coupon_code": "SPRING25",
    "offer": "a free tune-up",
    "is_active": "on",
}
TAGS_ALLOWED = (
    "templates may only use merge fields and the tags if, for, with, firstof, now, "
    "filter, spaceless, comment, verbatim and templatetag."
)
FORBIDDEN = {
    "include": '<p>Hi</p>{% include "admin/base.html" %}',
    "include ": '<p>Hi</p>{% include "./letter.html" %}',  # relative: a 500 before
    "debug": "<p>{% debug %}</p>",
    "extends": '{% extends "base.html" %}',
    "block": "{% block body %}Hi{% endblock %}",
    "load": "{% load i18n %}<p>Hi</p>",
    "url": '<p>{% url "letters:templates" %}</p>',
    "csrf_token": "<p>{% csrf_token %}</p>",
}


def page_errors(response) -> str:
    return " ".join(str(error) for error in response.context["form"].errors["body"])


@pytest.mark.parametrize("tag", FORBIDDEN)
def test_each_forbidden_tag_is_refused_on_the_managers_page_by_name(maria, tag):
    response = maria.post(reverse("letters:template_create"), FIELDS | {"body": FORBIDDEN[tag]})

    assert response.status_code == 400
    assert page_errors(response) == (
        f"{{% {tag.strip()} %}} is not allowed in a letter: {TAGS_ALLOWED}"
    )
    assert not LetterTemplate.objects.filter(name="Spring offer").exists()


def test_editing_a_template_to_reach_outside_is_refused(maria):
    template = LetterTemplateFactory()

    response = maria.post(
        reverse("letters:template_edit", args=[template.pk]),
        FIELDS | {"name": template.name, "slug": template.slug, "body": "{% debug %}"},
    )

    assert response.status_code == 400
    template.refresh_from_db()
    assert "debug" not in template.body


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{% include "admin/base.html" %}', "{% include %} is not allowed in a letter"),
        ("{% debug %}", "{% debug %} is not allowed in a letter"),
        ("<p>{{ lead.frist_name }}</p>", "Unknown merge field lead.frist_name. Known fields:"),
    ],
)
def test_the_admin_refuses_the_same(admin_client, body, error):
    data = FIELDS | {"slug": "spring", "body": body}

    response = admin_client.post("/admin/mailings/lettertemplate/add/", data)

    assert response.status_code == 200  # the form again, with the error
    assert error in " ".join(response.context["adminform"].form.errors["body"])
    assert not LetterTemplate.objects.filter(slug="spring").exists()


def test_an_unknown_merge_field_is_refused_with_the_letters_fields(maria):
    body = '<p>Dear {{ lead.frist_name|default:"friend" }},</p>'

    response = maria.post(reverse("letters:template_create"), FIELDS | {"body": body})

    assert response.status_code == 400
    known = ", ".join(field.name for field in LETTER_MERGE_FIELDS)
    assert page_errors(response) == f"Unknown merge field lead.frist_name. Known fields: {known}."
    assert "today, sender_name, coupon_code, offer" in known
    assert "unsubscribe_url" not in known  # an email's


def test_the_preview_of_a_template_with_an_unknown_field_says_so(maria):
    data = FIELDS | {"body": "<p>{{ lead.nickname }}</p>", "paper": "letter"}

    response = maria.post(reverse("letters:template_preview"), data)

    assert response.status_code == 400
    assert response.text.startswith("Unknown merge field lead.nickname. Known fields:")


# A legal letter: saved, and printed as before


def every_field_body() -> str:
    fields = "".join(f"<p>[{{{{ {field.name} }}}}]</p>" for field in LETTER_MERGE_FIELDS)
    return (
        '<p class="date">{{ today|date:"F j, Y" }}</p>'
        '<p>Dear {{ lead.first_name|default:"friend" }},</p>'
        "<p>{% if lead.company %}at {{ lead.company }}{% endif %}"
        "{% for c in coupon_code %}{{ c }}{% if not forloop.last %} {% endif %}{% endfor %}</p>"
        f"{fields}"
        '<p>{% with who=sender_name|default:"The team" %}{{ who|upper }}{% endwith %}</p>'
    )


@pytest.fixture
def lead(rep_alice) -> Lead:
    return MailableLeadFactory(
        first_name="Dana", last_name="Whitfield", company="Acme <Labs>", owner=rep_alice,
        source_campaign=CampaignFactory(name="Expo 2026"), stage=Lead.Stage.CUSTOMER,
    )  # fmt: skip


def test_a_letter_with_every_field_saves_and_prints_as_the_site_engine_did(maria, lead):
    response = maria.post(reverse("letters:template_create"), FIELDS | {"body": every_field_body()})
    assert response.status_code == 302
    template = LetterTemplate.objects.get(name="Spring offer")
    today = dt.date(2026, 3, 10)
    fields = merge_fields(lead) | {
        "today": today,
        "coupon_code": "SPRING25",
        "offer": "a free tune-up",
        "sender_name": "Alice Rep",
    }

    body = letter_for(template, lead, today=today).body_html

    assert body == prose_tidied(engines["django"].from_string(every_field_body()).render(fields))
    assert "March 10, 2026" in body and "S P R I N G 2 5" in body and "ALICE REP" in body
    assert "Acme &lt;Labs&gt;" in body


def test_a_letter_that_writes_template_syntax_as_text_prints_no_server_details(maria, lead):
    body = (
        "<p>{% verbatim %}{% debug %}{% endverbatim %} and "
        "{% templatetag openblock %} include {% templatetag closeblock %}</p>"
    )
    data = FIELDS | {"body": body, "paper": "letter", "lead": lead.pk}

    response = maria.post(reverse("letters:template_preview"), data)

    assert response.status_code == 200
    text = " ".join(page.text() for page in read_pdf(response.content))
    assert "{% debug %} and {% include %}" in text
    assert "site-packages" not in text and sys.prefix not in text and "module" not in text


# A template saved before the rules


def approved_run(manager, leads, template=None) -> PrintRun:
    run = print_run_create(
        name="Expo letters",
        template=template or LetterTemplateFactory(),
        paper="letter",
        created_by=manager,
        leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]),
    )
    return print_run_approve(run=run, by=manager)


def saved_before_the_rules(run: PrintRun, body: str) -> None:
    """What the run approved, as if approved before the sandbox existed."""
    PrintRun.objects.filter(pk=run.pk).update(approved_body=body)
    LetterTemplate.objects.filter(pk=run.template_id).update(body=body)


def test_a_run_approved_before_the_rules_fails_to_generate_with_the_reason(manager_maria):
    run = approved_run(manager_maria, [MailableLeadFactory() for _ in range(2)])
    saved_before_the_rules(run, "<p>{% debug %}</p>")

    print_run_generate(run=run)  # jobs run inline in tests

    run.refresh_from_db()
    assert run.status == PrintRun.Status.FAILED
    assert run.error == (
        f"Letters 1 to 2 did not render: {{% debug %}} is not allowed in a template: {TAGS_ALLOWED}"
    )
    assert not run.pdf


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{% include "admin/base.html" %}', "{% include %} is not allowed in a letter"),
        ("<p>{{ lead.frist_name }}</p>", "Unknown merge field lead.frist_name."),
    ],
)
def test_a_template_saved_before_the_rules_is_not_approved(manager_maria, body, reason):
    template = LetterTemplateFactory()
    LetterTemplate.objects.filter(pk=template.pk).update(body=body)
    template.refresh_from_db()
    run = print_run_create(
        name="Expo letters",
        template=template,
        paper="letter",
        created_by=manager_maria,
        leads=Lead.objects.filter(pk=MailableLeadFactory().pk),
    )

    with pytest.raises(PrintRunError, match="The letter template cannot be printed: ") as refused:
        print_run_approve(run=run, by=manager_maria)

    assert reason in str(refused.value)


def test_a_reprint_of_a_letter_saved_before_the_rules_is_a_message_not_a_500(
    manager_maria, mailroom_max, client
):
    run = approved_run(manager_maria, [MailableLeadFactory()])
    print_run_generate(run=run)
    saved_before_the_rules(run, '{% include "admin/base.html" %}')
    letter = run.letters.get()
    client.force_login(mailroom_max)

    response = client.post(reverse("letters:letter_reprint", args=[letter.pk]))

    assert response.status_code == 302
    message = next(str(item) for item in get_messages(response.wsgi_request))
    assert "did not render: {% include %} is not allowed" in message


def test_print_letters_says_why_a_template_saved_before_the_rules_does_not_print(tmp_path):
    template = LetterTemplateFactory(slug="old")
    LetterTemplate.objects.filter(pk=template.pk).update(body="{% load static %}")
    lead = MailableLeadFactory()

    with pytest.raises(CommandError, match=r"'old' does not render: \{% load %\} is not allowed"):
        call_command(
            "print_letters", "--template=old", f"--out={tmp_path / 'x.pdf'}", f"--leads={lead.pk}"
        )
