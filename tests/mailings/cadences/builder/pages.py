"""The builder's page as a browser posts it: the fields of its form read from the
HTML (what is disabled, or inside a <template>, is not posted), and blocks added
as the page's buttons add them (htmx GETs whose HTML joins the form)."""

import html
import re
from html.parser import HTMLParser

from django.urls import reverse

from followups.cadences.models import Cadence, Channel

Data = dict[str, list[str]]


class _FormReader(HTMLParser):
    """The name/value pairs a browser posts for the HTML's form controls."""

    def __init__(self, form_class: str | None):
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.in_form = form_class is None
        self.fields: list[tuple[str, str]] = []
        self.skipping = 0  # inside a disabled fieldset or a <template>
        self.open_tags: list[str] = []
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_class in (attrs.get("class") or "").split():
            self.in_form = True
        if not self.in_form:
            return
        if tag in ("fieldset", "template"):
            skip = self.skipping or tag == "template" or "disabled" in attrs
            self.open_tags.append("skip" if skip else tag)
            self.skipping += bool(skip)
            return
        usable = not self.skipping and "disabled" not in attrs and attrs.get("name")
        if tag == "input" and usable:
            self._input(attrs)
        elif tag == "select":
            self.select = {"attrs": attrs, "usable": usable, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea":
            self.textarea = {"name": attrs.get("name"), "usable": usable, "text": ""}

    def _input(self, attrs):
        kind = attrs.get("type", "text")
        if kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value", "on")))
        elif kind not in ("submit", "button", "reset", "file", "image"):
            self.fields.append((attrs["name"], attrs.get("value", "")))

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.form_class:
            self.in_form = False
        if tag in ("fieldset", "template") and self.open_tags:
            self.skipping -= self.open_tags.pop() == "skip"
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            self._select_done()
        elif tag == "textarea" and self.textarea is not None:
            if self.textarea["usable"]:
                # A browser drops the newline just after <textarea>.
                self.fields.append(
                    (self.textarea["name"], self.textarea["text"].removeprefix("\n"))
                )
            self.textarea = None

    def _select_done(self):
        select, self.select = self.select, None
        if not select["usable"]:
            return
        options = select["options"]
        chosen = [option for option in options if option["selected"]]
        if not chosen and options and "multiple" not in select["attrs"]:
            chosen = options[:1]
        for option in chosen:
            value = option["value"] if option["value"] is not None else option["text"]
            self.fields.append((select["attrs"]["name"], value))


def posted(html: str, form_class: str | None = "cadence-builder") -> Data:
    reader = _FormReader(form_class)
    reader.feed(html)
    data: Data = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data


def page_data(client, url: str) -> Data:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return posted(response.text)


def add_step(client, data: Data, channel: str, **values) -> str:
    """Click "Add a <channel>"; then fill in the step's fields by name."""
    before = set(data.get("steps", []))
    response = client.get(reverse("cadences:step_block"), {"channel": channel})
    assert response.status_code == 200, response.content
    for name, field_values in posted(response.text, form_class=None).items():
        data.setdefault(name, []).extend(field_values)
    (prefix,) = set(data["steps"]) - before
    fill(data, prefix, **values)
    return prefix


def add_variant(client, data: Data, step: str, **values) -> str:
    key = f"{step}-variants"
    before = set(data.get(key, []))
    response = client.get(reverse("cadences:variant_block"), {"step": step})
    assert response.status_code == 200, response.content
    for name, field_values in posted(response.text, form_class=None).items():
        data.setdefault(name, []).extend(field_values)
    (prefix,) = set(data[key]) - before
    fill(data, prefix, **values)
    return prefix


def add_trigger(client, data: Data, **values) -> str:
    before = set(data.get("triggers", []))
    response = client.get(reverse("cadences:trigger_block"))
    assert response.status_code == 200, response.content
    for name, field_values in posted(response.text, form_class=None).items():
        data.setdefault(name, []).extend(field_values)
    (prefix,) = set(data["triggers"]) - before
    fill(data, prefix, **values)
    return prefix


def fill(data: Data, prefix: str, **values) -> None:
    for name, value in values.items():
        key = f"{prefix}-{name}" if prefix else name
        data[key] = [str(item) for item in value] if isinstance(value, list) else [str(value)]


def variants_of(data: Data, step: str) -> list[str]:
    return data.get(f"{step}-variants", [])


def remove_step(data: Data, prefix: str, *, send_to: str | None = None) -> None:
    """Click "Remove this step"; a step people are on stays, removed, with where
    they go (a step's prefix, or "finish")."""
    data["steps"] = [step for step in data["steps"] if step != prefix]
    if send_to is not None:
        data.setdefault("removed", []).append(prefix)
        data[f"{prefix}-send_to"] = [send_to]


# A new cadence's page, filled as a manager fills it, and what the tests read back

HELLO = "Hello {{ lead.first_name|default:'there' }}"
BODY = "<p>Hi {{ lead.first_name|default:'there' }}, from {{ rep.full_name }}.</p>"


def new_page(client, name="Expo follow-up") -> dict:
    data = page_data(client, reverse("cadences:create"))
    fill(data, "", name=name)
    return data


def with_email(client, data, subject=HELLO, body=BODY, **step_values) -> str:
    step = add_step(client, data, Channel.EMAIL, **step_values)
    fill(data, variants_of(data, step)[0], subject=subject, html_body=body)
    return step


def edit_url(cadence) -> str:
    return reverse("cadences:edit", args=[cadence.pk])


def field_error(response, name: str) -> str:
    match = re.search(rf'id="id_{re.escape(name)}_error">([^<]*)<', response.text)
    return html.unescape(match.group(1)) if match else ""


def shape(cadence: Cadence) -> list[tuple]:
    return [
        (step.position, step.channel, step.wait, [v.subject for v in step.variants.all()])
        for step in cadence.steps.prefetch_related("variants")
    ]
