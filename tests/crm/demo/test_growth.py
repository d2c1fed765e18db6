from io import StringIO

import pytest
from django.core.management import call_command

from crm.audiences.models import Audience
from crm.models import Lead
from crm.tracking.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_has_audiences_with_members_scores_and_a_tracked_site():
    call_command("seed_demo", leads=800, reps=2, seed=5, stdout=StringIO())
    out = StringIO()

    call_command("seed_demo_growth", stdout=out)

    audiences = Audience.objects.all()
    assert audiences.count() == 2
    assert all(audience.member_count > 0 for audience in audiences), out.getvalue()
    assert Lead.objects.filter(score__gt=0).count() > 400
    assert Site.objects.count() == 1
    call_command("seed_demo_growth", "--if-empty", stdout=out)
    assert Audience.objects.count() == 2
