import pytest
from django.db import IntegrityError

from crm.audiences.models import Audience, AudienceMember
from crm.outcomes import CallOutcome
from followups.cadences.models import (
    Cadence,
    CadenceStep,
    CadenceTrigger,
    Channel,
    Enrolment,
    OutcomePolicy,
    WaitUnit,
)
from followups.cadences.services import enrolment_create
from followups.models import Touch
from mailings.cadences.builder.services import (
    CadenceDraft,
    PolicyDraft,
    StepDraft,
    cadence_build,
)
from mailings.letters.models import StepLetter
from mailings.models import StepVariant
from tests.factories import LeadFactory
from tests.followups.cadences.factories import CadenceFactory
from tests.mailings.cadences.builder.factories import add_step
from tests.mailings.letters.factories import LetterTemplateFactory

pytestmark = pytest.mark.usefixtures("clock")
Action = OutcomePolicy.Action


def draft_of(cadence: Cadence, steps: list[StepDraft], **fields) -> CadenceDraft:
    return CadenceDraft(cadence=cadence, reps=[], triggers=[], steps=steps, **fields)


def kept(step: CadenceStep, **changes) -> StepDraft:
    for name, value in changes.items():
        setattr(step, name, value)
    return StepDraft(step=step, ref=f"s{step.pk}", variants=list(step.variants.all()))


def shape(cadence: Cadence) -> list[tuple]:
    return [(step.position, step.channel, step.script) for step in cadence.steps.all()]


def test_a_new_cadence_is_saved_with_its_steps_content_triggers_and_author(manager_maria):
    template = LetterTemplateFactory()
    draft = CadenceDraft(
        cadence=Cadence(name="Expo", slug="expo"),
        reps=[],
        triggers=[CadenceTrigger(kind="booth_visit")],
        steps=[
            StepDraft(
                step=CadenceStep(channel=Channel.CALL, wait=1, wait_unit=WaitUnit.BUSINESS_DAYS),
                ref="n00000001",
            ),
            StepDraft(
                step=CadenceStep(channel=Channel.EMAIL, wait=1, wait_unit=WaitUnit.DAYS),
                ref="n00000002",
                variants=[StepVariant(label="A", subject="Hi", html_body="<p>Hi</p>")],
            ),
            StepDraft(
                step=CadenceStep(channel=Channel.LETTER, wait=3, wait_unit=WaitUnit.DAYS),
                ref="n00000003",
                template=template,
                repeat_ref="n00000002",
            ),
        ],
    )

    cadence = cadence_build(draft=draft, by=manager_maria)

    assert cadence.created_by == manager_maria
    assert [(s.position, s.channel, s.repeat_from) for s in cadence.steps.all()] == [
        (1, "call", None),
        (2, "email", None),
        (3, "letter", 2),
    ]
    assert StepVariant.objects.get(step__cadence=cadence).subject == "Hi"
    assert StepLetter.objects.get(step__cadence=cadence).template == template
    assert [trigger.describe() for trigger in cadence.triggers.all()] == ["Booth visit"]


def test_reordering_renumbers_every_step_without_meeting_the_unique_position(db, manager_maria):
    cadence = CadenceFactory()
    one, two, three = (add_step(cadence, Channel.TASK, script=name) for name in "abc")
    draft = draft_of(cadence, [kept(three), kept(one), kept(two)])

    cadence_build(draft=draft, by=manager_maria)

    assert shape(cadence) == [(1, "task", "c"), (2, "task", "a"), (3, "task", "b")]
    assert cadence.steps.get(position=1).pk == three.pk  # the same step, moved


def test_those_on_a_removed_step_go_where_the_manager_said(db, manager_maria):
    cadence = CadenceFactory()
    first = add_step(cadence, Channel.TASK, script="first")
    second = add_step(cadence, Channel.TASK, script="second")
    third = add_step(cadence, Channel.TASK, script="third")
    enrolment = enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")
    draft = draft_of(cadence, [kept(third), kept(second)], removed=[(first, f"s{second.pk}")])

    cadence_build(draft=draft, by=manager_maria)

    enrolment.refresh_from_db()
    assert shape(cadence) == [(1, "task", "third"), (2, "task", "second")]
    assert enrolment.step == second
    assert Touch.objects.get(enrolment=enrolment, step=second).status == Touch.Status.PENDING
    assert Touch.objects.get(enrolment=enrolment, step=None).status == Touch.Status.CANCELLED


def test_those_on_a_removed_step_finish_when_the_manager_says_so(db, manager_maria):
    cadence = CadenceFactory()
    first = add_step(cadence, Channel.TASK)
    second = add_step(cadence, Channel.TASK)
    enrolment = enrolment_create(cadence=cadence, lead=LeadFactory(), source="test")

    cadence_build(draft=draft_of(cadence, [kept(second)], removed=[(first, "")]), by=manager_maria)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.FINISHED


def test_only_policies_that_differ_from_the_default_are_stored(db, manager_maria):
    cadence = CadenceFactory()
    call = add_step(cadence, Channel.CALL)
    other = CadenceFactory(name="Voicemail follow-up")
    OutcomePolicy.objects.create(cadence=cadence, outcome=CallOutcome.WRONG_NUMBER, action="finish")

    def policy(outcome, action, **fields) -> PolicyDraft:
        values = {"retry_cap": 3, "retry_wait": 1, "retry_wait_unit": WaitUnit.BUSINESS_DAYS}
        return PolicyDraft(outcome=outcome, action=action, **(values | fields))

    policies = [
        policy(CallOutcome.INTERESTED, Action.NEXT, retry_cap=9),  # the default; cap unused
        policy(CallOutcome.NO_ANSWER, Action.RETRY, retry_cap=5),
        policy(CallOutcome.VOICEMAIL, Action.MOVE, move_to=other),
        policy(CallOutcome.NOT_INTERESTED, Action.JUMP, jump_ref=f"s{call.pk}"),
        policy(CallOutcome.WRONG_NUMBER, Action.NEXT),  # back to the default
    ]

    cadence_build(draft=draft_of(cadence, [kept(call)], policies=policies), by=manager_maria)

    stored = {
        p.outcome: (p.action, p.retry_cap, p.jump_to, p.move_to_id) for p in cadence.policies.all()
    }
    assert stored == {
        "no_answer": ("retry", 5, None, None),
        "voicemail": ("move", 3, None, other.pk),
        "not_interested": ("jump", 3, 1, None),
    }


def test_an_active_cadence_given_an_audience_enrols_its_members(db, manager_maria, audience):
    cadence = CadenceFactory(is_active=True)
    step = add_step(cadence, Channel.TASK)
    cadence.audience = audience

    cadence_build(draft=draft_of(cadence, [kept(step)], sync_audience=True), by=manager_maria)

    assert Enrolment.objects.filter(cadence=cadence).count() == 2


def test_saving_is_one_transaction(db, manager_maria):
    cadence = CadenceFactory(name="Before")
    step = add_step(cadence, Channel.EMAIL)
    cadence.name = "After"
    broken = kept(step)
    broken.variants.append(StepVariant(label="A", subject="Twice A", html_body="<p>A</p>"))

    with pytest.raises(IntegrityError):
        cadence_build(draft=draft_of(cadence, [broken]), by=manager_maria)

    cadence.refresh_from_db()
    assert cadence.name == "Before"


@pytest.fixture
def audience(db):
    audience = Audience.objects.create(name="Customers", definition={"match": "all", "rules": []})
    for lead in (LeadFactory(), LeadFactory()):
        AudienceMember.objects.create(audience=audience, lead=lead)
    return audience
