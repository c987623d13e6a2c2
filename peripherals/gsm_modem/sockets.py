"""The modem's data connections: real host TCP/UDP sockets behind a shaped radio path.

Every ``AT+CIPSTART`` opens a real socket on the host (host names resolved by
the host). Between the socket and the modem's UART the network model's
conditions are applied per direction (network.py): latency, bandwidth (a
serialising rate limit, so a GPRS-like 2 kB/s is met exactly) and
black-holing (everything silently dropped, the peer never hears of it).
Chunks keep their order; the end of the stream (remote close) is queued behind
the data, so a ``CLOSED`` URC never overtakes bytes still in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from dtulab.peripherals.clock import Clock
from dtulab.peripherals.gsm_modem.network import Path, PathConditions
from dtulab.peripherals.loop_thread import cancel_and_wait

PIECE = 256  # bytes per step when a rate limit applies: smooth enough for GPRS rates
IDLE = 0.05  # seconds a rate-limited pipe may fall behind before it restarts its schedule
READ_SIZE = 1460  # one TCP segment, the module's largest +RECEIVE


class ShapedPipe:
    """Moves chunks in order after the path's latency and at its rate."""

    def __init__(
        self,
        clock: Clock,
        path: Callable[[], Path],
        deliver: Callable[[bytes], Awaitable[None]],
    ) -> None:
        self._clock = clock
        self._path = path
        self._deliver = deliver
        self._queue: asyncio.Queue[tuple[float, bytes | None, asyncio.Future[bool] | None]] = (
            asyncio.Queue()
        )
        self._next_free = 0.0
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    def put(self, data: bytes | None, done: asyncio.Future[bool] | None = None) -> None:
        """Queue a chunk (None = end of stream); ``done`` resolves once it is delivered."""
        self._queue.put_nowait((self._clock.now(), data, done))

    async def _run(self) -> None:
        while not self._closed:
            t0, data, done = await self._queue.get()
            path = self._path()
            await self._clock.sleep_until(t0 + path.latency)
            if data:
                step = PIECE if path.rate else len(data)
                for i in range(0, len(data), step):
                    piece = data[i : i + step]
                    if path.rate:
                        # Keep a running schedule so timer lateness does not add up;
                        # an idle pipe starts afresh (no burst credit beyond IDLE).
                        now = self._clock.now()
                        if self._next_free < now - IDLE:
                            self._next_free = now
                        self._next_free += len(piece) / path.rate
                        await self._clock.sleep_until(self._next_free)
                    await self._deliver(piece)
            elif data is None:
                await self._deliver(b"")
            if done is not None and not done.done():
                done.set_result(True)

    async def close(self) -> None:
        """Stop moving chunks: at once, or after this one when the pipe's own delivery closes
        the connection (end of stream)."""
        self._closed = True
        await cancel_and_wait(self._task)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, on_data: Callable[[bytes], None]) -> None:
        self.on_data = on_data

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.on_data(data)

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable: UDP ignores it
        pass


class Connection:
    """One client link of the modem (link id 0..5), a real socket underneath."""

    def __init__(
        self,
        link_id: int,
        proto: str,
        host: str,
        port: int,
        clock: Clock,
        conditions: Callable[[], PathConditions],
        on_receive: Callable[[bytes], Awaitable[None]],
        on_remote_close: Callable[[], Awaitable[None]],
    ) -> None:
        self.link_id = link_id
        self.proto = proto
        self.host = host
        self.port = port
        self.remote_ip = host
        self.state = "CONNECTING"
        self.sent = 0
        self.acked = 0
        self._clock = clock
        self._conditions = conditions
        self._on_receive = on_receive
        self._on_remote_close = on_remote_close
        self._writer: asyncio.StreamWriter | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._up = ShapedPipe(clock, lambda: self._conditions().up, self._write_socket)
        self._down = ShapedPipe(clock, lambda: self._conditions().down, self._deliver_down)

    async def open(self, timeout: float) -> bool:
        """Resolve and connect; False on any failure (CONNECT FAIL)."""
        loop = asyncio.get_running_loop()
        try:
            if self._conditions().blackhole:
                await self._clock.sleep(timeout)  # SYNs vanish: the attempt times out
                return False
            infos = await loop.getaddrinfo(
                self.host,
                self.port,
                type=socket.SOCK_STREAM if self.proto == "TCP" else socket.SOCK_DGRAM,
            )
            family, _, _, _, sockaddr = infos[0]
            addr = (str(sockaddr[0]), int(sockaddr[1]))
            self.remote_ip = addr[0]
            if self.proto == "TCP":
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(addr[0], addr[1], family=family), timeout
                )
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._writer = writer
                self._reader_task = loop.create_task(self._read_tcp(reader))
            else:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Udp(self._from_network), remote_addr=addr, family=family
                )
                self._udp = transport
        except (OSError, TimeoutError, UnicodeError):
            await self.close()
            return False
        self.state = "CONNECTED"
        return True

    async def _read_tcp(self, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(READ_SIZE):
                self._from_network(data)
        except (ConnectionError, OSError):
            pass
        self._from_network(None)

    def _from_network(self, data: bytes | None) -> None:
        if self._conditions().blackhole and data is not None:
            return
        self._down.put(data)

    async def _deliver_down(self, data: bytes) -> None:
        if data:
            await self._on_receive(data)
        elif self.state == "CONNECTED":
            self.state = "CLOSED"
            await self._on_remote_close()

    async def send(self, data: bytes) -> asyncio.Future[bool]:
        """Queue data for the server; the future resolves when it reached the socket.

        Under a black-hole the data is dropped and the future never resolves.
        """
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.sent += len(data)
        if not self._conditions().blackhole:
            self._up.put(data, done)
        return done

    async def _write_socket(self, data: bytes) -> None:
        if self._conditions().blackhole:
            return
        try:
            if self._writer is not None:
                self._writer.write(data)
                await self._writer.drain()
            elif self._udp is not None:
                self._udp.sendto(data)
            self.acked += len(data)
        except (ConnectionError, OSError):
            self._from_network(None)

    async def close(self, reset: bool = False) -> None:
        """Close the socket (``reset`` sends a TCP RST, as a network reset does)."""
        self.state = "CLOSED"
        for pipe in (self._up, self._down):
            await pipe.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
        if self._writer is not None:
            if reset:
                sock = self._writer.get_extra_info("socket")
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._writer.close()
            self._writer = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None
