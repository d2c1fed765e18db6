import pytest

from crm.models import Lead
from crm.pagination import capped_count, keyset_paginate
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

ORDER = ("-id",)


def test_a_first_page_that_holds_every_row_is_not_counted_again(django_assert_num_queries):
    leads = LeadFactory.create_batch(3)

    with django_assert_num_queries(1):
        page = keyset_paginate(Lead.objects.all(), ordering=ORDER, size=3)

    assert [lead.pk for lead in page.items] == sorted((lead.pk for lead in leads), reverse=True)
    assert (page.total, page.total_is_capped, page.next_after) == (3, False, None)


def test_a_full_first_page_is_counted(django_assert_num_queries):
    LeadFactory.create_batch(4)

    with django_assert_num_queries(2):
        page = keyset_paginate(Lead.objects.all(), ordering=ORDER, size=3)

    assert (len(page.items), page.total, page.total_is_capped) == (3, 4, False)


def test_a_later_page_is_counted_whole():
    LeadFactory.create_batch(4)
    first = keyset_paginate(Lead.objects.all(), ordering=ORDER, size=3)

    page = keyset_paginate(Lead.objects.all(), ordering=ORDER, size=3, after=first.next_after)

    assert (len(page.items), page.total) == (1, 4)


def test_a_count_stops_at_its_cap():
    LeadFactory.create_batch(4)

    assert capped_count(Lead.objects.all(), 3) == (3, True)
    assert capped_count(Lead.objects.all(), 4) == (4, False)
