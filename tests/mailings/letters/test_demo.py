from io import StringIO

import pytest
from django.core.management import call_command

from followups.models import Touch
from mailings.letters.models import PrintRun
from mailings.letters.selectors import due_letter_touches

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_approved_run_for_the_mailroom_and_letters_still_due():
    call_command("seed_demo", leads=600, reps=2, seed=5, stdout=StringIO())
    out = StringIO()

    call_command("seed_demo_letters", stdout=out)

    run = PrintRun.objects.get()
    assert run.status == PrintRun.Status.APPROVED
    assert run.letters.filter(exception="").count() > 10
    assert due_letter_touches(run.created_at).count() > 0
    assert Touch.objects.filter(channel="letter").count() == run.letters.count() + 12
    assert "letters approved for the mailroom" in out.getvalue()
    call_command("seed_demo_letters", "--if-empty", stdout=out)
    assert PrintRun.objects.count() == 1
