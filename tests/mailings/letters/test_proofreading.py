"""Every installed letter template, proofread for unusual people, companies and
campaigns: the text read back from the PDF reads as a person would write it."""

import io
import re

import pdfplumber
import pytest

from mailings.letters.compose import letters_pdf
from mailings.letters.models import LetterTemplate
from tests.factories import CampaignFactory, UserFactory
from tests.mailings.letters.factories import MailableLeadFactory

pytestmark = pytest.mark.django_db

# first name, last name, company, campaign, the greeting, what the letter must say
UNUSUAL = [
    ("Madonna", "", "", "", "Dear Madonna,", ""),
    ("Anna", "van der Berg", "Acme Inc.", "EXPO_2026", "Dear Anna,", "at Expo 2026."),
    ("Sinéad", "O'Neill", "Yahoo!", "The Web Summit", "Dear Sinéad,", "at the Web Summit."),
    ("JOSÉ", "GARCÍA", "ACME S.A.", "Expo 2026 Booth", "Dear José,", "at Expo 2026."),
    ("", "Smith", "Smith & Sons, Ltd.", "web_summit", "Dear friend,", "at Web Summit."),
    ("MCDONALD", "", "", "", "Dear MCDONALD,", ""),
    ("", "", "", "", "Dear friend,", ""),
    ("  Jean-Pierre ", "  ", " Café  du  Nord ", "Salon du Vin", "Dear Jean-Pierre,", ""),
]
INSTALLED = ["conference-follow-up", "service-reminder", "thank-you", "apology-offer"]


@pytest.fixture
def leads() -> list:
    rep = UserFactory(first_name="Alice", last_name="Rep")
    return [
        MailableLeadFactory(
            first_name=first,
            last_name=last,
            company=company,
            source_campaign=CampaignFactory(name=campaign) if campaign else None,
            owner=rep,
        )
        for first, last, company, campaign, *_ in UNUSUAL
    ]


def pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_text() for page in document.pages]


def test_the_installed_templates_are_the_ones_proofread():
    assert set(LetterTemplate.objects.values_list("slug", flat=True)) >= set(INSTALLED)


@pytest.mark.parametrize("slug", INSTALLED)
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_every_installed_template_reads_naturally_for_unusual_data(leads, slug, paper):
    template = LetterTemplate.objects.get(slug=slug)

    pages = pages_text(letters_pdf(template, leads, paper=paper))

    assert len(pages) == len(UNUSUAL)  # one page each: nothing spills over
    for text, (*_, greeting, says) in zip(pages, UNUSUAL, strict=True):
        prose = " ".join(text.split("\n"))
        assert greeting in prose, prose
        assert not re.search(r"\bDear\s*[,.]", prose), prose
        for blunder in ("..", " ,", " .", "None", "  ", "!.", "the the", "_"):
            assert blunder not in prose, (blunder, prose)
        if slug == "conference-follow-up" and says:
            assert says in prose, prose


def test_a_company_ending_in_a_full_stop_gets_one_full_stop(leads):
    template = LetterTemplate.objects.get(slug="conference-follow-up")

    text = pages_text(letters_pdf(template, leads[1:2], paper="letter"))[0]

    assert "at Acme Inc." in text and "Acme Inc.." not in text
