"""The apps above crm record through its audit service: a print run approved,
a cadence built, changed or switched on and off."""

import pytest

from crm.audit.models import AuditEntry
from crm.models import Lead
from crm.templatetags.audit import audit_sentence
from followups.cadences.models import Cadence, CadenceStep, Channel, WaitUnit
from mailings.cadences.builder.services import CadenceDraft, StepDraft, cadence_build
from mailings.cadences.services import cadence_switch_off, cadence_switch_on
from mailings.letters.runs import print_run_approve, print_run_create
from tests.followups.cadences.factories import CadenceFactory
from tests.mailings.cadences.builder.factories import add_step
from tests.mailings.letters.factories import LetterTemplateFactory, MailableLeadFactory

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def test_approving_a_print_run_records_who_and_how_many_letters(manager_maria):
    MailableLeadFactory.create_batch(2)
    MailableLeadFactory(do_not_mail=True)  # an exception, not printed
    run = print_run_create(
        name="Expo letters",
        template=LetterTemplateFactory(name="Thanks for visiting"),
        paper="letter",
        created_by=manager_maria,
        leads=Lead.objects.all(),
    )

    print_run_approve(run=run, by=manager_maria)

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.lead_id) == (
        Action.PRINT_RUN_APPROVED,
        manager_maria,
        None,
    )
    assert (entry.subject_id, entry.subject_label) == (run.pk, "Expo letters")
    assert entry.changes == {"status": ["draft", "approved"]}
    assert entry.data == {"letters": 2, "template": "Thanks for visiting"}
    assert audit_sentence(entry) == (
        "Maria Manager approved the print run Expo letters (2 letters)"
    )


def test_building_a_cadence_records_it_and_a_change_records_from_what_to_what(manager_maria):
    draft = CadenceDraft(
        cadence=Cadence(name="Expo", slug="expo"),
        reps=[],
        triggers=[],
        steps=[
            StepDraft(
                step=CadenceStep(channel=Channel.CALL, wait=1, wait_unit=WaitUnit.DAYS),
                ref="n1",
            )
        ],
    )
    cadence = cadence_build(draft=draft, by=manager_maria)
    step = cadence.steps.get()
    step.wait = 2
    cadence.name = "Expo 2026"

    cadence_build(
        draft=CadenceDraft(
            cadence=cadence, reps=[], triggers=[], steps=[StepDraft(step=step, ref="s")]
        ),
        by=manager_maria,
    )

    created, changed = AuditEntry.objects.order_by("pk")
    assert (created.action, created.actor, created.note) == (
        Action.CADENCE_CHANGED,
        manager_maria,
        "created",
    )
    assert created.changes["steps"] == [None, ["1. Call, 1 day after the step before"]]
    assert changed.subject_id == cadence.pk
    assert changed.changes == {
        "name": ["Expo", "Expo 2026"],
        "steps": [
            ["1. Call, 1 day after the step before"],
            ["1. Call, 2 days after the step before"],
        ],
    }


def test_saving_a_cadence_unchanged_records_nothing(manager_maria):
    cadence = CadenceFactory()
    step = add_step(cadence, Channel.TASK)
    draft = CadenceDraft(
        cadence=cadence, reps=[], triggers=[], steps=[StepDraft(step=step, ref="s")]
    )

    cadence_build(draft=draft, by=manager_maria)

    assert not AuditEntry.objects.exists()


def test_switching_a_cadence_on_and_off_is_recorded(manager_maria):
    cadence = CadenceFactory(is_active=False)

    cadence_switch_on(cadence=cadence, by=manager_maria, recent_days=None)
    cadence_switch_off(cadence=cadence, by=manager_maria)

    entries = AuditEntry.objects.order_by("pk")
    assert [(entry.actor, entry.changes) for entry in entries] == [
        (manager_maria, {"is_active": [False, True]}),
        (manager_maria, {"is_active": [True, False]}),
    ]
    assert audit_sentence(entries[0]) == (
        f"Maria Manager changed the cadence {cadence.name}: is active from no to yes"
    )
