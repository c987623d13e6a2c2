"""Fakes of the peers the reference DTU's modules share (dtu/ports.py), for their unit tests.

As firmware/tests/fake_*_peers.c do for the C twin: each fake records what
the module under test did to it and answers as the test scripts it. Times are
the loop's (virtual under tests/virtual_time.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from dtulab.dtu.modem_client import ModemError, Reply

Answer = Callable[[str], Awaitable[Reply]]
DataAnswer = Callable[[str, bytes], Awaitable[Reply]]


async def ok(line: str) -> Reply:
    return Reply([], "OK")


async def send_ok(line: str, data: bytes) -> Reply:
    return Reply([], "OK")


@dataclass
class Sent:
    """One command with a data prompt: when it began, its line, the data with its terminator."""

    at: float
    line: str
    data: bytes


class FakeModem:
    """The modem's commands (dtu.ports.Modem): every call recorded with its loop time; the
    replies come from ``answer`` (commands) and ``answer_data`` (data prompts), ``OK`` by
    default. Errors raise ``ModemError`` as the real client does when ``check`` is on."""

    def __init__(self, answer: Answer = ok, answer_data: DataAnswer = send_ok) -> None:
        self.answer = answer
        self.answer_data = answer_data
        self.commands: list[tuple[float, str]] = []
        self.sent: list[Sent] = []

    def lines(self, prefix: str = "") -> list[str]:
        return [line for _, line in self.commands if line.startswith(prefix)]

    async def command(
        self, line: str, timeout: float = 10.0, finals: str | None = None, check: bool = True
    ) -> Reply:
        self.commands.append((asyncio.get_running_loop().time(), line))
        reply = await self.answer(line)
        if check and (reply.final == "ERROR" or reply.final.startswith(("+CME", "+CMS"))):
            raise ModemError(f"{line}: {reply.final}")
        return reply

    async def send_data(
        self,
        line: str,
        data: bytes,
        timeout: float = 30.0,
        finals: str | None = None,
        prompt: str = "> ",
        terminator: bytes = b"",
    ) -> Reply:
        self.sent.append(Sent(asyncio.get_running_loop().time(), line, data + terminator))
        reply = await self.answer_data(line, data)
        if reply.final == "ERROR" or reply.final.startswith(("+CME", "+CMS")):
            raise ModemError(f"{line}: {reply.final}")
        return reply


class FakeHostOutput:
    """The serial port's output (dtu.ports.HostOutput): what was written and handed over."""

    def __init__(self) -> None:
        self.written = bytearray()  # write(): at once, in any mode
        self.to_host_data = bytearray()  # to_host(): data for the host

    async def write(self, data: bytes) -> None:
        self.written += data

    async def to_host(self, data: bytes) -> None:
        self.to_host_data += data
