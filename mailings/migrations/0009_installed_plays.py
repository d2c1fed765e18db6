"""The plays from the product brief, installed as editable cadences
(mailings.cadences.plays)."""

from django.db import migrations


def install(apps, schema_editor):
    from mailings.cadences.plays import plays_install

    plays_install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("mailings", "0008_drips_to_cadences"),
        ("mailings", "0004_letter_starters"),
        ("followups", "0008_trigger_ends"),
        ("crm", "0015_app_event_kind"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
