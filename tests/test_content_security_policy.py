"""The Content-Security-Policy every answer carries (django-csp, config/settings),
the few pages that loosen one directive, and the templates that keep the policy
possible: no inline script, handler attribute or style attribute in a page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Not pages a browser shows under our policy: emails (mail clients need inline
# styles) and the letters and labels WeasyPrint prints.
NOT_PAGES = ("mailings/emails/", "mailings/letters/letters.html", "mailings/letters/labels.html")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


@pytest.mark.django_db
def test_a_page_allows_scripts_and_styles_from_our_origin_only(client):
    response = client.get(reverse("login"))

    found = policy(response)
    assert found["script-src"] == ["'self'"]
    assert found["default-src"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["object-src"] == ["'none'"] and found["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_only_inline_style_is_trix_s_by_a_fresh_nonce(maria):
    nonces = []
    for _ in range(2):
        response = maria.get(reverse("crm:lead_list"))
        nonce = re.search(r'<meta name="trix-csp-nonce" content="([^"]+)">', response.text)[1]
        assert policy(response)["style-src"] == ["'self'", f"'nonce-{nonce}'"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.django_db
def test_api_answers_carry_the_policy_too(client):
    response = client.post("/api/leads/", {}, content_type="application/json")

    assert response.status_code == 401
    assert policy(response)["default-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_tracking_snippet_stays_loadable_from_other_sites(client):
    response = client.get(reverse("tracking:snippet"))

    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


def page_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not str(path.relative_to(TEMPLATES)).startswith(NOT_PAGES)
    ]


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("an inline <script>", INLINE_SCRIPT),
        ("an on…= handler attribute", HANDLER_ATTRIBUTE),
        ("a style= attribute", STYLE_ATTRIBUTE),
    ],
)
def test_no_page_template_has_what_the_policy_refuses(what, pattern):
    found = [
        f"{path.relative_to(TEMPLATES)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in page_templates()
        for text in [path.read_text(encoding="utf-8")]
        for match in pattern.finditer(text)
    ]
    assert not found, f"{what} in {', '.join(found)}: move it to static/ (see static/js/page.js)"
