import pytest
from django.core.exceptions import ValidationError

from crm.models import Interaction
from crm.outcomes import (
    CONNECTED_CALL_OUTCOMES,
    OUTCOMES,
    is_valid_outcome,
    outcome_choices,
    outcome_error,
    outcome_label,
)
from crm.services import interaction_record
from tests.factories import InteractionFactory, LeadFactory

Kind = Interaction.Kind


def test_a_call_has_the_queues_outcomes_in_the_order_of_its_keys():
    assert outcome_choices(Kind.CALL) == [
        ("interested", "Connected: interested"),
        ("not_interested", "Connected: not interested"),
        ("meeting", "Meeting booked"),
        ("voicemail", "Left a voicemail"),
        ("no_answer", "No answer"),
        ("wrong_number", "Wrong number"),
        ("do_not_call", "Do not call"),
        ("call_back", "Call back at…"),
    ]


def test_meetings_support_calls_and_bounces_have_their_own_outcomes():
    assert [code for code, _ in outcome_choices(Kind.MEETING)] == [
        "held",
        "no_show",
        "rescheduled",
        "cancelled",
    ]
    assert [code for code, _ in outcome_choices(Kind.SUPPORT_CALL)] == [
        "resolved",
        "unresolved",
        "escalated",
    ]
    assert [code for code, _ in outcome_choices(Kind.EMAIL_BOUNCED)] == ["hard", "soft"]


def test_every_kind_with_outcomes_is_an_interaction_kind_and_the_others_have_none():
    assert set(OUTCOMES) <= set(Kind.values)
    assert outcome_choices(Kind.NOTE) == outcome_choices(Kind.WEB_VISIT) == []


def test_connected_calls_are_the_ones_where_someone_answered():
    assert set(CONNECTED_CALL_OUTCOMES) == {"interested", "not_interested", "meeting"}


@pytest.mark.parametrize(
    ("kind", "stored", "shown"),
    [
        (Kind.CALL, "interested", "Connected: interested"),
        (Kind.MEETING, "no_show", "No-show"),
        (Kind.SUPPORT_CALL, "escalated", "Escalated"),
        (Kind.CALL, "Spoke to the assistant", "Spoke to the assistant"),  # from before codes
        (Kind.MEETING, "interested", "interested"),  # another kind's code: as stored
        (Kind.CONTENT_DOWNLOAD, "Pricing guide", "Pricing guide"),
        (Kind.CALL, "", ""),
    ],
)
def test_an_outcome_is_shown_by_its_label_or_else_as_stored(kind, stored, shown):
    assert outcome_label(kind, stored) == shown
    assert Interaction(kind=kind, outcome=stored).outcome_label == shown


@pytest.mark.parametrize(
    ("kind", "code", "valid"),
    [
        (Kind.CALL, "meeting", True),
        (Kind.MEETING, "held", True),
        (Kind.CALL, "", True),
        (Kind.NOTE, "", True),
        (Kind.CALL, "held", False),  # a meeting's outcome
        (Kind.CALL, "Meeting booked", False),  # the label is not the code
        (Kind.CALL, "MEETING", False),
        (Kind.NOTE, "interested", False),  # a note has no outcomes
    ],
)
def test_an_outcome_is_valid_when_it_is_one_of_its_kinds_codes_or_none(kind, code, valid):
    assert is_valid_outcome(kind, code) is valid
    assert (outcome_error(kind, code) == "") is valid


def test_the_error_for_a_wrong_code_names_the_kinds_codes():
    assert outcome_error(Kind.MEETING, "interested") == (
        "“interested” is not an outcome of a meeting: "
        "use one of held, no_show, rescheduled, cancelled."
    )
    assert "a note has none" in outcome_error(Kind.NOTE, "interested")


@pytest.mark.django_db
def test_recording_an_interaction_refuses_an_outcome_of_another_kind(rep_alice):
    lead = LeadFactory(owner=rep_alice)

    with pytest.raises(ValidationError) as refused:
        interaction_record(lead=lead, kind=Kind.MEETING, outcome="interested")

    assert "held, no_show" in refused.value.message_dict["outcome"][0]
    assert not lead.interactions.exists()


@pytest.mark.django_db
def test_recording_an_interaction_stores_the_code(rep_alice):
    lead = LeadFactory(owner=rep_alice)

    interaction, _ = interaction_record(lead=lead, kind=Kind.MEETING, outcome="no_show")

    interaction.refresh_from_db()
    assert (interaction.outcome, interaction.outcome_label) == ("no_show", "No-show")


@pytest.mark.django_db
def test_the_lead_page_shows_outcomes_by_label_and_older_text_as_it_was(alice, rep_alice):
    lead = LeadFactory(owner=rep_alice)
    InteractionFactory(lead=lead, kind=Kind.CALL, outcome="wrong_number")
    InteractionFactory(lead=lead, kind=Kind.SUPPORT_CALL, outcome="Fixed the login")

    page = alice.get(lead.get_absolute_url()).text

    assert "Called: wrong number</strong>" in page
    assert "Called support — Fixed the login</strong>" in page
