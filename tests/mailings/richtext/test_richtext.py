"""The rich-text editor (mailings.richtext): the widget with its merge-field picker,
the plain-text part saved empty unless the manager writes it, raw HTML mode for
what the editor cannot keep, and the check the editor asks as the manager types."""

import datetime as dt
from html import escape
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from crm.models import Lead
from crm.roles import Role
from followups.cadences.models import Channel
from mailings.cadences.builder.forms import VariantForm
from mailings.email.rendering import EMAIL_MERGE_FIELDS, render_email
from mailings.email.transactional import preview_links
from mailings.letters.compose import LETTER_MERGE_FIELDS, letter_for
from mailings.letters.forms import LetterTemplateForm
from mailings.letters.models import LetterTemplate
from mailings.models import StepVariant
from mailings.richtext.forms import MAX_HTML_CHARS
from mailings.richtext.markup import markup_problems, raw_reason
from tests.factories import CampaignFactory, LeadFactory, UserFactory
from tests.mailings.cadences.builder.pages import add_step, fill, page_data, variants_of
from tests.mailings.factories import StepVariantFactory

FIRST_NAME = "{{ lead.first_name|default:'there' }}"
BODY = f"<p>Hi {FIRST_NAME},</p><p>Thanks for visiting our <strong>booth</strong>.</p>"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def element(html: str, tag: str, **attrs) -> dict:
    """The attributes of the first `tag` with these attributes (data_x for data-x)."""
    parser = _Elements()
    parser.feed(html)
    wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
    for found_tag, found in parser.found:
        if found_tag == tag and all(found.get(k) == v for k, v in wanted.items()):
            return found
    raise AssertionError(f"No <{tag}> with {wanted}")


# The widget


def test_the_html_body_renders_the_editor_with_the_picker_and_its_fallbacks():
    html = str(VariantForm(prefix="v1", initial={"html_body": BODY})["html_body"])

    assert '<trix-editor id="id_v1-html_body_editor" input="id_v1-html_body_value"' in html
    assert 'aria-labelledby="id_v1-html_body_label"' in html  # the field's label names it
    assert '<label for="id_v1-html_body_field">Merge field</label>' in html
    assert '<option value="lead.first_name" data-fallback="there">First name</option>' in html
    assert '<option value="lead.company" data-fallback="your company">Company</option>' in html
    assert 'data-link-text="Unsubscribe">Unsubscribe link</option>' in html
    assert '<label for="id_v1-html_body_fallback" data-richtext-fallback-label>If empty' in html
    assert (
        'id="id_v1-html_body_fallback" data-richtext-fallback autocomplete="off" value="there"'
        in html
    )
    assert ">Insert field</button>" in html
    # The editor's hidden input carries the value; the raw textarea waits, disabled.
    assert element(html, "input", name="v1-html_body")["value"] == BODY
    assert "disabled" not in element(html, "input", name="v1-html_body")
    raw = element(html, "textarea", name="v1-html_body")
    assert "hidden" in raw and "disabled" in raw
    assert element(html, "button", data_richtext_raw="")["aria-pressed"] == "false"
    plain_text = element(html, "div", data_richtext="")["data-plain-text"]
    assert plain_text == f"Hi {FIRST_NAME},\n\nThanks for visiting our booth."


def test_every_field_the_picker_offers_is_one_the_email_and_the_letter_fill_in(db):
    owner = UserFactory(first_name="Alice", last_name="Rep", email="alice@example.com")
    lead = LeadFactory(
        owner=owner,
        source_campaign=CampaignFactory(name="Expo"),
        name_prefix="Dr.",
        name_suffix="PhD",
        title="Buyer",
        city="Springfield",
        region="IL",
        postal_code="62701",
        stage=Lead.Stage.CUSTOMER,  # who has a referral link
    )
    for field in EMAIL_MERGE_FIELDS:
        variant = StepVariantFactory.build(html_body=f"[{{{{ {field.name} }}}}]")
        assert "[]" not in render_email(variant, lead, preview_links()).html, field.name
    template = LetterTemplate(body="", coupon_code="SPRING", offer="a free month")
    for field in LETTER_MERGE_FIELDS:
        template.body = f"[{{{{ {field.name}|{field.format or 'default:None'} }}}}]"
        body = letter_for(template, lead, today=dt.date(2026, 3, 10)).body_html
        assert "[]" not in body and "[None]" not in body, field.name


def test_the_letter_body_offers_the_letter_fields_and_greets_a_friend():
    html = str(LetterTemplateForm()["body"])

    assert '<option value="lead.first_name" data-fallback="friend">First name</option>' in html
    assert 'data-format="date:&#x27;F j, Y&#x27;">Today&#x27;s date</option>' in html
    assert '<option value="coupon_code" data-fallback="">Coupon code</option>' in html
    assert "unsubscribe_url" not in html  # letters have no unsubscribe link


def test_a_fallback_the_picker_inserts_renders_when_the_field_is_empty():
    template = Template(f"Hi {FIRST_NAME}!")
    assert template.render(Context({"lead": {"first_name": ""}})) == "Hi there!"
    assert template.render(Context({"lead": {"first_name": "Dana"}})) == "Hi Dana!"


# Saving: the HTML as written, the plain text empty unless the manager writes it


def variant_data(text: str, *, shown=True, mine=False) -> dict:
    data = {"v1-subject": "Thanks", "v1-html_body": BODY, "v1-text_body": text}
    if shown:
        data["v1-text_body_shown"] = "1"
    if mine:
        data["v1-text_body_mine"] = "on"
    return data


def test_the_plain_text_shown_from_the_html_saves_as_empty():
    form = VariantForm(variant_data(f"Hi {FIRST_NAME},\n\nThanks"), prefix="v1")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["html_body"] == BODY
    assert form.cleaned_data["text_body"] == ""


def test_the_plain_text_the_manager_writes_herself_is_saved():
    form = VariantForm(variant_data("Hi there, in my own words", mine=True), prefix="v1")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["text_body"] == "Hi there, in my own words"


def test_a_post_without_the_editors_fields_saves_the_text_it_sends():
    form = VariantForm(variant_data("Sent by a script", shown=False), prefix="v1")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["text_body"] == "Sent by a script"


def test_unticking_write_it_myself_clears_the_saved_text(db):
    variant = StepVariantFactory(html_body=BODY, text_body="Old words")
    form = VariantForm(variant_data("Old words"), instance=variant, prefix="v1")
    assert form.is_valid(), form.errors
    form.save()
    variant.refresh_from_db()
    assert variant.text_body == ""


def test_the_cadence_builder_saves_the_editors_html_and_leaves_the_text_to_the_server(
    manager_maria,
):
    client = signed_in(manager_maria)
    data = page_data(client, reverse("cadences:create"))
    fill(data, "", name="Welcome")
    (new,) = variants_of(data, add_step(client, data, Channel.EMAIL))
    fill(data, new, subject="Thanks", html_body=BODY, text_body="Hi there, thanks")

    response = client.post(reverse("cadences:create"), data)

    assert response.status_code == 302
    variant = StepVariant.objects.get(step__cadence__name="Welcome")
    assert variant.html_body == BODY
    assert variant.text_body == ""
    page = client.get(reverse("cadences:edit", args=[variant.step.cadence_id]))
    assert f'name="{new}-text_body_mine"' not in page.text  # blocks of saved variants
    assert f'name="v{variant.pk}-text_body_mine" data-richtext-mine>' in page.text


def test_the_plain_text_the_manager_wrote_opens_ticked_and_editable(db):
    variant = StepVariantFactory(html_body=BODY, text_body="My own words")
    html = str(VariantForm(instance=variant, prefix="v1")["text_body"])
    assert 'name="v1-text_body_mine" data-richtext-mine checked>' in html
    assert "readonly" not in html
    assert "My own words</textarea>" in html


# Raw HTML mode


@pytest.mark.parametrize(
    "html",
    [
        BODY,
        "<div>Hi<br>there</div><h1>News</h1><blockquote>Quote</blockquote><pre>code</pre>",
        "<ul><li><em>one</em></li><li><b>two</b> <i>three</i> <del>four</del></li></ul>",
        '<p>Bye, <a href="{{ unsubscribe_url }}">unsubscribe</a>.</p>',
        "<p>Dear {% if lead.name_prefix %}{{ lead.name_prefix }}{% endif %} friend,</p>",
        "Plain text with {{ lead.first_name }} and no tags at all",
        "",
    ],
)
def test_html_the_editor_keeps_opens_in_the_editor(html):
    assert markup_problems(html) == []
    assert raw_reason(html) == ""


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<table><tr><td>Hi</td></tr></table>", "<table>"),
        ('<p style="color: red">Hi</p>', "style attributes"),
        ('<div class="signature"><p>Hi</p></div>', "class attributes"),
        ('<a href="https://example.com" target="_blank">site</a>', "target attributes"),
        ("<p>Hi</p><!-- for the printer -->", "HTML comments"),
        ("<h2>News</h2>", "<h2>"),
        ('<img src="logo.png" alt="Logo">', "<img>"),
        ("<p>Hi <u>there</u></p>", "<u>"),
        ("{% if offer %}<p>{{ offer }}</p>{% endif %}", "template tags between paragraphs"),
        ("<p>{% if lead.score > 50 %}Hot{% endif %}</p>", "template tags with <, > or &"),
        ('<p {% if vip %}class="vip"{% endif %}>Hi</p>', "template tags inside an HTML tag"),
        ("<!DOCTYPE html><html><body><p>Hi</p></body></html>", "<!doctype>"),
    ],
)
def test_html_the_editor_would_change_opens_as_raw_html(html, problem):
    assert problem in markup_problems(html)


def test_the_reason_names_what_the_editor_would_drop():
    reason = raw_reason('<p class="date">{{ today }}</p><table style="width: 100%"></table>')
    assert reason.startswith(
        "Shown as raw HTML: it has class attributes, <table> and style attributes, "
        "which the editor would drop or change."
    )


def test_a_letter_with_markup_the_editor_cannot_keep_opens_as_raw_html(db):
    body = '<p class="date">{{ today|date:"F j, Y" }}</p><p>Dear friend,</p>'
    template = LetterTemplate.objects.create(name="Styled", slug="styled", body=body)
    html = str(LetterTemplateForm(instance=template)["body"])

    assert "Shown as raw HTML: it has class attributes" in html
    assert element(html, "button", data_richtext_raw="")["aria-pressed"] == "true"
    # The textarea carries the value, as stored; the editor's input is disabled.
    raw = element(html, "textarea", name="body")
    assert "hidden" not in raw and "disabled" not in raw
    assert f">\n{escape(body)}</textarea>" in html
    assert "disabled" in element(html, "input", name="body")
    assert "hidden" in element(html, "div", data_richtext_rich="")


# The editor's check


def test_the_check_gives_the_plain_text_and_whether_the_editor_keeps_the_html(manager_maria):
    client = signed_in(manager_maria)
    response = client.post(reverse("richtext:check"), {"html": BODY})
    assert response.status_code == 200
    assert response.json() == {
        "text": f"Hi {FIRST_NAME},\n\nThanks for visiting our booth.",
        "raw_reason": "",
    }
    answer = client.post(reverse("richtext:check"), {"html": "<table></table>"}).json()
    assert answer["raw_reason"].startswith("Shown as raw HTML: it has <table>")


def test_the_check_refuses_html_too_long_with_a_400(manager_maria):
    html = "x" * (MAX_HTML_CHARS + 1)
    response = signed_in(manager_maria).post(reverse("richtext:check"), {"html": html})
    assert response.status_code == 400
    assert "html" in response.json()["errors"]


def test_the_check_is_for_managers_and_only_posts(db, manager_maria):
    rep = UserFactory(username="rita", role=Role.REP)
    assert signed_in(rep).post(reverse("richtext:check"), {"html": ""}).status_code == 403
    assert signed_in(manager_maria).get(reverse("richtext:check")).status_code == 405
    assert Client().post(reverse("richtext:check"), {"html": ""}).status_code == 302
