"""The rules a new installation starts with, and the roles' follow-up permissions.
Managers change the rules in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_RULES = [
    {
        "name": "Content download: call now",
        "trigger_kind": "content_download",
        "channel": "call",
        "priority": 90,
        "talking_points": "Ask what they hope to solve; offer a short demo.",
    },
    {
        "name": "Booth visit: call the next business day",
        "trigger_kind": "booth_visit",
        "channel": "call",
        "delay_business_days": 1,
        "priority": 60,
        "talking_points": "Thank them for stopping by; recall what they asked at the booth.",
    },
    {
        "name": "Unhappy support call: a manager calls with an apology",
        "trigger_kind": "support_call",
        "trigger_sentiment": "negative",
        "channel": "call",
        "assign": "manager",
        "priority": 95,
        "talking_points": "Apologise for the trouble; offer a free month as a goodwill gesture.",
    },
    {
        "name": "Purchase: upsell 30 days later",
        "trigger_kind": "purchase",
        "channel": "email",
        "delay_minutes": 30 * 24 * 60,
        "priority": 30,
    },
]

ROLE_PERMISSIONS = {
    "rep": ["view_touch"],
    "manager": ["view_touch", "change_touch", "view_rule", "add_rule", "change_rule"]
    + ["delete_rule", "view_holiday", "add_holiday", "change_holiday", "delete_holiday"],
}


def seed(apps, schema_editor):
    Rule = apps.get_model("followups", "Rule")
    for rule in DEFAULT_RULES:
        Rule.objects.get_or_create(name=rule["name"], defaults=rule)
    followups = apps.get_app_config("followups")
    followups.models_module = True  # create_permissions skips app configs without models
    create_permissions(followups, apps=apps, verbosity=0)
    followups.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="followups", codename__in=codenames)
        )


def unseed(apps, schema_editor):
    apps.get_model("followups", "Rule").objects.filter(
        name__in=[rule["name"] for rule in DEFAULT_RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial"), ("crm", "0002_roles")]

    operations = [migrations.RunPython(seed, unseed)]
