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
