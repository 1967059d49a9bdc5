"""A real SMTP server for the tests (aiosmtpd), recording what it receives.

``fail_next(n, code)`` makes it answer the next ``n`` messages with an error (4xx: try again
later; 5xx: permanent), to exercise retries and failures; ``hold_next(n)`` makes it hang on
them, to catch a sender in the middle of sending.
"""

from __future__ import annotations

import asyncio
import email
import threading
import time
from dataclasses import dataclass
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.services import free_port


@dataclass(frozen=True)
class Received:
    to: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        payload = self.message.get_payload(decode=True)
        return payload.decode() if isinstance(payload, bytes) else str(payload)


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusals: list[str] = []
        self.holds = 0
        self.holding = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            hold = self.holds > 0
            self.holds -= 1 if hold else 0
        if hold:  # a mail server that never answers this one (until its sender goes away)
            self.holding.set()
            await asyncio.sleep(3600)
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.received.append(
                Received(list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def fail_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        with self.handler.lock:
            self.handler.refusals.extend([reply] * count)

    def hold_next(self, count: int = 1) -> None:
        """Take the next ``count`` messages' data and never answer (a server that hangs)."""
        with self.handler.lock:
            self.handler.holds += count
            self.handler.holding.clear()

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address in m.to]

    async def wait_for(
        self, address: str, *, count: int = 1, timeout: float = 10.0
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                seen = [(m.to, m.subject) for m in self.received]
                raise AssertionError(f"{len(found)} of {count} e-mails to {address}; got {seen}")
            await asyncio.sleep(0.05)
        return found
