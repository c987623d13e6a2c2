"""Byte links: the wires between a target, the modem model and the harness.

A link models one serial line (an RS232 port or a UART) as an asynchronous
byte stream, as design.md's "link" describes. Baud rate and framing are not
modelled: bytes arrive as fast as the host moves them. Implementations:

- ``MemoryLink`` pairs: two ends in one process (``memory_pair()``).
- ``PtyLink``: a pseudo-terminal; the model holds the master side and any host
  program (a terminal, pyserial, a GSM library) opens ``slave_path``.
- ``TcpServerLink``: a TCP listener; one client at a time is the other end,
  like QEMU's ``-chardev socket,server=on``. Bytes written while no client is
  connected are dropped, as on an unconnected UART.

Links are chosen by a spec string with ``open_link("pty")`` or
``open_link("tcp:127.0.0.1:5000")``; new kinds register in ``LINK_KINDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import tty
from collections.abc import Awaitable, Callable
from typing import Protocol


class LinkSpecError(ValueError):
    """A link spec string that names no known link kind or has bad arguments."""


class Link(Protocol):
    """One end of a byte stream."""

    description: str

    async def read(self) -> bytes:
        """Wait for bytes and return all that are available; b"" once closed."""
        ...

    async def write(self, data: bytes) -> None:
        """Send bytes to the other end (dropped if nobody is there)."""
        ...

    async def close(self) -> None: ...


class _ByteInbox:
    """Bytes received but not yet read, with a wake-up for the reader."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._event = asyncio.Event()
        self.closed = False

    def put(self, data: bytes) -> None:
        self._buf += data
        self._event.set()

    def close(self) -> None:
        self.closed = True
        self._event.set()

    async def get(self) -> bytes:
        while not self._buf and not self.closed:
            self._event.clear()
            await self._event.wait()
        data = bytes(self._buf)
        self._buf.clear()
        return data


class MemoryLink:
    """One end of an in-process link; create pairs with ``memory_pair()``."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._inbox = _ByteInbox()
        self.peer: MemoryLink | None = None

    async def read(self) -> bytes:
        return await self._inbox.get()

    async def write(self, data: bytes) -> None:
        if self.peer is not None and not self.peer._inbox.closed:
            self.peer._inbox.put(bytes(data))

    async def close(self) -> None:
        self._inbox.close()
        if self.peer is not None:
            self.peer._inbox.close()


def memory_pair(name: str = "memory") -> tuple[MemoryLink, MemoryLink]:
    a, b = MemoryLink(f"{name}:a"), MemoryLink(f"{name}:b")
    a.peer, b.peer = b, a
    return a, b


class PtyLink:
    """The master side of a pseudo-terminal; the other end opens ``slave_path``.

    The slave is put in raw mode so bytes pass unchanged (no CR/LF mapping,
    no echo), and the model keeps a slave descriptor open so that the master
    never sees EIO while no client has the port open.
    """

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.slave_path = os.ttyname(self._slave)
        self.description = f"pty:{self.slave_path}"
        self._inbox = _ByteInbox()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._master, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: no slave open; the kept slave fd makes this rare
            if exc.errno != errno.EIO:
                raise
            return
        if data:
            self._inbox.put(data)

    async def read(self) -> bytes:
        return await self._inbox.get()

    async def write(self, data: bytes) -> None:
        view = memoryview(bytes(data))
        while view:
            try:
                n = os.write(self._master, view)
                view = view[n:]
            except BlockingIOError:
                # The pty buffer is full: nobody is reading. Wait for room.
                ready = self._loop.create_future()
                self._loop.add_writer(self._master, ready.set_result, None)
                try:
                    await ready
                finally:
                    self._loop.remove_writer(self._master)

    async def close(self) -> None:
        if self._inbox.closed:
            return
        self._loop.remove_reader(self._master)
        self._inbox.close()
        os.close(self._master)
        os.close(self._slave)


class TcpServerLink:
    """A TCP listener whose current client is the other end of the link."""

    def __init__(self) -> None:
        self._inbox = _ByteInbox()
        self._writer: asyncio.StreamWriter | None = None
        self._server: asyncio.AbstractServer | None = None
        self.host = ""
        self.port = 0
        self.description = "tcp"
        self.client_connected = asyncio.Event()

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._on_client, host, port)
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]
        self.description = f"tcp:{self.host}:{self.port}"

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:  # a new client replaces the old one
            self._writer.close()
        self._writer = writer
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client_connected.set()
        try:
            while data := await reader.read(65536):
                self._inbox.put(data)
        except ConnectionError:
            pass
        finally:
            if self._writer is writer:
                self._writer = None
                self.client_connected.clear()
            writer.close()

    async def read(self) -> bytes:
        return await self._inbox.get()

    async def write(self, data: bytes) -> None:
        writer = self._writer
        if writer is None:
            return
        try:
            writer.write(bytes(data))
            await writer.drain()
        except ConnectionError:
            pass

    async def close(self) -> None:
        self._inbox.close()
        if self._writer is not None:
            self._writer.close()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


def _parse_no_args(kind: str, arg: str) -> None:
    if arg:
        raise LinkSpecError(f"{kind} takes no arguments (use '{kind}')")


def _parse_tcp(arg: str) -> tuple[str, int]:
    host, sep, port_text = arg.rpartition(":")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise LinkSpecError(
            f"bad tcp link 'tcp:{arg}': expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:5000"
        )
    return host.strip("[]"), int(port_text)


async def _open_pty(arg: str) -> Link:
    _parse_no_args("pty", arg)
    return PtyLink()


async def _open_tcp(arg: str) -> Link:
    host, port = _parse_tcp(arg)
    link = TcpServerLink()
    try:
        await link.start(host, port)
    except OSError as exc:
        raise LinkSpecError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return link


# kind -> (argument check without side effects, opener)
LINK_KINDS: dict[str, tuple[Callable[[str], object], Callable[[str], Awaitable[Link]]]] = {
    "pty": (lambda arg: _parse_no_args("pty", arg), _open_pty),
    "tcp": (_parse_tcp, _open_tcp),
}


def check_link_spec(spec: str) -> None:
    """Raise LinkSpecError if ``spec`` is not a valid link spec (no side effects)."""
    kind, _, arg = spec.partition(":")
    if kind not in LINK_KINDS:
        known = ", ".join(f"'{k}'" for k in LINK_KINDS)
        raise LinkSpecError(f"unknown link '{spec}': expected one of {known}")
    LINK_KINDS[kind][0](arg)


async def open_link(spec: str) -> Link:
    """Open a link from a spec: ``pty`` or ``tcp:HOST:PORT``."""
    check_link_spec(spec)
    kind, _, arg = spec.partition(":")
    return await LINK_KINDS[kind][1](arg)
