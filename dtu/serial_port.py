"""The DTU's RS232 side: transparent data, the ``+++`` escape and command mode (manual 3.1.1).

Transparent data is packed (R-NET-5): bytes form one packet when the line
has been idle for the packing time or the packet reaches the packing length.
The escape (R-AT-1): ``+++`` after the family's guard time of silence (usr721: 200 ms;
usr-sock: the packing interval), with nothing
after it, is answered ``a``; the host's ``a`` within 3 s is answered
``+ok`` and the port is in command mode. ``+++`` after less silence, or
followed by anything but ``a``, or not confirmed in 3 s, is ordinary data
and is not lost. In command mode lines end with CR (LF ignored), are echoed
while echo is on, and run through the DTU's command family (families.py).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from dtulab.dtu import contract, usr721
from dtulab.dtu.families import Family
from dtulab.dtu.settings import Settings
from dtulab.peripherals.clock import Clock
from dtulab.peripherals.links import Link

CONFIRM = 3.0  # T5: the host's 'a' after our 'a'


class SerialPeer(Protocol):
    """What the serial port needs of the firmware around it (``Dtu`` implements it)."""

    @property
    def settings(self) -> Settings:
        """The running settings: the work mode, the packing time and length."""
        ...

    @property
    def clock(self) -> Clock: ...

    @property
    def echo(self) -> bool:
        """Command mode echoes each byte (ATE1)."""
        ...

    async def serial_packet(self, packet: bytes) -> None:
        """Hand on one packet of transparent data (or an escape that was not one)."""
        ...

    async def run_command(self, line: str, session: usr721.Session) -> list[str]:
        """Run one command-mode line (the family's); the reply lines, the final result last."""
        ...

    @property
    def family(self) -> Family:
        """The AT command family: the escape's guard time."""
        ...


class SerialPort:
    def __init__(self, link: Link, peer: SerialPeer) -> None:
        self.peer = peer
        self.link = link
        self.command_mode = False
        self._chunks: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self._pending = bytearray()  # command-mode input not yet consumed
        self.last_rx = -1e9  # the last byte the transparent side has looked at (guard times)
        self.heard_at = -1e9  # when the last byte from the host arrived, in any mode
        self.held = bytearray()  # server data that arrived during command mode

    # -- input ---------------------------------------------------------------
    async def pump(self) -> None:
        while data := await self.link.read():
            self.heard_at = self.peer.clock.now()
            self._chunks.put_nowait((self.heard_at, data))

    async def _next(self, timeout: float | None) -> tuple[float, bytes] | None:
        try:
            return await asyncio.wait_for(self._chunks.get(), timeout)
        except TimeoutError:
            return None

    async def write(self, data: bytes) -> None:
        await self.link.write(data)

    async def to_host(self, data: bytes) -> None:
        """Data for the host (from a server, an SMS, an HTTP reply); held in command mode."""
        if self.command_mode:
            self.held += data
            del self.held[: max(0, len(self.held) - contract.HELD_LIMIT)]
            return
        await self.link.write(data)

    # -- main loop -------------------------------------------------------------
    async def run(self) -> None:
        while True:
            if self.command_mode or self.peer.settings.mode_name == "AT":
                await self._command_line()
            else:
                await self._transparent()

    async def _transparent(self) -> None:
        """Collect one packet (or handle an escape) and hand it on."""
        s = self.peer.settings
        packet = bytearray()
        while not self.command_mode:
            got = await self._next(s.pack_time_ms / 1000 if packet else None)
            if got is None:  # idle for the packing time
                break
            t, data = got
            silent = t - self.last_rx
            self.last_rx = t
            if silent >= self.peer.family.guard(s) and b"+++".startswith(data):
                if packet:
                    await self.peer.serial_packet(bytes(packet))
                    packet.clear()
                data = await self._gather_plus(data)
                if data == b"+++":
                    await self._escape()
                    return
            packet += data
            while len(packet) >= s.pack_len:
                await self.peer.serial_packet(bytes(packet[: s.pack_len]))
                del packet[: s.pack_len]
        if packet:
            await self.peer.serial_packet(bytes(packet))

    async def _gather_plus(self, data: bytes) -> bytes:
        """The rest of a "+++" that arrived in pieces (each within the guard time)."""
        guard = self.peer.family.guard(self.peer.settings)
        while len(data) < 3 and b"+++".startswith(data):
            got = await self._next(guard)
            if got is None:
                break
            self.last_rx = got[0]
            data += got[1]
        return data

    async def _escape(self) -> None:
        await self.link.write(b"a")
        got = await self._next(CONFIRM)
        if got is not None:
            self.last_rx = got[0]
        if got is not None and got[1] == b"a":
            await self.link.write(b"+ok")
            self.command_mode = True
            self._pending.clear()
            return
        # not an escape after all: "+++" (and what followed) is data
        tail = got[1] if got is not None else b""
        await self.peer.serial_packet(b"+++" + tail)

    def leave_command_mode(self) -> None:
        self.command_mode = False

    async def flush_held(self) -> None:
        if self.held and not self.command_mode:
            data, self.held = bytes(self.held), bytearray()
            await self.link.write(data)

    # -- command mode ------------------------------------------------------------
    async def _more(self) -> None:
        _, data = await self._chunks.get()
        self._pending += data

    async def _command_line(self) -> None:
        line = bytearray()
        while True:
            while not self._pending:
                await self._more()
            byte = self._pending[0]
            del self._pending[0]
            if self.peer.echo:
                await self.link.write(bytes([byte]))
            if byte == 0x0D:
                break
            if byte == 0x0A:
                continue
            if byte == 0x08:
                del line[-1:]
                continue
            if len(line) <= contract.LINE_MAX:
                line.append(byte)
        text = line.decode("latin-1").strip()
        if not text:
            return
        session = usr721.Session(
            "serial", read_data=self.read_exactly, read_until=self.read_until, write=self.write
        )
        reply = await self.peer.run_command(text, session)
        await self.link.write(b"".join(b"\r\n" + r.encode("latin-1") + b"\r\n" for r in reply))
        if not self.command_mode:
            await self.flush_held()

    async def read_exactly(self, n: int) -> bytes:
        while len(self._pending) < n:
            await self._more()
        data = bytes(self._pending[:n])
        del self._pending[:n]
        return data

    async def read_until(self, end: bytes) -> bytes | None:
        """Bytes up to ``end`` (Ctrl-Z); None if ESC came first."""
        while True:
            for i, byte in enumerate(self._pending):
                if byte in (end[0], 0x1B):
                    data = bytes(self._pending[:i])
                    del self._pending[: i + 1]
                    return data if byte == end[0] else None
            await self._more()
