from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from crm import periodic
        from reports import jobs

        periodic.register(
            "rollups_compact", "reports.jobs.rollups_compact", every=jobs.COMPACT_EVERY
        )
