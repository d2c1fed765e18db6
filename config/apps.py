from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic leaves out what trix's dist folder ships beside the two files
    pages use (trix.umd.min.js and trix.css): its test suite, its inspector, and its
    ESM and unminified builds. Patterns match paths inside each static folder."""

    ignore_patterns = [
        *BaseStaticFilesConfig.ignore_patterns,
        "test.js*",
        "inspector.js*",
        "trix.esm*",
        "trix.umd.js*",
    ]


class FlowConfig(AppConfig):
    """Last in INSTALLED_APPS: installs what follows from what (config/flow.py:
    the interaction pipeline and the periodic tasks) once every app is ready, and
    imports every jobs module, so each JobHandle has its function (config.jobs)."""

    name = "config"
    label = "flow"
    verbose_name = "Flow"

    def ready(self):
        from config import flow
        from config.jobs import jobs_modules_import
        from crm import interaction_hooks, periodic

        interaction_hooks.install(flow.INTERACTION_PIPELINE, withdrawn=flow.INTERACTION_WITHDRAWN)
        periodic.install(flow.PERIODIC_TASKS)
        jobs_modules_import()
