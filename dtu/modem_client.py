"""The DTU MCU's driver for its SIM800-class modem, over the modem UART link.

Speaks the SIMCom dialect of docs/modem.md: one command at a time, each
waiting for its final result; ``>`` / ``DOWNLOAD`` prompts for data;
``+RECEIVE,<n>,<len>:`` blocks and ``+FTPGET: 2,<n>`` / ``+HTTPREAD: <n>``
replies carry raw bytes that are read by length, never as text lines.
Everything else unsolicited (``<n>, CLOSED``, ``+PDP: DEACT``, ``+CMTI``,
``RING``, ``RDY``…) goes to ``on_urc``. The client never crashes on a line it
does not know: it is logged and passed to ``on_urc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dtulab.peripherals.links import Link

log = logging.getLogger(__name__)

FINAL = re.compile(
    r"^(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|SHUT OK|CLOSE OK|\d, CLOSE OK"
    r"|\+CME ERROR: .*|\+CMS ERROR: .*)$"
)
URC = re.compile(
    r"^(\d, (CONNECT OK|CONNECT FAIL|ALREADY CONNECT|CLOSED)|CONNECT OK|CONNECT FAIL|CLOSED"
    r"|\+PDP: DEACT|\+CMTI: .*|\+CMT: .*|RING|\+CRING: .*|\+CLIP: .*|RDY|\+CFUN: \d"
    r"|\+CPIN: .*|Call Ready"
    r"|SMS Ready|\+SAPBR \d: DEACT|\+HTTPACTION: .*|\+FTPGET: 1,\d+|\+FTPSIZE: .*"
    r"|UNDER-VOLTAGE .*|OVER-VOLTAGE .*|NORMAL POWER DOWN|\+CDNSGIP: .*|\+CREG: \d|\+CGREG: \d)$"
)
POWER_DOWN = re.compile(r"^(NORMAL POWER DOWN|UNDER-VOLTAGE POWER DOWN)$")
RECEIVE = re.compile(rb"\+RECEIVE,(\d),(\d+)[^:\r]*:\r\n")
RAW_REPLY = re.compile(r"^(\+FTPGET: 2,|\+HTTPREAD: )(\d+)$")


class ModemError(Exception):
    """A command ended in an error result or did not answer in time."""


@dataclass
class Reply:
    lines: list[str]
    final: str
    raw: bytes = b""  # bytes of a +FTPGET: 2 / +HTTPREAD reply

    @property
    def ok(self) -> bool:
        return self.final == "OK"

    def line(self, prefix: str) -> str:
        """The first information line that starts with ``prefix`` (without it)."""
        for text in self.lines:
            if text.startswith(prefix):
                return text[len(prefix) :].strip()
        raise ModemError(f"no {prefix!r} line in {self.lines}")


@dataclass
class _Pending:
    command: str
    finals: re.Pattern[str]
    lines: list[str] = field(default_factory=list)
    raw: bytes = b""
    done: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    prompt: str | None = None  # "> " or "DOWNLOAD" while a data prompt is awaited
    prompted: asyncio.Event = field(default_factory=asyncio.Event)


class ModemClient:
    def __init__(self, link: Link) -> None:
        self.link = link
        self.on_urc: Callable[[str], None] = lambda line: None
        self.on_receive: Callable[[int, bytes], None] = lambda n, data: None
        self._buf = bytearray()
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._raw_left = 0  # bytes of a raw reply still to come

    # -- reading -----------------------------------------------------------
    async def run(self) -> None:
        """Read the modem UART forever (a task of the DTU's lifetime)."""
        while data := await self.link.read():
            self._buf += data
            try:
                self._parse()
            except Exception:  # a model bug must not kill the DTU's reader
                log.exception("modem reply parsing failed; dropping %r", bytes(self._buf))
                self._buf.clear()

    def _parse(self) -> None:
        buf = self._buf
        while buf:
            if self._raw_left:
                take = min(self._raw_left, len(buf))
                if self._pending is not None:
                    self._pending.raw += bytes(buf[:take])
                del buf[:take]
                self._raw_left -= take
                continue
            while bytes(buf[:1]) in (b"\r", b"\n"):
                del buf[:1]
            if not buf:
                return
            pending = self._pending
            if pending is not None and pending.prompt == "> " and buf.startswith(b"> "):
                del buf[:2]
                pending.prompted.set()
                continue
            match = RECEIVE.match(bytes(buf[:32]))
            if match:
                link, size, start = int(match.group(1)), int(match.group(2)), match.end()
                if len(buf) < start + size:
                    return
                data = bytes(buf[start : start + size])
                del buf[: start + size]
                self.on_receive(link, data)
                continue
            end = buf.find(b"\r\n")
            if end < 0:
                return
            line = bytes(buf[:end]).decode("latin-1")
            del buf[: end + 2]
            self._line(line)

    def _line(self, line: str) -> None:
        pending = self._pending
        if pending is not None and not pending.done.done():
            if line == pending.command:  # echo
                return
            if pending.prompt == "DOWNLOAD" and line == "DOWNLOAD":
                pending.prompted.set()
                return
            name = pending.command[2:].split("=")[0].split("?")[0]
            mine = name.startswith("+") and line.startswith(name + ":")
            if not mine and URC.match(line):
                self.on_urc(line)
                if POWER_DOWN.match(line):  # nothing will answer the command in flight
                    pending.done.set_result(line)
                return
            raw = RAW_REPLY.match(line)
            if raw:
                self._raw_left = int(raw.group(2))
            if pending.finals.match(line) or FINAL.match(line):
                if not pending.done.done():
                    pending.done.set_result(line)
                return
            pending.lines.append(line)
            return
        self.on_urc(line)

    # -- commands ------------------------------------------------------------
    async def command(
        self, line: str, timeout: float = 10.0, finals: str | None = None, check: bool = True
    ) -> Reply:
        """Send one command line and wait for its final result.

        ``finals`` adds result lines that end this command (e.g. the bare IP of
        AT+CIFSR). With ``check`` an error result raises ModemError.
        """
        async with self._lock:
            pending = self._start(line, finals)
            await self.link.write(line.encode("latin-1") + b"\r")
            return await self._finish(pending, timeout, check)

    async def send_data(
        self,
        line: str,
        data: bytes,
        timeout: float = 30.0,
        finals: str | None = None,
        prompt: str = "> ",
        terminator: bytes = b"",
    ) -> Reply:
        """A command with a data prompt: AT+CIPSEND, AT+CMGS, AT+HTTPDATA."""
        async with self._lock:
            pending = self._start(line, finals)
            pending.prompt = prompt
            await self.link.write(line.encode("latin-1") + b"\r")
            waiter = asyncio.ensure_future(pending.prompted.wait())
            try:
                await asyncio.wait(
                    (waiter, pending.done), timeout=timeout, return_when="FIRST_COMPLETED"
                )
            finally:
                waiter.cancel()
            if not pending.prompted.is_set():
                if not pending.done.done():
                    await self.link.write(b"\x1b")  # give up the prompt
                return await self._finish(pending, timeout, True)
            await self.link.write(data + terminator)
            return await self._finish(pending, timeout, True)

    def _start(self, line: str, finals: str | None) -> _Pending:
        pattern = re.compile(f"^({finals})$") if finals else re.compile(r"^$(?!.)")
        self._pending = _Pending(line, pattern)
        self._raw_left = 0
        return self._pending

    async def _finish(self, pending: _Pending, timeout: float, check: bool) -> Reply:
        try:
            final = await asyncio.wait_for(asyncio.shield(pending.done), timeout)
        except TimeoutError:
            raise ModemError(f"{pending.command}: no answer within {timeout} s") from None
        finally:
            self._pending = None
        reply = Reply(pending.lines, final, pending.raw)
        if check and (final == "ERROR" or final.startswith(("+CME", "+CMS"))):
            raise ModemError(f"{pending.command}: {final}")
        return reply

    async def sync(self, attempts: int = 60, interval: float = 0.5) -> None:
        """AT until OK (the module may still be booting)."""
        for _ in range(attempts):
            with contextlib.suppress(ModemError):
                await self.command("AT", timeout=interval)
                return
        raise ModemError("the modem does not answer AT")
