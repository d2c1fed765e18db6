"""Rollups of the dashboard's biggest counts, per day (UTC), kept current on
PostgreSQL by triggers in the database (reports/migrations/0002_dashboard_rollup_triggers):
every write counts, whichever path makes it (the ORM, COPY, queryset updates,
bulk inserts, deletes, erasure). A key may have several rows: the triggers only
append (a row of differences per statement), so a long transaction such as an
import never holds a row another writer needs; readers sum, and the periodic
task reports_rollups_compact folds each key's rows into one. The app reads them
and never writes them; on SQLite they stay empty and the dashboard reads the
live tables (see reports.selectors.rollups)."""

from django.conf import settings
from django.db import models

from crm.models import Campaign


def _campaign(**kwargs) -> models.ForeignKey:
    # No database constraint: a trigger writes these rows in the statement that
    # deletes or changes a campaign's leads, and nothing reads a campaign through them
    # but the dashboard's joins.
    return models.ForeignKey(
        Campaign,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class LeadRollup(models.Model):
    """Leads created on a day (UTC), by source campaign (null: none) and stage now."""

    day = models.DateField()
    campaign = _campaign()
    stage = models.CharField(max_length=20)
    leads = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "campaign", "stage"], name="reports_leadrollup_key")]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id} {self.stage}: {self.leads} leads"


class OwnerRollup(models.Model):
    """Leads owned now, by owner and source campaign (null: none)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    campaign = _campaign()
    leads = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["owner", "campaign"], name="reports_ownerrollup_key")]

    def __str__(self) -> str:
        return f"owner {self.owner_id} campaign {self.campaign_id}: {self.leads} leads"


class CallRollup(models.Model):
    """Calls logged on a day (UTC), by person (null: none), with the outcomes the
    dashboard counts. Each call is counted twice: once for every lead (campaign
    null) and once for its lead's source campaign, if it has one (so the whole
    dashboard reads no campaign's rows)."""

    day = models.DateField()
    campaign = _campaign()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    calls = models.BigIntegerField()
    connected = models.BigIntegerField()  # crm.outcomes.CONNECTED_CALL_OUTCOMES
    meetings = models.BigIntegerField()  # crm.outcomes.MEETING_BOOKED
    voicemail = models.BigIntegerField()
    no_answer = models.BigIntegerField()

    class Meta:
        # Campaign first: every read asks for one (null: every lead's).
        indexes = [models.Index(fields=["campaign", "day", "user"], name="reports_callrollup_key")]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id} user {self.user_id}: {self.calls} calls"


class TouchRollup(models.Model):
    """The touch ledger per day (UTC), lead's source campaign (null: none) and
    channel: touches planned (created) that day, and done or skipped (completed)
    that day."""

    day = models.DateField()
    campaign = _campaign()
    channel = models.CharField(max_length=20)
    planned = models.BigIntegerField()
    done = models.BigIntegerField()
    skipped = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day", "campaign", "channel"], name="reports_touchrollup_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id} {self.channel}"


class EmailRollup(models.Model):
    """Emails sent on a day (UTC), by lead's source campaign (null: none), cadence
    step and variant (null: a personal email without one), and how many of them
    were opened, clicked and replied to so far (people's, as on the outbox)."""

    day = models.DateField()
    campaign = _campaign()
    step = models.ForeignKey(
        "followups.CadenceStep",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    variant = models.ForeignKey(
        "mailings.StepVariant",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    sent = models.BigIntegerField()
    opened = models.BigIntegerField()
    clicked = models.BigIntegerField()
    replied = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["day", "campaign", "step", "variant"], name="reports_emailrollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id} step {self.step_id}: {self.sent} sent"


class CadenceRollup(models.Model):
    """Per day (UTC), lead's source campaign (null: none) and cadence: enrolments
    ended by an unsubscribe that day, and the cadence's call touches done that day
    (reports/migrations/0005_cadence_rollups keeps them)."""

    day = models.DateField()
    campaign = _campaign()
    cadence = models.ForeignKey(
        "followups.Cadence",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    unsubscribed = models.BigIntegerField()
    calls = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day", "campaign", "cadence"], name="reports_cadencerollup_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign {self.campaign_id} cadence {self.cadence_id}"
