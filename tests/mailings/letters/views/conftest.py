"""The letter pages' people, templates, leads and print runs at each status."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from crm.models import Lead
from followups.models import Channel, Touch
from mailings.letters.models import LetterTemplate, PrintRun
from mailings.letters.runs import print_run_approve, print_run_create, print_run_generate
from tests.mailings.letters.factories import (
    LetterTemplateFactory,
    MailableLeadFactory,
)

Status = PrintRun.Status


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def mailroom(mailroom_max) -> Client:
    return signed_in(mailroom_max)


@pytest.fixture
def template(db) -> LetterTemplate:
    return LetterTemplateFactory(name="Conference follow-up", slug="conference-follow-up")


@pytest.fixture
def leads(rep_alice) -> list[Lead]:
    return [
        MailableLeadFactory(first_name=first, last_name=last, owner=rep_alice)
        for first, last in (("Dana", "Whitfield"), ("Omar", "Haddad"), ("Lena", "Brooks"))
    ]


@pytest.fixture
def unmailable(rep_alice) -> Lead:
    return MailableLeadFactory(first_name="Nora", last_name="Nomail", do_not_mail=True)


def make_run(template, manager, leads, *, name="Conference follow-up") -> PrintRun:
    ids = [lead.pk for lead in leads]
    return print_run_create(
        name=name,
        template=template,
        paper="letter",
        created_by=manager,
        leads=Lead.objects.filter(pk__in=ids),
    )


@pytest.fixture
def draft(template, manager_maria, leads, unmailable) -> PrintRun:
    return make_run(template, manager_maria, [*leads, unmailable])


@pytest.fixture
def approved(draft, manager_maria) -> PrintRun:
    return print_run_approve(run=draft, by=manager_maria)


@pytest.fixture
def ready(approved) -> PrintRun:
    run = print_run_generate(run=approved)  # JOBS_MODE=inline: rendered and merged at once
    run.refresh_from_db()
    assert run.status == Status.READY
    return run


def due_letter_touch(lead: Lead, *, days_ago: int = 1) -> Touch:
    return Touch.objects.create(
        lead=lead,
        channel=Channel.LETTER,
        due_at=timezone.now() - dt.timedelta(days=days_ago),
        reason="Thank-you letter after the booth visit",
        origin="test",
        key=f"test-letter:{lead.pk}",
    )
