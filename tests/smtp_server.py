"""A real SMTP server for the tests (aiosmtpd on a free port, AUTH required): it keeps
every message it accepted, and can answer "try later" or "no such user" on demand."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.processes import free_port

USER = "mailer"
PASSWORD = "mailer-secret"


@dataclass
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, kind: str = "plain") -> str:
        part = self.message.get_body(preferencelist=(kind,))
        assert part is not None, f"no text/{kind} part"
        return str(part.get_content())


@dataclass
class MailServer:
    port: int
    received: list[Received] = field(default_factory=list)
    defer_next: int = 0  # answer this many DATA commands with 451 (try again later)
    refused: set[str] = field(default_factory=set)  # recipients answered with 550

    @property
    def url(self) -> str:
        return f"smtp://{USER}:{PASSWORD}@127.0.0.1:{self.port}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]

    async def wait_for(self, address: str, count: int = 1, within: float = 20.0) -> list[Received]:
        """Returns the messages for ADDRESS once there are COUNT of them (the app's worker
        runs on the test's event loop, so this waits without blocking it)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} message(s) for {address} expected, got {self.to(address)}")

    # aiosmtpd handler hooks
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.defer_next > 0:
            self.defer_next -= 1
            return "451 4.3.0 Try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(to=list(envelope.rcpt_tos), message=parsed))
        return "250 Message accepted"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@contextmanager
def running() -> Iterator[MailServer]:
    """Starts the server (in its own thread and event loop) for the duration."""
    server = MailServer(port=free_port())
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=server.port,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,  # plain TCP on loopback; production relays use STARTTLS
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
