"""App events: what a lead did in our product ("signed_up", "project_created"),
sent by the product's backend through the API or by the tracking snippet
(crmTrack("app_event", {name: ...})), with the event's name in data["name"].
Choices only: no change to the tables."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0014_outcome_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="interaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("call", "Call"),
                    ("booth_visit", "Booth visit"),
                    ("giveaway_entry", "Giveaway entry"),
                    ("web_visit", "Web visit"),
                    ("content_download", "Content download"),
                    ("cart_add", "Added to cart"),
                    ("checkout_started", "Checkout started"),
                    ("cart_abandoned", "Cart abandoned"),
                    ("purchase", "Purchase"),
                    ("email_sent", "Email sent"),
                    ("email_opened", "Email opened"),
                    ("email_clicked", "Email clicked"),
                    ("email_replied", "Email replied"),
                    ("email_bounced", "Email bounced"),
                    ("letter_mailed", "Letter mailed"),
                    ("meeting", "Meeting"),
                    ("support_call", "Support call"),
                    ("referral", "Referral"),
                    ("app_event", "App event"),
                    ("note", "Note"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="webevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("page_view", "Page view"),
                    ("cart_add", "Added to cart"),
                    ("checkout_started", "Checkout started"),
                    ("purchase", "Purchase"),
                    ("content_download", "Content download"),
                    ("app_event", "App event"),
                ],
                max_length=20,
            ),
        ),
    ]
