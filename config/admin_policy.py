"""The Content-Security-Policy of the admin pages.

Django's admin and the admin pages of django-rq and django-import-export are
templates we do not write, and a few still carry inline scripts ("select all"
on the job lists), a handler attribute or a style attribute. Under /admin/ (staff
only) the policy allows exactly those scripts, by the hashes of their text as
the installed templates hold it, read once at start-up so an upgrade that
changes them is followed; nothing else inline runs there either. Style
attributes, which cannot run anything, are allowed there too.
"""

import base64
import hashlib
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from csp.constants import UNSAFE_HASHES, UNSAFE_INLINE
from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

THIRD_PARTY_ADMIN_APPS = ("admin", "django_rq", "import_export")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+=\"([^\"]*)\"", re.I)


def admin_policy_middleware(get_response: Callable) -> Callable:
    # After django-csp's middleware in MIDDLEWARE, so this runs before it writes the header.
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.path.startswith(reverse("admin:index")):
            response._csp_update = admin_policy_additions()
        return response

    return middleware


@cache
def admin_policy_additions() -> dict[str, list[str]]:
    scripts = sorted({_source_hash(text) for text in _inline_code()})
    return {"script-src": [*scripts, UNSAFE_HASHES], "style-src-attr": [UNSAFE_INLINE]}


def _inline_code() -> list[str]:
    """The inline scripts and handlers of the admin templates that hold no template
    tag, so that what a browser gets is exactly their text."""
    found = []
    for label in THIRD_PARTY_ADMIN_APPS:
        templates = Path(apps.get_app_config(label).path) / "templates"
        for template in sorted(templates.rglob("*.html")):
            text = template.read_text(encoding="utf-8")
            found += INLINE_SCRIPT.findall(text) + HANDLER_ATTRIBUTE.findall(text)
    return [code for code in found if code.strip() and "{%" not in code and "{{" not in code]


def _source_hash(code: str) -> str:
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    return f"'sha256-{digest}'"
