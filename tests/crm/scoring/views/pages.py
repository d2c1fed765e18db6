"""What the tests of the scoring pages read: the tables of the page, the messages,
each rule's addresses, and leads with one interaction of a kind."""

import datetime as dt
from html.parser import HTMLParser

from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Interaction, Lead
from crm.scoring.models import ScoringRule
from tests.factories import InteractionFactory, LeadFactory

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
Kind = Interaction.Kind
LIST, NEW = reverse("scoring:list"), reverse("scoring:create")


def did(kind: str, **lead_fields) -> Lead:
    """A lead with one interaction of this kind, written straight to the table
    (no hooks): its score stays 0 until something rescores it."""
    lead = LeadFactory(**lead_fields)
    InteractionFactory(lead=lead, kind=kind, occurred_at=NOW)
    return lead


def score_of(lead: Lead) -> int:
    lead.refresh_from_db()
    return lead.score


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def edit_url(rule: ScoringRule) -> str:
    return reverse("scoring:edit", args=[rule.pk])


def delete_url(rule: ScoringRule) -> str:
    return reverse("scoring:delete", args=[rule.pk])


class _Tables(HTMLParser):
    """Each table by its first class: row heading -> the other cells' text; and
    each table's links, in order."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self.table, self.row, self.cell = {}, {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = (attrs.get("class") or "table").split()[0]
            self.tables[self.table], self.links[self.table] = {}, []
        elif tag == "tr" and self.table:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []
        elif tag == "a" and self.table:
            self.links[self.table].append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row:
            self.tables[self.table][self.row[0]] = self.row[1:]
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page(client) -> _Tables:
    response = client.get(LIST)
    assert response.status_code == 200
    tables = _Tables()
    tables.feed(response.text)
    return tables
