"""crm.arrays: many rows written in one statement (on SQLite executemany); run on
both databases."""

from datetime import UTC, datetime

import pytest

from crm.arrays import rows_insert, rows_update
from crm.audit.models import AuditEntry
from crm.audit.services import AUDIT_COLUMNS
from crm.models import Interaction, Lead
from tests.factories import InteractionFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_rows_update_sets_each_rows_own_values_and_the_same_ones_to_all():
    first, second, untouched = LeadFactory.create_batch(3, score=1)
    rep = UserFactory()

    rows_update(
        Lead,
        ["score", "owner_id"],
        [(first.pk, 5, rep.pk), (second.pk, 7, None)],
        same={"score_computed_at": NOW},
    )

    stored = Lead.objects.in_bulk([first.pk, second.pk, untouched.pk])
    assert (stored[first.pk].score, stored[first.pk].owner) == (5, rep)
    assert (stored[second.pk].score, stored[second.pk].owner) == (7, None)
    assert stored[first.pk].score_computed_at == stored[second.pk].score_computed_at == NOW
    assert (stored[untouched.pk].score, stored[untouched.pk].score_computed_at) == (1, None)


def test_rows_update_writes_json_values_as_the_json_field_reads_them():
    interaction = InteractionFactory(data={})

    rows_update(Interaction, ["data"], [(interaction.pk, {"name": "signed_up", "n": 2})])

    interaction.refresh_from_db()
    assert interaction.data == {"name": "signed_up", "n": 2}


def test_rows_update_of_many_rows_is_one_statement(django_assert_num_queries):
    leads = LeadFactory.create_batch(30)

    with django_assert_num_queries(1):
        rows_update(Lead, ["score"], [(lead.pk, n) for n, lead in enumerate(leads)])

    assert sorted(Lead.objects.values_list("score", flat=True)) == list(range(30))


def test_rows_update_of_no_rows_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        rows_update(Lead, ["score"], [])


def entry(lead_id, actor_id, note="", changes=None):
    """An audit entry's values (AUDIT_COLUMNS)."""
    return (NOW, actor_id, "system", "changed", lead_id, "", None, "", changes or {}, {}, note)


def test_rows_insert_writes_columns_alike_in_every_row_and_those_that_differ():
    rep = UserFactory()
    owner = {"owner": [None, "alice"]}
    rows = [entry(1, rep.pk, changes=owner), entry(2, None, "x", owner), entry(1, rep.pk)]

    rows_insert(AuditEntry, AUDIT_COLUMNS, rows)

    stored = AuditEntry.objects.order_by("pk").values_list(*AUDIT_COLUMNS)
    assert [tuple(row) for row in stored] == rows


def test_rows_insert_of_rows_all_alike_writes_each():
    rows = [entry(1, None), entry(1, None)]

    rows_insert(AuditEntry, AUDIT_COLUMNS, rows)

    stored = AuditEntry.objects.values_list(*AUDIT_COLUMNS)
    assert [tuple(row) for row in stored] == rows
