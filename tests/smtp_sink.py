"""The loopback SMTP server of the mail tests (tests/mailings/conftest.py), for
tests elsewhere that send: a conftest's `smtp` fixture yields from serve()."""

from aiosmtpd.controller import Controller

from tests.mailings.conftest import Sink, free_port


def serve(settings):
    """Django's SMTP backend pointed at a real server on loopback, for a fixture."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    yield sink
    controller.stop()


def link_in(message, start: str) -> str:
    """The first link in the plain-text part of `message` that starts with `start`."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return next(word for word in text.split() if word.startswith(start))
