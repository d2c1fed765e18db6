from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Mailings"

    def ready(self):
        from django.conf import settings

        from crm.api import api
        from crm.imports.undo import plan as undo_plan
        from followups import channels
        from followups.cadences.services import register_ended
        from followups.models import Channel
        from mailings.api import router
        from mailings.email import personal, sending, signals, steps  # noqa: F401 (signals connects anymail's)
        from mailings.letters.selectors import leads_with_letters_in_open_runs

        # The suppression list's interaction hook is in config/flow.py's pipeline.
        register_ended(steps.emails_cancel_for_ended)
        undo_plan.register_hold(leads_with_letters_in_open_runs)
        api.add_router("", router)
        batch = settings.MAIL_BATCH_SIZE
        channels.register(Channel.EMAIL, sending.emails_send, batch_size=batch)
        # A rep sends a personal email from the queue; the scheduler only takes it
        # up again when the job of that click was lost.
        channels.register(
            Channel.PERSONAL_EMAIL, sending.emails_send, batch_size=batch, automatic=False
        )
        channels.register_composer(
            Channel.PERSONAL_EMAIL,
            draft=personal.personal_email_draft,
            send=personal.personal_email_send,
        )
        channels.register_picker(
            templates=personal.card_email_templates,
            draft=personal.card_email_draft,
            send=personal.card_email_send,
        )
        for channel, (check, many) in steps.CHANNEL_CHECKS.items():
            channels.register_check(channel, check, many=many)

        from crm.privacy import registry as privacy
        from mailings import privacy as mailings_privacy

        privacy.register(
            name="mailings",
            models=mailings_privacy.MODELS,
            export=mailings_privacy.mailings_export,
            erase=mailings_privacy.mailings_erase,
        )
