from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Its periodic task (folding the rollups) is in config/flow.py."""

    name = "reports"
    verbose_name = "Reports"
