"""The drip email's wire form, read back by the standard library's parser: what
a receiving server sees must be what Django's own MIME build would have said."""

import email
import email.policy
import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import BadHeaderError

from mailings.email.wire import FOLD_AT, WireEmail, envelope_address, hand_over, header_line, phrase

LONG_URL = "https://crm.example.com/m/u/" + "a1B2c3D4" * 14 + "/"


def drip_email(cls=WireEmail, **overrides) -> EmailMultiAlternatives:
    fields = {
        "subject": "Jürgen, ein paar Notizen für Müller & Söhne — 10 % off",
        "body": "Hallo Jürgen,\n\n.a line starting with a dot\nFrom here on\n" + "x" * 1200,
        "from_email": "Café Team <followup@example.com>",
        "to": ["jürgen@bücher.example"],
        "headers": {
            "Message-ID": "<drip.1.2.3@crm.example.com>",
            "List-Unsubscribe": f"<{LONG_URL}>, <mailto:unsubscribe@example.com?subject=x>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{phrase('Messe-Nachfassen Köln')} <messe.crm.example.com>",
        },
    } | overrides
    html = fields.pop("html", '<p>Grüße, <a href="https://x.example/?a=1&b=2">hier</a></p>\r\n')
    message = cls(**fields)
    message.attach_alternative(html, "text/html")
    return message


def parsed(message) -> email.message.EmailMessage:
    wire = message.message().as_bytes(linesep="\r\n")
    return email.message_from_bytes(wire, policy=email.policy.default)


def test_headers_and_parts_read_back_as_djangos_own_build():
    ours, djangos = parsed(drip_email()), parsed(drip_email(EmailMultiAlternatives))
    for name in ("Subject", "From", "To", "Message-ID", "List-Unsubscribe", "List-Id"):
        assert str(ours[name]).strip() == str(djangos[name]).strip(), name
    assert ours["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [part.get_content_type() for part in ours.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    ours_text, djangos_text = (m.get_body(("plain",)).get_content() for m in (ours, djangos))
    assert ours_text.splitlines() == djangos_text.splitlines()
    assert ours.get_body(("html",)).get_content().startswith("<p>Grüße, <a href=")


def test_the_wire_form_is_seven_bit_with_short_lines():
    wire = drip_email().message().as_bytes(linesep="\r\n")
    assert wire.isascii()
    lines = wire.split(b"\r\n")
    assert b"\n" not in b"".join(lines)  # every line ends in CRLF
    assert max(len(line) for line in lines) <= 998
    body = wire.partition(b"\r\n\r\n")[2]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76


def test_a_long_unsubscribe_header_folds_between_its_two_addresses():
    line = header_line("List-Unsubscribe", f"<{LONG_URL}>, <mailto:u@example.com>")
    first, second = line.split("\r\n")
    assert first == f"List-Unsubscribe: <{LONG_URL}>,"
    assert second == " <mailto:u@example.com>"


def test_a_long_ascii_subject_folds_at_spaces_and_unfolds_to_itself():
    subject = " ".join(["word"] * 40)
    line = header_line("Subject", subject)
    assert all(len(part) <= FOLD_AT for part in line.split("\r\n"))
    assert line.replace("\r\n", "") == f"Subject: {subject}"


def test_a_header_value_with_a_newline_is_refused():
    with pytest.raises(BadHeaderError):
        header_line("Subject", "Hello\r\nBcc: everyone@example.com")


def test_the_boundary_never_occurs_in_a_body():
    trap = "--=_" + "0" * 24 + "\n=_ and =3D"
    message = parsed(drip_email(body=trap, html=f"<p>{trap}</p>"))
    assert message.get_body(("plain",)).get_content().splitlines() == trap.splitlines()
    assert len(message.get_payload()) == 2


def test_other_email_shapes_are_refused_rather_than_dropped():
    message = drip_email(cc=["boss@example.com"])
    with pytest.raises(ValueError, match="To only"):
        message.message()


@pytest.mark.parametrize(
    "address",
    [
        "jane.doe+expo@example.com",
        "Jane Doe <jane@example.com>",
        "jürgen@bücher.example",
        '"Doe, Jane" <jane@example.com>',
    ],
)
def test_the_envelope_is_what_djangos_smtp_backend_would_send(address):
    from django.core.mail.message import sanitize_address

    message = drip_email(to=[address], from_email="Café Team <followup@example.com>")

    sender, recipients = message.envelope()

    assert sender == sanitize_address("Café Team <followup@example.com>", "utf-8")
    assert recipients == [sanitize_address(address, "utf-8")]


def test_a_sealed_email_is_sent_as_it_was_when_sealed():
    message = drip_email()
    message.seal()
    wire = message.message().as_bytes(linesep="\r\n")

    message.subject = "Changed after sealing"

    assert message.message().as_bytes(linesep="\r\n") == wire


def test_a_line_starting_with_a_dot_arrives_as_it_was_written(smtp):
    # The data goes out without smtplib's sendmail (mailings.email.wire.hand_over), so
    # the dot-stuffing of RFC 5321 4.5.2 is done there.
    message = drip_email(to=["lead@example.org"], body=".one dot\n..two dots\nend\n.")
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        hand_over(connection, message, before_accepting=lambda: None)()
    finally:
        connection.close()

    (received,) = smtp.messages
    text = received.get_body(preferencelist=("plain",)).get_content()
    assert text.splitlines() == [".one dot", "..two dots", "end", "."]


@pytest.mark.parametrize(
    "address",
    [
        "jane.doe+expo@example.com",
        "o'brien/sales=eu@mail-1.example.co.uk",
        "a..b@example.com",
        "a@b..example.com",
        ".jane@example.com",
        "Jane Doe <jane@example.com>",
        "=?utf-8?q?Caf=C3=A9_Team?= <followup@example.com>",
        "jane@xn--bcher-kva.example",
        "<jane@example.com>",
    ],
)
def test_mail_from_and_rcpt_to_carry_the_address_as_smtplib_quotes_it(address):
    assert envelope_address(address) == smtplib.quoteaddr(address)
