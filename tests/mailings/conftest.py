"""A real SMTP server on loopback (aiosmtpd) for the tests that send."""

import datetime as dt
import os
import signal
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
import time_machine

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Sink:
    """What the server received, and what it should answer next."""

    messages: list = field(default_factory=list)
    connections: int = 0
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    kill_at: int = 0
    kill_group: int = 0
    kill_after_keeping: bool = False
    kill_at_envelope: int = 0
    before_accepting: object = None  # called as each message's data has arrived

    def kill_on_message(self, count: int, *, process_group: int, kept: bool = False) -> None:
        """SIGKILL the sending process while message number `count` is being
        accepted: it never gets the 250, so that message counts as not sent.
        kept: the server has kept the message already (it was delivered, and a
        resend after the kill arrives twice)."""
        self.kill_at, self.kill_group, self.kill_after_keeping = count, process_group, kept

    def kill_on_envelope(self, count: int, *, process_group: int) -> None:
        """SIGKILL the sending process as it starts message number `count` (MAIL
        FROM): the message before was accepted a moment ago."""
        self.kill_at_envelope, self.kill_group = count, process_group

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.kill_at_envelope and len(self.messages) + 1 == self.kill_at_envelope:
            self.kill_at_envelope = 0
            os.killpg(self.kill_group, signal.SIGKILL)
            return "451 4.3.0 Aborted"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.before_accepting:
            self.before_accepting()
        killing = self.kill_at and len(self.messages) + 1 == self.kill_at
        if killing and not self.kill_after_keeping:
            self.kill_at = 0
            os.killpg(self.kill_group, signal.SIGKILL)
            return "451 4.3.0 Aborted"
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if killing:
            self.kill_at = 0
            os.killpg(self.kill_group, signal.SIGKILL)
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at a real server on loopback."""
    from tests.smtp_sink import serve  # it imports Sink from here

    yield from serve(settings)
