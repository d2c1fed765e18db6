"""Managers' templates are sandboxed (mailings.templating.sandbox): only merge fields
and the allowed tags and filters are saved, on every path that saves an email's
template; one saved before the rules fails at send time with the reason, and
reaches nothing outside."""

import html
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import TemplateDoesNotExist, engines
from django.urls import reverse

from crm.models import Lead
from followups.cadences.services import enrolment_create
from followups.models import Channel, Touch
from followups.scheduler import scheduler_pass
from mailings.cadences.builder.forms import VariantForm
from mailings.cadences.plays import PLAYS
from mailings.email.personal import personal_email_draft
from mailings.email.rendering import (
    EMAIL_MERGE_FIELDS,
    email_template_problems,
    merge_fields,
    render_email,
)
from mailings.email.transactional import preview_links
from mailings.letters.compose import letter_template_problems
from mailings.letters.models import LetterTemplate
from mailings.letters.starters import STARTERS
from mailings.models import OutboxEmail, StepVariant
from mailings.templating.sandbox import (
    ALLOWED_FILTERS,
    ALLOWED_TAGS,
    sandbox_engine,
    template_render,
)
from tests.factories import CampaignFactory, LeadFactory, UserFactory
from tests.mailings.cadences.builder.pages import add_step, fill, page_data, variants_of
from tests.mailings.factories import ConsentingLeadFactory, StepVariantFactory, email_cadence

# Each tag a template must not use, with a template that uses it.
FORBIDDEN = {
    "include": '{% include "admin/base.html" %}',
    "extends": '{% extends "base.html" %}',
    "block": "{% block content %}x{% endblock %}",
    "debug": "{% debug %}",
    "load": "{% load static %}",
    "static": '{% static "app.css" %}',
    "url": '{% url "admin:index" %}',
    "csrf_token": "{% csrf_token %}",
    "ssi": '{% ssi "/etc/passwd" %}',
    "autoescape": "{% autoescape off %}{{ lead.first_name }}{% endautoescape %}",
    "lorem": "{% lorem 100000 w %}",
    "cycle": "{% cycle 'a' 'b' %}",
    "querystring": "{% querystring %}",
}


def variant_form(**fields) -> VariantForm:
    data = {"subject": "Hello", "html_body": "<p>Hi</p>", "text_body": ""} | fields
    return VariantForm(data)


def errors_of(form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


# Tags


@pytest.mark.parametrize("tag", FORBIDDEN)
@pytest.mark.parametrize("field", ["subject", "html_body", "text_body"])
def test_each_forbidden_tag_is_refused_on_the_email_form_by_name(tag, field):
    form = variant_form(**{field: f"<p>Hi</p>{FORBIDDEN[tag]}"})

    assert not form.is_valid()
    assert form.errors[field] == [
        f"{{% {tag} %}} is not allowed in an email: templates may only use merge fields "
        "and the tags if, for, with, firstof, now, filter, spaceless, comment, verbatim "
        "and templatetag."
    ]


def test_a_relative_include_is_refused_not_a_500():
    form = variant_form(html_body='{% include "./footer.html" %}')

    assert not form.is_valid()
    assert errors_of(form).startswith("{% include %} is not allowed in an email")


def test_the_builder_page_refuses_an_include_beside_the_field(maria):
    data = page_data(maria, reverse("cadences:create"))
    fill(data, "", name="Welcome")
    step = add_step(maria, data, Channel.EMAIL)
    fill(data, variants_of(data, step)[0], subject="Hi", html_body='{% include "../x.html" %}')

    response = maria.post(reverse("cadences:create"), data)

    assert response.status_code == 400
    assert "{% include %} is not allowed in an email" in html.unescape(response.text)
    assert not StepVariant.objects.filter(html_body__contains="include").exists()


@pytest.mark.parametrize(
    "source",
    [
        "{% if lead.company %}at {{ lead.company }}{% elif campaign %}at {{ campaign }}"
        "{% else %}soon{% endif %}",
        "{% for letter in lead.company %}{{ letter|upper }}{{ forloop.counter }}{% endfor %}",
        '{% with name=lead.first_name|default:"there" %}Hi {{ name|title }}{% endwith %}',
        '{% firstof lead.first_name lead.company "there" %}',
        '{% now "Y" as year %}© {{ year }}',
        "{% filter upper %}{{ rep.full_name }}{% endfilter %}",
        "{% spaceless %}<p> {{ lead.city }} </p>{% endspaceless %}",
        "{% comment %}{% include 'x.html' %}{% endcomment %}{# a note #}",
        "{% verbatim %}{% debug %}{{ secret }}{% endverbatim %}",
        "{% templatetag openblock %} debug {% templatetag closeblock %}",
        "{% if lead.first_name is None or lead.first_name == 'x' %}{% endif %}",
        '<a href="https://example.com/?e={{ lead.email|urlencode }}">{{ unsubscribe_url }}</a>',
    ],
)
def test_the_allowed_tags_and_loop_variables_save(source):
    assert email_template_problems(source) == []


def test_the_sandbox_engine_finds_no_template_and_loads_no_library():
    engine = sandbox_engine()

    assert (engine.loaders, engine.dirs, engine.context_processors) == ([], [], [])
    assert (engine.debug, engine.autoescape, engine.libraries) == (False, True, {})
    with pytest.raises(TemplateDoesNotExist):
        engine.get_template("admin/base.html")


def test_the_allowed_tags_are_the_ones_that_stay_inside_the_merge_fields():
    assert list(ALLOWED_TAGS) == [
        *("if", "for", "with", "firstof", "now", "filter"),
        *("spaceless", "comment", "verbatim", "templatetag"),
    ]


@pytest.mark.parametrize("name", ALLOWED_FILTERS)
def test_each_allowed_filter_saves_and_renders(name):
    argument = {"cut": ":' '", "default": ":'x'", "default_if_none": ":'x'"}.get(name, "")
    argument = {"truncatechars": ":5", "truncatewords": ":1", "wordwrap": ":5"}.get(name, argument)
    source = f"{{{{ lead.first_name|{name}{argument} }}}}"

    assert email_template_problems(source) == []
    template_render(source, {"lead": {"first_name": "Ada Lovelace"}})  # and does not raise


# Filters


@pytest.mark.parametrize(
    "name", ["safe", "safeseq", "pprint", "stringformat", "json_script", "ljust", "dictsort"]
)
def test_a_filter_outside_the_sandbox_is_refused_by_name(name):
    problems = email_template_problems(f"{{{{ lead.first_name|{name}:'x' }}}}")

    assert problems[0].startswith(f"The filter |{name} is not allowed in an email")
    assert "default, default_if_none, upper" in problems[0]


def test_a_filter_inside_an_if_or_a_filter_tag_is_checked_too():
    assert "|safe is not allowed" in email_template_problems("{% if x|safe %}{% endif %}")[0]
    assert "|pprint" in email_template_problems("{% filter pprint %}x{% endfilter %}")[0]


# Merge fields


def test_an_unknown_merge_field_is_refused_with_the_known_ones():
    form = variant_form(html_body="<p>Hi {{ lead.frist_name }}</p>")

    assert not form.is_valid()
    known = ", ".join(field.name for field in EMAIL_MERGE_FIELDS)
    assert form.errors["html_body"] == [
        f"Unknown merge field lead.frist_name. Known fields: {known}."
    ]
    assert known.startswith("lead.first_name, lead.last_name, lead.full_name")
    assert "unsubscribe_url" in known and "referral_url" in known


@pytest.mark.parametrize(
    ("source", "unknown"),
    [
        ("{% if lead.frist_name %}x{% endif %}", "lead.frist_name"),
        ("{% if not lead.first_name and vip %}x{% endif %}", "vip"),
        ("{{ lead.first_name|default:lead.nickname }}", "lead.nickname"),
        ("{% for x in leads %}{{ x }}{% endfor %}", "leads"),
        ("{% for x in lead.company %}{% endfor %}{{ x }}", "x"),
        ("{% for x in lead.company %}{% empty %}{{ x }}{% endfor %}", "x"),
        ("{% with n=lead.first_name %}{% endwith %}{{ n }}", "n"),
        ("{% with l=lead %}{{ l.frist_name }}{% endwith %}", "lead"),
        ("{% firstof lead.first_name lead.nick %}", "lead.nick"),
        ("{% filter default:lead.nick %}x{% endfilter %}", "lead.nick"),
        ("{{ lead }}", "lead"),
        ("{{ lead.first_name.upper }}", "lead.first_name.upper"),
        ("{{ today }}", "today"),  # a letter's field, not an email's
    ],
)
def test_a_variable_anywhere_must_be_a_merge_field_or_a_loop_or_with_name(source, unknown):
    problems = email_template_problems(source)

    assert problems and problems[0].startswith(f"Unknown merge field {unknown}. Known fields:")


def test_several_unknown_fields_are_named_once_each():
    problems = email_template_problems("{{ a }} {{ b }} {{ a }}")

    assert problems[0].startswith("Unknown merge fields a, b. Known fields: lead.first_name")


# The same as before for a legal template


def every_field_template() -> str:
    fields = "".join(f"[{{{{ {field.name} }}}}]" for field in EMAIL_MERGE_FIELDS)
    return (
        "<p>{{ lead.first_name|default:'there'|title }}, "
        "{% if lead.company %}at {{ lead.company|upper }}{% else %}hi{% endif %}</p>"
        f"<p>{fields}</p>"
        "<p>{% for c in lead.city %}{{ c }}{% if not forloop.last %}-{% endif %}{% endfor %}</p>"
        '<p>{% with who=rep.full_name|default:"The team" %}{{ who }}{% endwith %}</p>'
        "<p>{{ lead.title|truncatewords:2|linebreaksbr }}</p>"
    )


@pytest.fixture
def lead(db) -> Lead:
    return LeadFactory(
        first_name="ada", last_name="Byron", company="Acme <Labs>", title="Chief Buyer of Things",
        city="Springfield", region="IL", postal_code="62701", name_prefix="Dr.",
        owner=UserFactory(first_name="Alice", last_name="Rep", email="alice@example.com"),
        source_campaign=CampaignFactory(name="Expo 2026"), stage=Lead.Stage.CUSTOMER,
    )  # fmt: skip


def test_a_template_with_every_field_saves_and_renders_as_the_site_engine_did(lead):
    source = every_field_template()
    fields = merge_fields(lead) | {"unsubscribe_url": "https://crm.example.com/u/x"}

    assert variant_form(subject="Hi {{ lead.first_name }}", html_body=source).is_valid()
    before = engines["django"].from_string(source).render(dict(fields))
    assert template_render(source, fields) == before
    assert "Acme &lt;Labs&gt;" in before and "S-p-r-i-n-g" in before


def test_a_legal_email_renders_with_its_lead_in_it(lead):
    variant = StepVariantFactory.build(
        subject="Hi {{ lead.first_name }} & {{ lead.company }}", html_body=every_field_template()
    )

    email = render_email(variant, lead, preview_links())

    assert email.subject == "Hi ada & Acme <Labs>"  # a subject is text, not HTML
    assert "<p>Ada, at ACME &lt;LABS&gt;</p>" in email.html
    assert "[Alice Rep]" in email.html and "[Expo 2026]" in email.html


# What the installation and the demo start with


def installed_templates() -> tuple[list[str], list[str]]:
    """The email and letter templates the migrations, the plays, the starters and
    the demo seeds write."""
    call_command("seed_demo", leads=150, reps=2, seed=5, stdout=StringIO())
    call_command("seed_demo_cadences", stdout=StringIO())
    emails = [
        source
        for variant in StepVariant.objects.all()
        for source in (variant.subject, variant.html_body, variant.text_body)
    ]
    emails += [
        source
        for play in PLAYS
        for step in play["steps"]
        for variant in step.get("variants", [])
        for source in variant.values()
    ]
    letters = [*LetterTemplate.objects.values_list("body", flat=True)]
    letters += [starter["body"] for starter in STARTERS]
    return emails, letters


@pytest.mark.django_db
def test_every_template_the_installation_and_the_demo_start_with_passes_the_check():
    emails, letters = installed_templates()

    assert len(emails) > 20 and len(letters) >= 8
    assert {source: email_template_problems(source) for source in emails if source} == {
        source: [] for source in emails if source
    }
    assert {body: letter_template_problems(body) for body in letters} == {
        body: [] for body in letters
    }


# A template saved before the sandbox


@pytest.mark.usefixtures("clock")
def test_an_email_saved_before_the_rules_fails_at_send_time_with_the_reason(db, smtp):
    cadence = email_cadence(0, slug="old")
    cadence.steps.get().variants.update(html_body='<p>Hi</p>{% include "admin/base.html" %}')
    lead = ConsentingLeadFactory(first_name="Ada")
    enrolment_create(cadence=cadence, lead=lead, source="test")

    scheduler_pass()

    assert smtp.messages == []
    outbox = OutboxEmail.objects.get(lead=lead)
    assert outbox.status == OutboxEmail.Status.FAILED
    assert outbox.last_error.startswith(
        "The step's template does not render: {% include %} is not allowed in a template"
    )
    assert outbox.touch.status == Touch.Status.SKIPPED


@pytest.mark.usefixtures("clock")
def test_a_debug_tag_saved_before_the_rules_never_reaches_the_email(db, smtp):
    cadence = email_cadence(0, slug="old")
    cadence.steps.get().variants.update(subject="{% debug %}")
    lead = ConsentingLeadFactory(first_name="Ada")
    enrolment_create(cadence=cadence, lead=lead, source="test")

    scheduler_pass()

    assert smtp.messages == []
    assert "{% debug %} is not allowed" in OutboxEmail.objects.get(lead=lead).last_error


def test_a_personal_email_from_a_step_saved_before_the_rules_starts_blank(db):
    cadence = email_cadence(0, slug="old")
    step = cadence.steps.get()
    step.channel = Channel.PERSONAL_EMAIL
    step.save()
    step.variants.update(html_body="{% load static %}{% static 'x' %}")
    lead = ConsentingLeadFactory(first_name="Ada")
    enrolment_create(cadence=cadence, lead=lead, source="test")

    draft = personal_email_draft(Touch.objects.get(lead=lead))

    assert (draft.subject, draft.body) == ("", "")  # the rep writes their own
