"""The small interfaces several parts of the reference DTU share, as ``typing.Protocol``s.

Each collaborator of ``Dtu`` (serial_port.py, sockets.py, services.py,
usr721.py, httpd.py, ftp_download.py) declares beside itself a protocol
naming exactly what it needs of the firmware around it; ``Dtu`` implements
them all structurally, and a unit test gives the module a small fake instead
(tests/test_dtu_*.py). The pieces those protocols have in common are here:
the modem commands (``ModemClient`` implements them), the clock, modem and
GPRS state of everything that goes online, the serial port's
output to the host (``SerialPort``) and the wait for a modem URC
(``Services``).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from dtulab.dtu.modem_client import Reply
from dtulab.peripherals.clock import Clock


class Modem(Protocol):
    """The modem as the DTU's modules use it: one AT command at a time (modem_client.py)."""

    async def command(
        self, line: str, timeout: float = 10.0, finals: str | None = None, check: bool = True
    ) -> Reply:
        """Send ``line`` and wait for its final result; with ``check`` an error raises
        ``ModemError``."""
        ...

    async def send_data(
        self,
        line: str,
        data: bytes,
        timeout: float = 30.0,
        finals: str | None = None,
        prompt: str = "> ",
        terminator: bytes = b"",
    ) -> Reply:
        """A command with a data prompt (AT+CIPSEND, AT+CMGS, AT+HTTPDATA): ``data`` goes
        after the prompt; a missing prompt or an error result raises ``ModemError``."""
        ...


class Online(Protocol):
    """The clock, the modem and whether GPRS is up: what every part that talks to a server
    needs (sockets, HTTPD client mode, the commands)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def modem(self) -> Modem: ...

    @property
    def gprs_ready(self) -> asyncio.Event:
        """Set while GPRS is up."""
        ...


class HostOutput(Protocol):
    """The serial port's output to the host (serial_port.py)."""

    async def write(self, data: bytes) -> None:
        """Write now, in any mode (replies, prompts, FTP frames)."""
        ...

    async def to_host(self, data: bytes) -> None:
        """Data for the host (from a server, an SMS, an HTTP reply); held in command mode."""
        ...


class UrcWaiter(Protocol):
    """The wait for an unsolicited modem line (services.py)."""

    async def wait_urc(self, pattern: str, timeout: float) -> str:
        """The next URC matching ``pattern``; ``ModemError`` after ``timeout`` seconds."""
        ...
