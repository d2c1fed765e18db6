"""The default scoring rules, and the managers' permission to edit them.

Points say how much an interaction shows interest; the half-life how fast that
fades (0: never). What we do to a lead (email sent, letter mailed, a rep's
call, a note) scores nothing: only what the lead did counts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# kind: (points, half-life in days)
DEFAULT_RULES = {
    "booth_visit": (20, 60),
    "giveaway_entry": (5, 30),
    "web_visit": (1, 14),
    "content_download": (10, 45),
    "cart_add": (5, 7),
    "checkout_started": (10, 7),
    "cart_abandoned": (15, 14),
    "purchase": (50, 180),
    "email_opened": (2, 14),
    "email_clicked": (5, 21),
    "email_replied": (25, 60),
    "email_bounced": (-10, 0),
    "meeting": (40, 90),
    "support_call": (5, 30),
    "referral": (30, 365),
}

MANAGER_PERMISSIONS = ["view_scoringrule", "add_scoringrule", "change_scoringrule"]


def install(apps, schema_editor):
    ScoringRule = apps.get_model("crm", "ScoringRule")
    for kind, (points, half_life_days) in DEFAULT_RULES.items():
        ScoringRule.objects.get_or_create(
            kind=kind, defaults={"points": points, "half_life_days": half_life_days}
        )
    crm = apps.get_app_config("crm")
    crm.models_module = True  # create_permissions skips app configs without models
    create_permissions(crm, apps=apps, verbosity=0)
    crm.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.get_or_create(name="manager")
    manager.permissions.add(
        *Permission.objects.filter(content_type__app_label="crm", codename__in=MANAGER_PERMISSIONS)
    )


def uninstall(apps, schema_editor):
    apps.get_model("crm", "ScoringRule").objects.filter(kind__in=DEFAULT_RULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_periodic_runs"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
