from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Mailings"

    def ready(self):
        from django.conf import settings

        from crm import interaction_hooks
        from crm.api import api
        from crm.imports import undo
        from followups import channels
        from followups.models import Channel
        from mailings import hooks, sending, signals  # noqa: F401 (signals connects anymail's)
        from mailings.api import router
        from mailings.drips import enrolments_withdraw
        from mailings.letters.selectors import leads_with_letters_in_open_runs

        interaction_hooks.register(hooks.drips_apply)
        interaction_hooks.register_withdrawn(enrolments_withdraw)
        undo.register_hold(leads_with_letters_in_open_runs)
        api.add_router("", router)
        channels.register(Channel.EMAIL, sending.emails_send, batch_size=settings.MAIL_BATCH_SIZE)
