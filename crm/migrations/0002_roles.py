"""The three roles as groups, with their permissions.

Permissions are normally created after migrations run, so this migration
creates them first. Later apps add their permissions to these groups in their
own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "rep": [
        "view_lead",
        "add_lead",
        "change_lead",
        "view_interaction",
        "add_interaction",
        "view_campaign",
    ],
    "manager": [
        "view_lead",
        "add_lead",
        "change_lead",
        "delete_lead",
        "merge_lead",
        "view_interaction",
        "add_interaction",
        "change_interaction",
        "delete_interaction",
        "view_campaign",
        "add_campaign",
        "change_campaign",
        "delete_campaign",
        "view_leadmerge",
        "view_user",
        "view_leadimport",
        "add_leadimport",
        "change_leadimport",
        "view_importmapping",
        "add_importmapping",
        "change_importmapping",
    ],
    "mailroom": ["view_lead", "view_campaign"],
}


def create_roles(apps, schema_editor):
    crm = apps.get_app_config("crm")
    crm.models_module = True  # create_permissions skips app configs without models
    create_permissions(crm, apps=apps, verbosity=0)
    crm.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="crm", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
