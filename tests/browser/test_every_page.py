"""Every page of every role passes axe-core: each role, on the demo that
`make run` seeds, follows every link it is shown, from where it lands, a few
pages per kind of page, and the page fixture checks each one it visits (a
serious or critical violation, or any other, fails the test with the page).

A crawl rather than a list, so a page added later is checked without anyone
remembering to add it here; what it must not follow (downloads, leaving the
app, signing out) is said below, by view name.
"""

from collections import Counter, deque
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

# As in every browser test: without it, the next ones' serialized rollback fails.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

DEMO_PASSWORD = "demo1234"
# Pages of one kind (one view) differ in data, not in markup: two of each is enough.
PAGES_PER_VIEW = 2
MOST_PAGES = 90
# Not pages: files and feeds (a browser downloads them; retargeting's views are
# files and POST actions), the public side (emails'
# links, the tracking script, referral redirects), the admin (Django's own), and
# signing out, which would end the walk. The API documentation is django-ninja's
# Swagger UI, a developers' page built by its own script: it has a language, a
# landmark and a heading (templates/ninja/swagger.html), but its rendered
# controls nest buttons and some of its greys fail contrast, which is not ours to
# restyle (docs/not-done.md).
NOT_PAGES = (
    "openapi",
    "export",
    "download",
    "pdf",
    "labels",
    "csv",
    "feed",
    "proof",
    "sample",
    "template_file",
)
NOT_NAMESPACES = {"admin", "mail", "tracking", "django_rq", "api", "retargeting"}
NOT_VIEWS = {"logout", "referral_redirect"}


@pytest.fixture
def demo(db):
    """The demo as `make run` seeds it, small."""
    out = StringIO()
    call_command("seed_demo", leads=60, reps=2, seed=3, stdout=out)
    for command in ("seed_demo_touches", "seed_demo_cadences", "seed_demo_letters"):
        call_command(command, stdout=out)


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("!location.pathname.startsWith('/login/')")


def view_of(path: str) -> str | None:
    """The view a path shows, or None when the walk should not go there."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if match.namespace in NOT_NAMESPACES or match.url_name in NOT_VIEWS:
        return None
    if any(word in name for word in NOT_PAGES):
        return None
    return name


def walk(page) -> Counter:
    """Follow the links shown, breadth first; each page is checked as it is left."""
    start = urlsplit(page.url).path
    seen, per_view = {start}, Counter()
    to_visit = deque([start])
    while to_visit and sum(per_view.values()) < MOST_PAGES:
        path = to_visit.popleft()
        response = page.goto(path)
        view = view_of(path) or "the landing page"
        assert response.ok, f"{path} ({view}) answered {response.status}"
        per_view[view] += 1
        hrefs = page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        for href in hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts._replace(fragment="").geturl()
            found = view_of(parts.path)
            if (
                found
                and target not in seen
                and per_view[found] + _queued(to_visit, found) < PAGES_PER_VIEW
            ):
                seen.add(target)
                to_visit.append(target)
    return per_view


def _queued(to_visit, view: str) -> int:
    return sum(1 for path in to_visit if view_of(urlsplit(path).path) == view)


@pytest.mark.parametrize(
    ("username", "some_of_its_pages"),
    [
        ("rep1", {"queue:next", "crm:lead_detail"}),
        ("manager", {"reports:index", "cadences:list", "audiences:list", "crm:lead_detail"}),
        ("mailroom", {"letters:mailroom"}),
    ],
)
def test_every_page_a_role_reaches_passes_axe(page, demo, username, some_of_its_pages):
    sign_in(page, username)

    visited = walk(page)

    assert some_of_its_pages <= set(visited), sorted(visited)
