"""The emails of the users page, one function each, three templates each
(<name>_subject.txt, <name>.txt, <name>.html)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from crm.models import User
from crm.roles import Role


def send_invitation(user: User, *, invited_by: User) -> None:
    """A link to set a password, which works once: Django's reset token changes
    with the password it sets."""
    context = {
        "user": user,
        "invited_by": invited_by,
        "set_password_url": set_password_url(user),
        "role": role_label(user),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    name = "crm/users/emails/invitation"
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string(f"{name}_subject.txt", context).split()),
        body=render_to_string(f"{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    message.send()


def set_password_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_set", args=[uid, token])


def role_label(user: User) -> str:
    return ", ".join(str(Role(name).label) for name in sorted(user.role_names) if name in Role)
