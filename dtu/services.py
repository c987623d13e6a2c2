"""What the DTU asks of the modem besides sockets: identity, SMS and voice.

SMS (manual 2.1.3, R-SMS-1/2, R-AT-5): text mode with the UCS2 character set,
so any text (Chinese too) goes out and comes in unchanged; new messages are
announced with ``+CMTI`` (AT+CNMI=2,1), read with AT+CMGR and deleted.
A message ``<password>#AT...`` runs as an SMS AT command (when enabled) and
the reply goes back by SMS to its sender; in SMS passthrough mode every other
message goes to the serial port. In AT work mode the serial port owns the
module and the DTU leaves the SMS store alone (nothing read, nothing deleted:
the host's AT+CMGL finds every message). After the host's AT+CMGF=0 (PDU mode)
the DTU's own SMS functions stop — nothing read (the indices wait), nothing
sent (AT+CISMSEND answers ERROR) — until AT+CMGF=1 or the next modem setup.
Incoming calls are answered when AT+CIRINGSTA=1. HTTPD client mode is
httpd.py, FTP download ftp_download.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from contextlib import AbstractContextManager
from typing import Protocol

from dtulab.dtu.families import Family
from dtulab.dtu.modem_client import ModemError
from dtulab.dtu.ports import HostOutput, Modem
from dtulab.dtu.settings import Settings

log = logging.getLogger(__name__)

SMS_TEXT_LIMIT = 70  # UCS2 characters in one SMS


def ucs2_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def from_ucs2_hex(text: str) -> str:
    try:
        return bytes.fromhex(text).decode("utf-16-be")
    except (ValueError, UnicodeDecodeError):
        return text


class ServicesPeer(Protocol):
    """What the services need of the firmware around them (``Dtu`` implements it)."""

    @property
    def settings(self) -> Settings:
        """The running settings: work mode, SMS AT, passthrough number, ring answer."""
        ...

    @property
    def modem(self) -> Modem: ...

    @property
    def serial(self) -> HostOutput:
        """SMS text for the host (SMS passthrough mode)."""
        ...

    def spawn(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        """Run a job for this boot of the firmware (answering a call)."""
        ...

    def replying_to(self, who: str) -> AbstractContextManager[None]:
        """A remote command is being answered: a restart it asked for waits for the reply."""
        ...

    @property
    def family(self) -> Family:
        """The AT command family: the shape of a password command."""
        ...

    async def run_remote(self, command: tuple[bool, str], source: str) -> list[str]:
        """Run a password command (``Family.command_in``); a wrong password gets an error."""
        ...


class Services:
    def __init__(self, dtu: ServicesPeer) -> None:
        self.dtu = dtu
        self.imei = ""
        self.iccid = ""
        self._inbox: asyncio.Queue[int] = asyncio.Queue()
        self._waiters: list[tuple[re.Pattern[str], asyncio.Future[str]]] = []
        self.text_mode = asyncio.Event()  # clear after AT+CMGF=0 by the host (PDU mode)
        self.text_mode.set()

    # -- URCs ------------------------------------------------------------------
    def on_urc(self, line: str) -> None:
        match = re.fullmatch(r'\+CMTI: "\w+",(\d+)', line)
        if match:
            if not self.at_mode():
                self._inbox.put_nowait(int(match.group(1)))
            return
        if line in ("RING", "+CRING: VOICE") and self.dtu.settings.ring_answer:
            self.dtu.spawn(self.dtu.modem.command("ATA", check=False))
            return
        for pattern, future in list(self._waiters):
            if pattern.fullmatch(line) and not future.done():
                future.set_result(line)
                return
        log.debug("URC not used: %s", line)

    async def wait_urc(self, pattern: str, timeout: float) -> str:
        """The next URC matching ``pattern`` (e.g. ``+HTTPACTION: .*``)."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        entry = (re.compile(pattern), future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ModemError(f"no URC {pattern} within {timeout} s") from None
        finally:
            self._waiters.remove(entry)

    # -- SMS ----------------------------------------------------------------------
    def at_mode(self) -> bool:
        """AT work mode: the serial port owns the module, its SMS store is the host's."""
        return self.dtu.settings.mode_name == "AT"

    def set_text_mode(self, on: bool) -> None:
        """The host switched the modem with AT+CMGF: the DTU's SMS functions follow."""
        if on != self.text_mode.is_set():
            mode, functions = ("text", "back") if on else ("PDU", "stopped")
            log.info("the host set %s mode: SMS functions %s", mode, functions)
        if on:
            self.text_mode.set()
        else:
            self.text_mode.clear()

    async def setup_sms(self) -> None:
        m = self.dtu.modem
        self.imei = (await m.command("AT+CGSN")).lines[0]
        self.iccid = (await m.command("AT+CCID")).lines[0]
        await m.command("AT+CMGF=1")
        self.text_mode.set()
        await m.command('AT+CSCS="UCS2"')
        await m.command("AT+CSMP=17,167,0,8")
        await m.command("AT+CNMI=2,1,0,0,0")
        if self.at_mode():
            return  # the stored messages are the host's
        # messages that arrived while the DTU was down are waiting in storage
        reply = await m.command('AT+CMGL="ALL"', timeout=30, check=False)
        for line in reply.lines:
            found = re.match(r"\+CMGL: (\d+),", line)
            if found:
                self._inbox.put_nowait(int(found.group(1)))

    async def send_sms(self, number: str, text: str) -> None:
        if not self.text_mode.is_set():
            raise ModemError("the host put the modem in PDU mode (AT+CMGF=0)")
        for start in range(0, max(len(text), 1), SMS_TEXT_LIMIT):
            part = text[start : start + SMS_TEXT_LIMIT]
            await self.dtu.modem.send_data(
                f'AT+CMGS="{ucs2_hex(number)}"', ucs2_hex(part).encode(), timeout=90,
                terminator=b"\x1a",
            )  # fmt: skip

    async def run(self) -> None:
        """Read and handle incoming SMS, one at a time, in arrival order."""
        while True:
            index = await self._inbox.get()
            if self.at_mode():
                continue  # left in the store for the host (a switch to AT mode came between)
            await self.text_mode.wait()  # PDU mode (AT+CMGF=0): the message waits
            try:
                reply = await self.dtu.modem.command(f"AT+CMGR={index}", timeout=30)
                await self.dtu.modem.command(f"AT+CMGD={index}", timeout=30, check=False)
            except ModemError as exc:
                log.warning("reading SMS %d failed: %s", index, exc)
                continue
            if len(reply.lines) < 2:
                continue
            header = re.match(r'\+CMGR: "[^"]*","([^"]*)"', reply.lines[0])
            sender = from_ucs2_hex(header.group(1)) if header else ""
            text = from_ucs2_hex("".join(reply.lines[1:]))
            await self.incoming_sms(sender, text)

    async def incoming_sms(self, sender: str, text: str) -> None:
        dtu = self.dtu
        command = dtu.family.command_in(text, dtu.settings.password)
        if command is not None and dtu.settings.sms_at:
            right, line = command
            lines: list[str] = []
            with dtu.replying_to(sender):
                # one SMS may chain commands: "pw#AT+CIPSCONT=...;AT+CIMOD=0" (research §A.5)
                for part in re.split(r";(?=AT)", line, flags=re.IGNORECASE):
                    lines += await dtu.run_remote((right, part.strip()), "sms")
                await self.send_sms(sender, "\r\n".join(lines))
            return
        if dtu.settings.mode_name == "SMS":
            await dtu.serial.to_host(text.encode("utf-8"))

    async def sms_passthrough(self, packet: bytes) -> None:
        number = self.dtu.settings.sms_number
        if not number:
            log.warning("SMS passthrough: no number set (AT+CIPNUM)")
            return
        try:
            await self.send_sms(number, packet.decode("utf-8", "replace"))
        except ModemError as exc:  # the packet is not sent: said, and the DTU goes on
            log.warning("SMS passthrough: %s", exc)
