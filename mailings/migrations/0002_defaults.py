"""The drips a new installation starts with, the first consent text, and the
roles' permissions. Managers change all of it in the browser or the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FOOTER_FREE = "Best regards,<br>{{ rep.full_name|default:'The team' }}"

DEFAULT_DRIPS = [
    {
        "name": "Voicemail follow-up",
        "slug": "voicemail-follow-up",
        "for_call_outcome": "voicemail",
        "steps": [
            (0, "hours", "Sorry I missed you, {{ lead.first_name|default:'there' }}",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>I tried to reach you by phone "
             "and left a voicemail. When would be a good time for a short call? Just reply "
             "to this email.</p><p>" + FOOTER_FREE + "</p>"),
        ],
    },
    {
        "name": "No answer follow-up",
        "slug": "no-answer-follow-up",
        "for_call_outcome": "no_answer",
        "steps": [
            (0, "hours", "Trying to reach you, {{ lead.first_name|default:'there' }}",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>I called a few times but "
             "could not reach you. If you still want to talk, reply with a time that suits "
             "you.</p><p>" + FOOTER_FREE + "</p>"),
        ],
    },
    {
        "name": "Abandoned cart",
        "slug": "abandoned-cart",
        "trigger_kind": "cart_abandoned",
        "stop_on_purchase": True,
        "steps": [
            (1, "hours", "You left something in your cart",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>Your cart is saved. Pick up "
             "where you left off whenever you are ready.</p><p>" + FOOTER_FREE + "</p>"),
            (24, "hours", "Still thinking it over?",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>Questions about your order? "
             "Reply to this email and a real person will answer.</p><p>" + FOOTER_FREE + "</p>"),
        ],
    },
    {
        "name": "Giveaway: value first",
        "slug": "giveaway-value-first",
        "trigger_kind": "giveaway_entry",
        "steps": [
            (0, "hours", "Thanks for entering, {{ lead.first_name|default:'there' }}",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>Thanks for entering our "
             "giveaway. While you wait for the draw, here is our most-read guide.</p><p>"
             + FOOTER_FREE + "</p>"),
            (3, "business_days", "Three ideas teams like yours use",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>Three short ideas other "
             "teams put to work in a week.</p><p>" + FOOTER_FREE + "</p>"),
        ],
    },
    {
        "name": "Upsell after a purchase",
        "slug": "upsell-after-purchase",
        "for_rule_name": "Purchase: upsell 30 days later",
        "steps": [
            (0, "hours", "Getting the most from your purchase",
             "<p>Hi {{ lead.first_name|default:'there' }},</p><p>A month in: here is what "
             "customers add next, and how it helps.</p><p>" + FOOTER_FREE + "</p>"),
        ],
    },
]

CONSENT_TEXT = (
    "Yes, send me emails about products, events and offers. I can unsubscribe at any "
    "time with one click from any email."
)

MANAGER_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("drip", "dripstep", "stepvariant", "enrolment", "consenttext")
    for action in ("view", "add", "change", "delete")
] + ["view_outboxemail", "view_suppression", "view_consentrecord"]


def seed(apps, schema_editor):
    Drip = apps.get_model("mailings", "Drip")
    Rule = apps.get_model("followups", "Rule")
    for spec in DEFAULT_DRIPS:
        spec = dict(spec)
        steps = spec.pop("steps")
        rule_name = spec.pop("for_rule_name", None)
        if rule_name:
            spec["for_rule"] = Rule.objects.filter(name=rule_name).first()
        drip, created = Drip.objects.get_or_create(slug=spec["slug"], defaults=spec)
        if not created:
            continue
        for position, (delay, unit, subject, html) in enumerate(steps, start=1):
            step = drip.steps.create(position=position, delay=delay, delay_unit=unit)
            step.variants.create(label="A", subject=subject, html_body=html)
    apps.get_model("mailings", "ConsentText").objects.get_or_create(
        version="2026-1", defaults={"text": CONSENT_TEXT}
    )
    mailings = apps.get_app_config("mailings")
    mailings.models_module = True  # create_permissions skips app configs without models
    create_permissions(mailings, apps=apps, verbosity=0)
    mailings.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.get_or_create(name="manager")
    manager.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="mailings", codename__in=MANAGER_PERMISSIONS
        )
    )


def unseed(apps, schema_editor):
    apps.get_model("mailings", "Drip").objects.filter(
        slug__in=[spec["slug"] for spec in DEFAULT_DRIPS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0001_initial"),
        ("followups", "0003_touch_held_reason"),
        ("crm", "0002_roles"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
