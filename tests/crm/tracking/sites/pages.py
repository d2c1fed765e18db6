"""The website pages' tests' helpers: their addresses, a site added through the
form, and what a page says (its messages, its tables' rows)."""

from html.parser import HTMLParser

from django.contrib.messages import get_messages
from django.urls import reverse

from crm.tracking.models import Site

LIST, NEW = reverse("sites:list"), reverse("sites:create")
BLOG = "https://blog.example.com"


def detail_url(site: Site) -> str:
    return reverse("sites:detail", args=[site.pk])


def edit_url(site: Site) -> str:
    return reverse("sites:edit", args=[site.pk])


def toggle_url(site: Site) -> str:
    return reverse("sites:toggle", args=[site.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


class _Rows(HTMLParser):
    """The text of each cell of each body row of the page's tables."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_body = self.in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] = " ".join(f"{self.rows[-1][-1]} {data}".split())


def rows(response) -> list[list[str]]:
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def create(client, origins: str, *, name: str = "Blog", active: bool = True):
    data = {"name": name, "origins": origins} | ({"is_active": "on"} if active else {})
    return client.post(NEW, data)
