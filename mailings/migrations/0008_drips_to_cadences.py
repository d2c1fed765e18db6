"""Drips and rules become cadences, keeping everything they did.

- Each drip becomes a cadence of automatic email steps: its steps keep their
  ids (so every variant and outbox row, the A/B history, still points at them),
  its enrolments keep theirs (as do the outbox rows that name them); their
  touches learn their enrolment and step in followups 0006 (touches are
  followups' to write). "Enrol when" becomes a trigger, "a
  purchase ends it" an exit.
- Each rule a manager added or changed becomes a cadence of one step with the
  rule's trigger, delay, priority, people and talking points. An email rule that
  a drip sent becomes that drip's trigger. The four rules every installation
  started with, never changed, are left to the installed plays that replace
  them (mailings 0009).
- The drips that sent the emails a call outcome planned (a voicemail, no
  answer after the last try) become where those outcomes move the lead to.
"""

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations, models

DEFAULT_EXITS = ["replied", "meeting", "unsubscribed", "bounced"]
DEFAULT_RULES = {
    "Content download: call now": ("content_download", "", "call", 0, 0, 90, "owner"),
    "Booth visit: call the next business day": ("booth_visit", "", "call", 0, 1, 60, "owner"),
    "Unhappy support call: a manager calls with an apology": (
        "support_call",
        "negative",
        "call",
        0,
        0,
        95,
        "manager",
    ),
    "Purchase: upsell 30 days later": ("purchase", "", "email", 30 * 24 * 60, 0, 30, "owner"),
}
STATUS = {"active": "active", "completed": "finished", "stopped": "exited"}


def _constraints_now(schema_editor) -> None:
    """PostgreSQL checks foreign keys at commit; this migration changes tables after
    writing rows, which it refuses while checks are pending: check them at once."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def convert(apps, schema_editor):
    _constraints_now(schema_editor)
    policies_to = _drips_to_cadences(apps)
    _rules_to_cadences(apps, policies_to)
    _reset_sequences(apps, schema_editor)


def _drips_to_cadences(apps) -> dict[str, object]:
    Drip = apps.get_model("mailings", "Drip")
    Cadence = apps.get_model("followups", "Cadence")
    moved_by_outcome = {}
    for drip in Drip.objects.order_by("pk"):
        exits = DEFAULT_EXITS + (["purchase"] if drip.stop_on_purchase else [])
        cadence = Cadence.objects.create(
            name=drip.name,
            slug=_free_slug(Cadence, drip.slug),
            is_active=drip.is_active,
            exit_on=exits,
            created_at=drip.created_at,
            description="Was the drip “%s”." % drip.name,
        )
        if drip.trigger_kind:
            cadence.triggers.create(kind=drip.trigger_kind, campaign_id=drip.trigger_campaign_id)
        _steps(apps, drip, cadence)
        _enrolments(apps, drip, cadence)
        if drip.for_call_outcome:
            moved_by_outcome.setdefault(drip.for_call_outcome, cadence)
        if drip.for_rule_id:
            moved_by_outcome.setdefault(f"rule:{drip.for_rule_id}", cadence)
    return moved_by_outcome


def _steps(apps, drip, cadence) -> None:
    DripStep = apps.get_model("mailings", "DripStep")
    CadenceStep = apps.get_model("followups", "CadenceStep")
    CadenceStep.objects.bulk_create(
        CadenceStep(
            pk=step.pk,
            cadence=cadence,
            position=step.position,
            channel="email",
            wait=step.delay,
            wait_unit=step.delay_unit,  # "hours" and "business_days" mean the same here
            wait_after=step.delay_after,
            priority=40,
        )
        for step in DripStep.objects.filter(drip=drip).order_by("position")
    )


def _enrolments(apps, drip, cadence) -> None:
    Old = apps.get_model("mailings", "Enrolment")
    Enrolment = apps.get_model("followups", "Enrolment")
    OutboxEmail = apps.get_model("mailings", "OutboxEmail")
    latest_step = {}
    for enrolment_id, step_id in (
        OutboxEmail.objects.filter(enrolment__drip=drip)
        .order_by("enrolment_id", "step__position")
        .values_list("enrolment_id", "step_id")
    ):
        latest_step[enrolment_id] = step_id
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                pk=old.pk,
                cadence=cadence,
                lead_id=old.lead_id,
                status=STATUS[old.status],
                step_id=latest_step.get(old.pk),
                attempt=1,
                source=old.source,
                interaction_id=old.interaction_id,
                enrolled_by_id=old.enrolled_by_id,
                enrolled_at=old.enrolled_at,
                ended_at=old.ended_at,
                exit_reason=old.stop_reason,
            )
            for old in Old.objects.filter(drip=drip).iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


def _rules_to_cadences(apps, moved_by_outcome) -> None:
    Rule = apps.get_model("followups", "Rule")
    Cadence = apps.get_model("followups", "Cadence")
    for rule in Rule.objects.order_by("pk"):
        if _is_untouched_default(rule):
            _retire(moved_by_outcome.get(f"rule:{rule.pk}"))
            continue
        drip_cadence = moved_by_outcome.get(f"rule:{rule.pk}")
        if rule.channel == "email" and drip_cadence is not None:
            drip_cadence.triggers.create(kind=rule.trigger_kind, sentiment=rule.trigger_sentiment)
            _first_wait(apps, drip_cadence, rule)
            continue
        cadence = Cadence.objects.create(
            name=rule.name,
            slug=_free_slug(Cadence, f"rule-{rule.pk}"),
            is_active=rule.is_active,
            exit_on=list(DEFAULT_EXITS),
            assign=rule.assign,
            description="Was the follow-up rule “%s”." % rule.name,
        )
        cadence.reps.set(rule.reps.all())
        cadence.triggers.create(kind=rule.trigger_kind, sentiment=rule.trigger_sentiment)
        cadence.steps.create(
            position=1,
            channel=rule.channel,
            priority=rule.priority,
            script=rule.talking_points,
            **_wait(rule),
        )
        if rule.channel == "call":
            _call_policies(cadence, moved_by_outcome)


def _retire(cadence) -> None:
    """The email of a default rule left to the installed plays: kept, with its
    history, but switched off (the play "First purchase: the upsell" sends it now)."""
    if cadence is not None:
        cadence.is_active = False
        cadence.description += " Its rule was replaced by an installed play."
        cadence.save(update_fields=["is_active", "description"])


def _is_untouched_default(rule) -> bool:
    default = DEFAULT_RULES.get(rule.name)
    if default is None or rule.reps.exists():
        return False
    kind, sentiment, channel, minutes, days, priority, assign = default
    return (rule.trigger_kind, rule.trigger_sentiment, rule.channel, rule.delay_minutes) == (
        kind,
        sentiment,
        channel,
        minutes,
    ) and (rule.delay_business_days, rule.priority, rule.assign) == (days, priority, assign)


def _wait(rule) -> dict:
    if rule.delay_business_days:
        return {"wait": rule.delay_business_days, "wait_unit": "business_days"}
    return {"wait": rule.delay_minutes, "wait_unit": "minutes"}


def _first_wait(apps, cadence, rule) -> None:
    first = cadence.steps.order_by("position").first()
    if first is not None and first.wait == 0:
        for field, value in _wait(rule).items():
            setattr(first, field, value)
        first.save(update_fields=["wait", "wait_unit"])


def _call_policies(cadence, moved_by_outcome) -> None:
    voicemail = moved_by_outcome.get("voicemail")
    if voicemail is not None:
        cadence.policies.create(outcome="voicemail", action="move", move_to=voicemail)
    no_answer = moved_by_outcome.get("no_answer")
    if no_answer is not None:
        cadence.policies.create(outcome="no_answer", action="retry", retry_cap=3, move_to=no_answer)


def _free_slug(Cadence, slug: str) -> str:
    candidate, n = slug[:100], 2
    while Cadence.objects.filter(slug=candidate).exists():
        candidate, n = f"{slug[:95]}-{n}", n + 1
    return candidate


def _reset_sequences(apps, schema_editor) -> None:
    """Rows were written with their old ids: the id sequences go past them."""
    models_ = [apps.get_model("followups", name) for name in ("CadenceStep", "Enrolment")]
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(sql)


def forget_cadences_content(apps, schema_editor):
    """Going back (a developer's downgrade): cadences do not turn back into drips.
    What they sent is dropped, so the old tables can be restored (followups 0006
    dropped the cadences and their touches before this runs)."""
    _constraints_now(schema_editor)
    apps.get_model("mailings", "OutboxEmail").objects.all().delete()
    apps.get_model("mailings", "StepVariant").objects.all().delete()
    apps.get_model("mailings", "StepLetter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0005_cadences"),
        ("mailings", "0007_cadences"),
    ]
    run_before = [("followups", "0006_rules_removed")]

    operations = [
        migrations.RunPython(convert, migrations.RunPython.noop, elidable=False),
        # A step may be sent again (a reminder that repeats, a step resumed): each
        # touch has its one email (the one-to-one), not each step.
        migrations.RemoveConstraint(model_name="outboxemail", name="outbox_once_per_step"),
        migrations.AddField(
            model_name="outboxemail",
            name="sent_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="crm.user",
            ),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="html_body",
            field=models.TextField(blank=True, help_text="A personal email's words, as sent."),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="text_body",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                help_text="What the step sends; a personal email: what its rep started from.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="emails",
                to="mailings.stepvariant",
            ),
        ),
        migrations.AlterField(
            model_name="stepvariant",
            name="step",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="variants",
                to="followups.cadencestep",
            ),
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="step",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="emails",
                to="followups.cadencestep",
            ),
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="enrolment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="emails",
                to="followups.enrolment",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, forget_cadences_content),
        migrations.DeleteModel(name="Enrolment"),
        migrations.DeleteModel(name="DripStep"),
        migrations.DeleteModel(name="Drip"),
    ]
