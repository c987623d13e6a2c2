"""The data centre: the TCP and UDP servers the DTU's sockets connect to.

Each ``Server`` listens on ``host`` — 127.0.0.1 unless the bench binds
elsewhere (dtulab/addresses.py) — (port 0 = any free one), records every
byte it receives per connection, can send to its clients, and can echo. Its
``checked`` count is a test's read position in what it received: the bytes a
test has already checked (``World.server_should_receive``).
Its ``listeners`` are told of every chunk it receives and sends (the bench offers them to
the power supply's armed cuts: ``LinkTraffic("net", ...)``); each connection keeps when it
opened and closed (clock time). They run on the bench's event loop; ``World`` gives
thread-safe access.

Network faults at the server's end (netfaults.py: refuse, reset, close-after,
black-hole, latency, bandwidth) act on a TCP server's real sockets: each
connection's bytes pass through two shaped pipes (the modem model's
``ShapedPipe``: latency, then rate, in order), up into ``received`` and down
to the client, under the conditions the active faults give that connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from dtulab.netfaults import Conditions, ServerFault
from dtulab.peripherals.clock import Clock
from dtulab.peripherals.gsm_modem.faults import FaultError
from dtulab.peripherals.gsm_modem.sockets import ShapedPipe


@dataclass
class Connection:
    index: int
    received: bytearray = field(default_factory=bytearray)
    datagrams: list[bytes] = field(default_factory=list)  # UDP: one entry per datagram
    open: bool = True
    last_rx: float = 0.0  # time.monotonic() of the last data received
    writer: asyncio.StreamWriter | None = None
    peer: tuple[str, int] | None = None  # UDP: where replies go
    up: ShapedPipe | None = None  # TCP: client -> received
    down: ShapedPipe | None = None  # TCP: server -> client
    opened: float = 0.0  # clock time it was accepted (UDP: its first datagram)
    closed: float | None = None  # clock time it ended, while open None


class Server:
    def __init__(
        self,
        name: str,
        proto: str = "TCP",
        port: int = 0,
        echo: bool = False,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.host = host  # the address it listens on
        self.clock = clock or Clock()
        self.faults: list[ServerFault] = []  # active, in order of injection
        self.proto = proto.upper()
        self.requested_port = port
        self.port = 0
        self.echo = echo
        self.connections: list[Connection] = []
        self.checked = 0  # bytes of ``received`` a test has checked so far
        self.changed = asyncio.Event()
        # told of every chunk: ("rx", bytes it received) and ("tx", bytes it sent a client)
        self.listeners: list[Callable[[str, bytes], None]] = []
        self._server: asyncio.AbstractServer | None = None
        self._held: socket.socket | None = None  # the port, bound, while it does not listen
        self._udp: asyncio.DatagramTransport | None = None

    @property
    def received(self) -> bytes:
        """Everything received, over all connections, in order of connection."""
        return b"".join(bytes(c.received) for c in self.connections)

    async def start(self) -> None:
        """Listen; a server started again listens on the port it had (a data centre back)."""
        loop = asyncio.get_running_loop()
        port = self.port or self.requested_port
        if self.proto == "TCP":
            await self.listen()
        else:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(self.host, port)
            )
            self.port = self._udp.get_extra_info("sockname")[1]

    def _tell(self, direction: str, data: bytes) -> None:
        for listener in list(self.listeners):
            listener(direction, data)

    def _touch(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def listen(self) -> None:
        """TCP: accept connections (again) on the server's port."""
        if self._held is not None:  # the port it kept while it did not listen
            held, self._held = self._held, None
            self._server = await asyncio.start_server(self._client, sock=held)
        else:
            self._server = await asyncio.start_server(
                self._client, self.host, self.port or self.requested_port
            )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop_listening(self) -> None:
        """TCP: nothing listens on the port any more (connects are refused); open
        connections stay. The port stays the server's: a socket bound to it, not listening,
        refuses connects and keeps the kernel from giving the port to another program's
        ``bind(port 0)`` meanwhile — whose server the DTU would otherwise reach, and hand the
        records meant for this one."""
        if self._server is not None:
            self._server.close()  # not wait_closed(): that waits for the connections too
            self._server = None
            self._held = _hold(self.host, self.port)

    # -- faults -----------------------------------------------------------------------------
    def conditions(self, conn: Connection) -> Conditions:
        """What the active faults make of ``conn`` now."""
        conditions = Conditions()
        for fault in self.faults:
            fault.shape(self, conn, conditions)
        return conditions

    async def inject(self, fault: ServerFault) -> None:
        if self.proto != "TCP":
            raise FaultError(f"server faults need a TCP server; {self.name} is {self.proto}")
        await fault.apply(self)
        if not fault.one_shot:
            self.faults.append(fault)

    async def clear(self, fault: ServerFault) -> None:
        if fault in self.faults:
            self.faults.remove(fault)
            await fault.clear(self)

    # -- TCP connections --------------------------------------------------------------------
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(len(self.connections), writer=writer, opened=self.clock.now())
        conn.up = ShapedPipe(self.clock, lambda: self.conditions(conn).up, self._arrived(conn))
        conn.down = ShapedPipe(self.clock, lambda: self.conditions(conn).down, self._out(conn))
        self.connections.append(conn)
        self._touch()
        try:
            while data := await reader.read(65536):
                if not self.conditions(conn).blackhole:
                    conn.up.put(data)
        except ConnectionError:
            pass
        conn.up.put(None)  # the end, behind the data still in the pipe

    def _arrived(self, conn: Connection) -> Callable[[bytes], Awaitable[None]]:
        """Where connection ``conn``'s bytes land after the up pipe (b"": the end)."""

        async def land(data: bytes) -> None:
            if not data:
                await self._closed(conn)
                return
            if not conn.open:
                return
            close_at = self.conditions(conn).close_at
            if close_at is not None:
                data = data[: max(0, close_at - len(conn.received))]
            conn.received += data
            conn.last_rx = time.monotonic()
            self._tell("rx", data)
            if self.echo and data and conn.down is not None:
                conn.down.put(data)
            self._touch()
            if close_at is not None and len(conn.received) >= close_at:
                await self._closed(conn)

        return land

    def _out(self, conn: Connection) -> Callable[[bytes], Awaitable[None]]:
        """How bytes leave the down pipe for connection ``conn``'s client."""

        async def write(data: bytes) -> None:
            if data and conn.open and conn.writer is not None:
                self._tell("tx", data)
                with contextlib.suppress(ConnectionError):
                    conn.writer.write(data)
                    await conn.writer.drain()

        return write

    async def _closed(self, conn: Connection) -> None:
        if conn.open:
            conn.open = False
            conn.closed = self.clock.now()
            if conn.writer is not None:
                conn.writer.close()
            self._touch()

    def udp_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        conn = next((c for c in self.connections if c.peer == addr), None)
        if conn is None:
            conn = Connection(len(self.connections), peer=addr, opened=self.clock.now())
            self.connections.append(conn)
        conn.received += data
        conn.last_rx = time.monotonic()
        conn.datagrams.append(data)
        self._tell("rx", data)
        if self.echo and self._udp is not None:
            self._tell("tx", data)
            self._udp.sendto(data, addr)
        self._touch()

    async def send(self, data: bytes, index: int = -1) -> None:
        """Send to connection ``index`` (default: the newest)."""
        if not self.connections:
            raise ValueError(f"no client has connected to {self.name} yet")
        conn = self.connections[index]
        if conn.down is not None:
            if not self.conditions(conn).blackhole:
                done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
                conn.down.put(data, done)
                await done
        elif self._udp is not None and conn.peer is not None:
            self._tell("tx", data)
            self._udp.sendto(data, conn.peer)

    async def disconnect(self, index: int = -1) -> None:
        conn = self.connections[index]
        if conn.writer is not None:
            conn.writer.close()

    async def stop(self, keep_port: bool = False) -> None:
        """Close every connection and stop listening; with ``keep_port`` (a data centre that
        is down, to come back with ``start``) the port is held as by ``stop_listening``."""
        for conn in self.connections:
            for pipe in (conn.up, conn.down):
                if pipe is not None:
                    await pipe.close()
            await self._closed(conn)
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
            if keep_port:
                self._held = _hold(self.host, self.port)
        if self._held is not None and not keep_port:
            self._held.close()
            self._held = None
        if self._udp is not None:
            self._udp.close()


def _hold(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` that does not listen (connects to it are
    refused); ``listen`` turns it into the server's listening socket again."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    held = socket.socket(family, socket.SOCK_STREAM)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past its TIME_WAITs
    held.bind((host, port))
    return held


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: Server) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server.udp_datagram(data, addr)
