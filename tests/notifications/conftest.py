"""Fixtures of the notification tests: a real SMTP server on the loopback interface that records what it gets."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from app.core.db import transaction


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content()


class Recorder:
    """The SMTP handler: keeps every message; refuses recipients whose address starts with "refused"."""

    def __init__(self):
        self.messages: list[Received] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


class MailServer:
    """An SMTP server on 127.0.0.1 that can be started late and stopped (a mail server that is down at first)."""

    def __init__(self, port: int):
        self.port = port
        self.recorder = Recorder()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def to(self, address: str) -> list[Received]:
        return self.recorder.to(address)

    def start(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(app):
    """A running SMTP server on a free loopback port, and the app configured to send through it."""
    server = MailServer(free_port())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT_SECONDS=5.0,
                      MAIL_FROM="catalog@portal.example.gov.cn", PORTAL_URL="https://portal.example.gov.cn")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def down_mail_server(app):
    """The app configured to send through a loopback port where no server listens yet (`.start()` it later)."""
    server = MailServer(free_port())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT_SECONDS=5.0,
                      MAIL_FROM="catalog@portal.example.gov.cn", PORTAL_URL="https://portal.example.gov.cn")
    yield server
    server.stop()


@pytest.fixture
def person(make_user):
    """A user of a department with one role and, unless told otherwise, an e-mail address."""
    from app import accounts

    def make(roles="editor", department_name: str = "市公安局", email: str | None = "auto"):
        user = make_user(roles, department_name)
        if email:
            with transaction():
                accounts.set_email(user, f"{user.username}@example.gov.cn" if email == "auto" else email, actor=None)
        return user

    return make


@pytest.fixture
def send(app):
    """notify() in its own unit of work, as a service called by an edge would (the edge then commits)."""
    from app import notifications

    def run(recipients, key="deadline.reminder:demand:1:2026-12-01", kind="deadline.reminder",
            subject="需求“人口数据”将于 12 月 1 日到期", body="请于 2026-12-01 前答复需求。", link="/demands/1") -> int:
        with transaction():
            return notifications.notify(recipients, key=key, kind=kind, subject=subject, body=body, link=link)

    return run
