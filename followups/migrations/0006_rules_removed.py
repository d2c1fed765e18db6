"""Rules are cadences now (mailings 0008 converted them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("followups", "0005_cadences")]

    operations = [
        migrations.RemoveField(model_name="touch", name="rule"),
        migrations.DeleteModel(name="Rule"),
    ]
