"""A drip email's MIME form, written straight to bytes.

Django builds a message through the standard library's email package, whose
generator folds every header through email.header.Header: for a drip email that
cost more CPU than the whole SMTP conversation. The shape of a drip email is
always the same (multipart/alternative, a text and an HTML part, a fixed set of
headers), so it is written here directly: plain ASCII headers as they are, the
rest RFC 2047-encoded by the standard library, bodies quoted-printable (7-bit
safe, lines under 77 characters, so no server has to re-encode them).

WireEmail is an ordinary EmailMultiAlternatives for every backend: django-anymail
reads its fields, not its MIME form; Django's SMTP, file and console backends
take the bytes from message().
"""

import binascii
import re
import secrets
from collections.abc import Callable
from contextlib import suppress
from email.charset import Charset
from email.header import Header
from email.message import Message
from email.utils import formatdate, make_msgid
from functools import lru_cache
from smtplib import (
    SMTPDataError,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPSenderRefused,
    SMTPServerDisconnected,
    quoteaddr,
)

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import BadHeaderError, sanitize_address
from django.core.mail.utils import DNS_NAME

CRLF = "\r\n"
FOLD_AT = 78  # RFC 5322 2.1.1: lines SHOULD be at most 78 characters


def hand_over(
    connection, message: EmailMultiAlternatives, *, before_accepting: Callable[[], None]
) -> Callable[[], None]:
    """Hand one message to the server over an open backend connection; returns
    the wait for the server's answer (raises if it refused the message), so the
    caller can work while the server reads it. before_accepting() runs before
    the server could accept the message: for SMTP, before the end of the data.

    Django's SMTP backend gets a WireEmail's bytes straight on its smtplib
    connection: its own send_messages parses both addresses again and takes a
    lock, per message, which cost more than the rest of the send. Any other
    backend (an ESP through django-anymail, files, memory) sends it its own way,
    after before_accepting(), and has answered when this returns."""
    if isinstance(connection, SMTPBackend) and isinstance(message, WireEmail):
        sender, recipients = message.envelope()
        wire = message.message().as_bytes(linesep=CRLF)
        return _smtp_hand_over(connection.connection, sender, recipients, wire, before_accepting)
    before_accepting()
    if connection.send_messages([message]) != 1:
        raise SMTPException("The email backend did not send the message.")
    return lambda: None


def _smtp_hand_over(smtp, sender, recipients, wire: bytes, before_accepting):
    """smtplib's sendmail, its last step left to the caller: the envelope and the
    DATA command answered, the data and its final dot sent, the answer not read."""
    smtp.ehlo_or_helo_if_needed()
    size = f" SIZE={len(wire)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    smtp.putcmd("mail", f"FROM:{envelope_address(sender)}{size}")  # smtp.mail, parsed once
    code, answer = smtp.getreply()
    if code != 250:
        _reset(smtp, code)
        raise SMTPSenderRefused(code, answer, sender)
    refused = {}
    for recipient in recipients:
        smtp.putcmd("rcpt", f"TO:{envelope_address(recipient)}")
        code, answer = smtp.getreply()
        if code not in (250, 251):
            refused[recipient] = (code, answer)
    if len(refused) == len(recipients):
        _reset(smtp, code)
        raise SMTPRecipientsRefused(refused)
    code, answer = smtp.docmd("data")
    if code != 354:
        _reset(smtp, code)
        raise SMTPDataError(code, answer)
    before_accepting()
    smtp.send(_dot_stuffed(wire) + b".\r\n")

    def answer_read() -> None:
        code, answer = smtp.getreply()
        if code != 250:
            _reset(smtp, code)
            raise SMTPDataError(code, answer)

    return answer_read


def envelope_address(address: str) -> str:
    """The address as smtplib's quoteaddr writes it in MAIL FROM and RCPT TO: a
    plain dot-atom address as it is, in angle brackets, without parsing it (what
    quoteaddr gives it, at a fraction of the cost); anything else through
    quoteaddr, once per address (the sender is the same for every message)."""
    if DOT_ATOM_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return _quoted(address)


ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
DOT_ATOM_ADDRESS = re.compile(rf"{ATOM}(?:\.{ATOM})*@{LABEL}(?:\.{LABEL})*")


@lru_cache(maxsize=64)
def _quoted(address: str) -> str:
    return quoteaddr(address)


def _reset(smtp, code: int) -> None:
    """As sendmail does after a refusal; not after a 421 (the server is closing)."""
    if code != 421:
        with suppress(SMTPServerDisconnected):
            smtp.rset()


LINE_STARTING_WITH_A_DOT = re.compile(rb"^\.", re.MULTILINE)


def _dot_stuffed(wire: bytes) -> bytes:
    """RFC 5321 4.5.2: a line of the data that starts with a dot gets another."""
    stuffed = LINE_STARTING_WITH_A_DOT.sub(b"..", wire)
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


class WireEmail(EmailMultiAlternatives):
    """One text body and one HTML alternative; message() is the sealed wire form."""

    _sealed: "WireMessage | None" = None

    def seal(self) -> None:
        """Write the wire form now (before a connection opens): message() then
        returns it as it is, whatever changes later."""
        self._sealed = None
        self._sealed = self.message()

    def message(self) -> "WireMessage":
        if self._sealed is not None:
            return self._sealed
        if self.cc or self.reply_to or self.attachments or len(self.alternatives) != 1:
            raise ValueError("A WireEmail has a text body, one HTML alternative and To only.")
        html = next(content for content, mimetype in self.alternatives if mimetype == "text/html")
        headers = {
            "Subject": self.subject,
            "From": _address(self.from_email),
            "To": ", ".join(map(_address, self.to)),
            "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            "Message-ID": make_msgid(domain=DNS_NAME),
            **self.extra_headers,
        }
        return WireMessage(wire_bytes(headers, text=self.body, html=html))

    def envelope(self) -> tuple[str, list[str]]:
        """MAIL FROM and RCPT TO, as Django's SMTP backend would send them."""
        return _address(self.from_email), [_address(to) for to in self.recipients()]


class WireMessage(Message):
    """A finished message: only its bytes (what the SMTP, file and console
    backends ask of it)."""

    def __init__(self, wire: bytes):
        super().__init__()
        self._wire = wire
        self.set_charset(_UTF8)

    def as_bytes(self, unixfrom=False, policy=None, linesep="\n") -> bytes:
        return self._wire if linesep == CRLF else self._wire.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom=False, maxheaderlen=0, policy=None, linesep="\n") -> str:
        return self.as_bytes(linesep=linesep).decode("ascii")

    __bytes__ = as_bytes


_UTF8 = Charset("utf-8")


def wire_bytes(headers: dict[str, str], *, text: str, html: str) -> bytes:
    """The message, CRLF line ends, 7-bit. Header values are one line each."""
    # "=_" cannot occur in quoted-printable text ("=" is always "=XX" there), so
    # this boundary never collides with a body.
    boundary = "=_" + secrets.token_hex(12)
    lines = [header_line(name, value) for name, value in headers.items()]
    lines += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        f"--{boundary}",
        _part_head("text/plain"),
        _quoted_printable(text),
        f"--{boundary}",
        _part_head("text/html"),
        _quoted_printable(html),
        f"--{boundary}--",
        "",
    ]
    return CRLF.join(lines).encode("ascii")


def header_line(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r} for {name})")
    line = f"{name}: {value}"
    if not line.isascii():
        return f"{name}: " + Header(value, "utf-8", header_name=name).encode(linesep=CRLF)
    return line if len(line) <= FOLD_AT else _folded(line)


def _folded(line: str) -> str:
    """Folded before a space where a line would pass 78 characters (a single
    longer word, such as a URL, keeps its line whole: 998 is the hard limit);
    the first word of the value stays beside the header's name."""
    name, first, *words = line.split(" ")
    lines, current = [], f"{name} {first}"
    for word in words:
        if current and word and len(current) + 1 + len(word) > FOLD_AT:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}"
    return (CRLF + " ").join([*lines, current])


def phrase(text: str) -> str:
    """A display name for a header, as a quoted string or RFC 2047 encoded words."""
    cleaned = " ".join(text.replace('"', "'").replace("\\", "").split())
    if cleaned.isascii():
        return f'"{cleaned}"'
    return Header(cleaned, "utf-8").encode()


def _address(address: str) -> str:
    """A bare ASCII address as it is (leads' addresses were validated when they
    were saved); anything else (a display name, an international domain) as
    Django encodes it."""
    if PLAIN_ADDRESS.fullmatch(address):
        return address
    return _sanitized(address)


PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
)


@lru_cache(maxsize=64)
def _sanitized(address: str) -> str:
    return sanitize_address(address, "utf-8")


def _part_head(mimetype: str) -> str:
    return CRLF.join(
        [
            f'Content-Type: {mimetype}; charset="utf-8"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
        ]
    )


def _quoted_printable(body: str) -> str:
    unix = body.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(unix.encode("utf-8"), istext=True).decode("ascii")
    return encoded.replace("\n", CRLF)
