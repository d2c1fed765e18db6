"""The rich-text widgets: RichTextWidget for an HTML body, PlainTextWidget for the
plain-text part made from it, and the form of the editor's check endpoint.

Use them in a template that includes "mailings/richtext/_assets.html" once and
renders each field with "partials/field.html", whose label the editor is named by.
"""

from collections.abc import Sequence
from itertools import groupby

from django import forms
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from mailings.email.plaintext import html_to_text
from mailings.email.rendering import MergeField
from mailings.richtext.markup import raw_reason

MAX_HTML_CHARS = 500_000


class _SiteTemplateWidget:
    """Rendered with the site's templates (templates/), where the page's are."""

    def _render(self, template_name, context, renderer=None):
        return mark_safe(render_to_string(template_name, context))


class RichTextWidget(_SiteTemplateWidget, forms.Widget):
    """Trix bound to a hidden input carrying the HTML, a merge-field picker that
    inserts a field with its fallback, and a raw HTML textarea. The body opens in
    raw mode when the editor would drop part of it (markup.raw_reason says why).

    Whichever of the hidden input and the textarea is shown carries the value;
    the other is disabled, so the form posts one value under the field's name.
    """

    template_name = "mailings/richtext/editor.html"

    def __init__(self, *, merge_fields: Sequence[MergeField], attrs=None):
        super().__init__(attrs)
        self.merge_fields = tuple(merge_fields)

    def format_value(self, value) -> str:
        return "" if value is None else str(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        shared = dict(widget["attrs"])
        id_ = shared.pop("id", None) or f"richtext-{name}"
        if shared.pop("required", False):
            shared["aria-required"] = "true"
        groups = groupby(self.merge_fields, key=lambda field: field.group)
        context["richtext"] = {
            "id": id_,
            "raw_reason": raw_reason(widget["value"]),
            "plain_text": html_to_text(widget["value"]),
            "groups": [(group, list(fields)) for group, fields in groups],
            "first": self.merge_fields[0],
            "attrs": flatatt(shared),
        }
        return context


class PlainTextWidget(_SiteTemplateWidget, forms.Textarea):
    """The plain-text part of an email, beside the RichTextWidget of `html_field`
    (same form prefix). It shows the text made from the HTML, following the typing,
    unless the manager ticks "Write the plain text myself"; unticked, the field
    saves as empty, which means "made from the HTML" when the email is sent.
    """

    template_name = "mailings/richtext/plain_text.html"

    def __init__(self, *, html_field: str, attrs=None):
        super().__init__({"rows": 6, **(attrs or {})})
        self.html_field = html_field

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        prefix, dash, _field = name.rpartition("-")
        context["plain"] = {
            "mine": bool(widget["value"] and widget["value"].strip()),
            "source": f"{prefix}{dash}{self.html_field}",
            "id": widget["attrs"].get("id") or f"plain-{name}",
            "attrs": flatatt(widget["attrs"]),
        }
        return context

    def value_from_datadict(self, data, files, name):
        # The page says whether the box was ticked; a post without the page's
        # fields (an API client, an old tab) saves the text it sends.
        if f"{name}_shown" in data and f"{name}_mine" not in data:
            return ""
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_shown" not in data


class HtmlCheckForm(forms.Form):
    """The HTML as typed, for its plain text and what the editor cannot keep."""

    html = forms.CharField(required=False, strip=False, max_length=MAX_HTML_CHARS)
