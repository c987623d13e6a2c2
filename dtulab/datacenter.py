"""The data centre: the TCP and UDP servers the DTU's sockets connect to.

Each ``Server`` listens on ``host`` — 127.0.0.1 unless the bench binds
elsewhere (dtulab/addresses.py) — (port 0 = any free one), records every
byte it receives per connection, can send to its clients, and can echo. Its
``checked`` count is a test's read position in what it received: the bytes a
test has already checked (``World.server_should_receive``).
They run on the bench's event loop; ``World`` gives thread-safe access.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field


@dataclass
class Connection:
    index: int
    received: bytearray = field(default_factory=bytearray)
    datagrams: list[bytes] = field(default_factory=list)  # UDP: one entry per datagram
    open: bool = True
    last_rx: float = 0.0  # time.monotonic() of the last data received
    writer: asyncio.StreamWriter | None = None
    peer: tuple[str, int] | None = None  # UDP: where replies go


class Server:
    def __init__(
        self,
        name: str,
        proto: str = "TCP",
        port: int = 0,
        echo: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        self.name = name
        self.host = host  # the address it listens on
        self.proto = proto.upper()
        self.requested_port = port
        self.port = 0
        self.echo = echo
        self.connections: list[Connection] = []
        self.checked = 0  # bytes of ``received`` a test has checked so far
        self.changed = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None
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
            self._server = await asyncio.start_server(self._client, self.host, port)
            self.port = self._server.sockets[0].getsockname()[1]
        else:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(self.host, port)
            )
            self.port = self._udp.get_extra_info("sockname")[1]

    def _touch(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(len(self.connections), writer=writer)
        self.connections.append(conn)
        self._touch()
        try:
            while data := await reader.read(65536):
                conn.received += data
                conn.last_rx = time.monotonic()
                if self.echo:
                    writer.write(data)
                self._touch()
        except ConnectionError:
            pass
        finally:
            conn.open = False
            writer.close()
            self._touch()

    def udp_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        conn = next((c for c in self.connections if c.peer == addr), None)
        if conn is None:
            conn = Connection(len(self.connections), peer=addr)
            self.connections.append(conn)
        conn.received += data
        conn.last_rx = time.monotonic()
        conn.datagrams.append(data)
        if self.echo and self._udp is not None:
            self._udp.sendto(data, addr)
        self._touch()

    async def send(self, data: bytes, index: int = -1) -> None:
        """Send to connection ``index`` (default: the newest)."""
        if not self.connections:
            raise ValueError(f"no client has connected to {self.name} yet")
        conn = self.connections[index]
        if conn.writer is not None:
            conn.writer.write(data)
            await conn.writer.drain()
        elif self._udp is not None and conn.peer is not None:
            self._udp.sendto(data, conn.peer)

    async def disconnect(self, index: int = -1) -> None:
        conn = self.connections[index]
        if conn.writer is not None:
            conn.writer.close()

    async def stop(self) -> None:
        for conn in self.connections:
            if conn.writer is not None:
                conn.writer.close()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        if self._udp is not None:
            self._udp.close()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: Server) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server.udp_datagram(data, addr)
