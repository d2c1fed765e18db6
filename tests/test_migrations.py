from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# crm 0014: free-text outcomes become codes


BEFORE_CODES = [("crm", "0013_interaction_import_lead_idx")]
CODES = [("crm", "0014_outcome_codes")]
# (kind, outcome before 0014, after it)
OUTCOMES = [
    ("call", "Connected: interested", "interested"),  # the queue stored the label
    ("call", "  no ANSWER ", "no_answer"),  # any case, trimmed
    ("call", "Call back at...", "call_back"),
    ("call", "Meeting", "meeting"),  # the code itself, in any case
    ("call", "voicemail", "voicemail"),
    ("call", "Connected", "Connected"),  # no label: kept, shown as it is
    ("call", "", ""),
    ("meeting", "Held", "held"),
    ("meeting", "Meeting booked", "Meeting booked"),  # a call's label, not a meeting's
    ("support_call", "Resolved", "resolved"),
    ("content_download", "Pricing guide", "Pricing guide"),
    ("note", "No answer", "No answer"),  # a note has no outcomes
]


def migrate(targets):
    """The database migrated to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def outcomes(apps) -> list[tuple[str, str]]:
    Interaction = apps.get_model("crm", "Interaction")
    return list(Interaction.objects.order_by("pk").values_list("kind", "outcome"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_free_text_outcomes_that_match_a_label_or_code_of_their_kind_become_codes():
    try:
        apps = migrate(BEFORE_CODES)
        lead = apps.get_model("crm", "Lead").objects.create(email="old@example.com")
        Interaction = apps.get_model("crm", "Interaction")
        for kind, before, _after in OUTCOMES:
            Interaction.objects.create(lead=lead, kind=kind, outcome=before)

        assert outcomes(migrate(CODES)) == [(kind, after) for kind, _before, after in OUTCOMES]
        assert [outcome for _kind, outcome in outcomes(migrate(BEFORE_CODES))] == [
            "Connected: interested",
            "No answer",
            "Call back at…",
            "Meeting booked",
            "Left a voicemail",
            "Connected",
            "",
            "Meeting held",
            "Meeting booked",
            "Resolved",
            "Pricing guide",
            "No answer",
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# mailings 0008 and followups 0006: drips and rules become cadences


BEFORE_CADENCES = [("mailings", "0007_cadences"), ("followups", "0005_cadences")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_drips_and_rules_become_cadences_keeping_their_history():
    try:
        apps = migrate(BEFORE_CADENCES)
        old = _drips_and_rules(apps)
        apps = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        Cadence = apps.get_model("followups", "Cadence")

        cart = Cadence.objects.get(slug="cart-rescue")
        assert (cart.name, cart.is_active) == ("Cart rescue", True)
        assert "purchase" in cart.exit_on and "replied" in cart.exit_on
        assert list(cart.triggers.values_list("kind", "campaign_id")) == [
            ("cart_abandoned", old["campaign"])
        ]
        steps = list(
            cart.steps.order_by("position").values_list("pk", "channel", "wait", "wait_unit")
        )
        assert steps == [
            (old["steps"][0], "email", 1, "hours"),
            (old["steps"][1], "email", 2, "business_days"),
        ]
        StepVariant = apps.get_model("mailings", "StepVariant")
        assert sorted(
            StepVariant.objects.filter(step__cadence=cart).values_list("label", flat=True)
        ) == ["A", "A", "B"]
        Enrolment = apps.get_model("followups", "Enrolment")
        enrolments = dict(Enrolment.objects.filter(cadence=cart).values_list("pk", "status"))
        assert enrolments == {old["active"]: "active", old["stopped"]: "exited"}
        active = Enrolment.objects.get(pk=old["active"])
        assert active.step_id == old["steps"][1]  # on the step its last email was for
        OutboxEmail = apps.get_model("mailings", "OutboxEmail")
        sent = OutboxEmail.objects.get(pk=old["sent"])
        assert (sent.enrolment_id, sent.step_id, sent.variant_id) == (
            old["active"],
            old["steps"][0],
            old["variant_b"],
        )
        Touch = apps.get_model("followups", "Touch")
        assert Touch.objects.get(pk=sent.touch_id).enrolment_id == old["active"]

        edited = Cadence.objects.get(slug=f"rule-{old['edited_rule']}")
        assert list(edited.triggers.values_list("kind", "sentiment")) == [("referral", "")]
        call = edited.steps.get()
        assert (call.channel, call.priority, call.script, call.wait, call.wait_unit) == (
            "call",
            77,
            "Thank them for the referral.",
            2,
            "business_days",
        )
        assert list(edited.policies.values_list("outcome", "action", "move_to__slug")) == [
            ("voicemail", "move", "voicemail-follow-up")
        ]
        assert not Cadence.objects.filter(name="Content download: call now").exists()
        assert Cadence.objects.filter(installed="content_download").exists()
        new_ids = Cadence.objects.create(name="Later", slug="later").steps.create(position=1)
        assert new_ids.pk > max(old["steps"])  # the id sequences go past the kept ids
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _drips_and_rules(apps) -> dict:
    Lead = apps.get_model("crm", "Lead")
    Campaign = apps.get_model("crm", "Campaign")
    Drip = apps.get_model("mailings", "Drip")
    Rule = apps.get_model("followups", "Rule")
    Touch = apps.get_model("followups", "Touch")
    OutboxEmail = apps.get_model("mailings", "OutboxEmail")
    Enrolment = apps.get_model("mailings", "Enrolment")
    expo = Campaign.objects.create(name="Expo")
    lead = Lead.objects.create(email="old@example.com")
    drip = Drip.objects.create(
        name="Cart rescue", slug="cart-rescue", trigger_kind="cart_abandoned",
        trigger_campaign=expo, stop_on_purchase=True,
    )  # fmt: skip
    first = drip.steps.create(position=1, delay=1)
    second = drip.steps.create(position=2, delay=2, delay_unit="business_days")
    a = first.variants.create(label="A", subject="A", html_body="<p>A</p>")
    b = first.variants.create(label="B", subject="B", html_body="<p>A</p>")
    second.variants.create(label="A", subject="Two", html_body="<p>Two</p>")
    active = Enrolment.objects.create(drip=drip, lead=lead, source="cart")
    stopped = Enrolment.objects.create(
        drip=drip, lead=Lead.objects.create(email="gone@example.com"), source="cart",
        status="stopped", stop_reason="Replied",
    )  # fmt: skip
    for step, variant, status in ((first, b, "sent"), (second, a, "pending")):
        touch = Touch.objects.create(
            lead=lead,
            channel="email",
            due_at="2026-01-01T00:00Z",
            reason="r",
            origin="o",
            key=f"drip:{active.pk}:step:{step.pk}",
            status="done" if status == "sent" else "pending",
        )
        outbox = OutboxEmail.objects.create(
            enrolment=active, step=step, variant=variant, lead=lead, touch=touch, status=status
        )
        if status == "sent":
            sent = outbox
    edited = Rule.objects.create(
        name="Referral: call", trigger_kind="referral", channel="call", priority=77,
        delay_business_days=2, talking_points="Thank them for the referral.",
    )  # fmt: skip
    Drip.objects.create(name="Voicemail", slug="voicemail-follow-up", for_call_outcome="voicemail")
    return {
        "campaign": expo.pk,
        "steps": [first.pk, second.pk],
        "active": active.pk,
        "stopped": stopped.pk,
        "sent": sent.pk,
        "variant_b": b.pk,
        "edited_rule": edited.pk,
    }
