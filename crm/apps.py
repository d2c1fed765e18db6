from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from crm import interaction_hooks, services

        interaction_hooks.register(services.lead_progress_stage)
