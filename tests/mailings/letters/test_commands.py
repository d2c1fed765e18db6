"""print_letters and print_labels: the same PDFs from the command line."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from followups.models import Touch
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory
from tests.mailings.letters.reading import read_pdf

pytestmark = pytest.mark.django_db


def test_print_letters_renders_the_given_leads_in_the_given_order(tmp_path, capsys):
    LetterTemplateFactory(slug="thank-you")
    first, second = MailableLeadFactory(last_name="Second"), MailableLeadFactory(last_name="First")
    left_out = MailableLeadFactory(do_not_mail=True)
    out = tmp_path / "letters.pdf"

    call_command(
        "print_letters",
        "--template=thank-you",
        "--paper=a4",
        f"--out={out}",
        f"--leads={second.pk},{first.pk},{left_out.pk}",
    )

    pages = read_pdf(out.read_bytes())
    assert ["First" in pages[0].text(), "Second" in pages[1].text(), len(pages)] == [True, True, 2]
    assert f"Left out lead {left_out.pk}" in capsys.readouterr().err


def test_print_letters_without_leads_takes_the_due_letter_touches(tmp_path):
    LetterTemplateFactory(slug="thank-you")
    due = MailableLeadFactory(last_name="Duesworth")
    Touch.objects.create(
        lead=due,
        channel="letter",
        due_at=timezone.now() - dt.timedelta(hours=1),
        reason="Giveaway entry",
        origin="by hand",
        key="due",
    )
    MailableLeadFactory(last_name="Notdue")
    out = tmp_path / "due.pdf"

    call_command("print_letters", "--template=thank-you", f"--out={out}")

    (page,) = read_pdf(out.read_bytes())
    assert "Duesworth" in page.text()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--template=nope", "--leads=1"], "No letter template 'nope'"),
        (["--template=thank-you", "--leads=1,x"], "--leads takes lead ids"),
        (["--template=thank-you", "--leads=999999"], "No lead with id 999999"),
    ],
)
def test_print_letters_explains_bad_arguments(tmp_path, arguments, message):
    LetterTemplateFactory(slug="thank-you")
    with pytest.raises(CommandError, match=message):
        call_command("print_letters", *arguments, f"--out={tmp_path / 'x.pdf'}")
    assert not (tmp_path / "x.pdf").exists()


def test_print_labels_fills_a_sheet_per_thirty_addresses(tmp_path):
    leads = [MailableLeadFactory() for _ in range(31)]
    out = tmp_path / "labels.pdf"

    call_command(
        "print_labels",
        "--sheet=avery5160",
        f"--out={out}",
        f"--leads={','.join(str(lead.pk) for lead in leads)}",
    )

    assert len(PdfReader(out).pages) == 2
    assert leads[30].last_name in read_pdf(out.read_bytes())[1].text()
