"""Rules are cadences now (mailings 0008 converted them, and drips). Here, in the
app that writes touches, the touches of converted drip emails learn their
enrolment and step, in one UPDATE, before the rules go."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def _constraints_now(schema_editor) -> None:
    """PostgreSQL checks foreign keys at commit and refuses to alter a table with
    checks pending: check them as rows are written."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def touches_learn_their_enrolment(apps, schema_editor):
    _constraints_now(schema_editor)
    OutboxEmail = apps.get_model("mailings", "OutboxEmail")
    Touch = apps.get_model("followups", "Touch")
    outbox = OutboxEmail.objects.filter(touch_id=OuterRef("pk"))
    Touch.objects.filter(
        enrolment__isnull=True, pk__in=OutboxEmail.objects.values("touch_id")
    ).update(
        enrolment_id=Subquery(outbox.values("enrolment_id")[:1]),
        step_id=Subquery(outbox.values("step_id")[:1]),
    )


def cadences_forget(apps, schema_editor):
    """Going back (a developer's downgrade): cadences do not turn back into rules
    or drips; they and what they planned are dropped (with what mailings keeps
    of them), so mailings 0008 can restore the old tables."""
    _constraints_now(schema_editor)
    apps.get_model("followups", "Touch").objects.exclude(enrolment=None).delete()
    apps.get_model("followups", "Cadence").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("followups", "0005_cadences")]

    operations = [
        migrations.RunPython(touches_learn_their_enrolment, cadences_forget),
        migrations.RemoveField(model_name="touch", name="rule"),
        migrations.DeleteModel(name="Rule"),
    ]
