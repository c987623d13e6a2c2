"""The DTU's four network sockets in transparent mode (manual 2.1.1, 2.2, 2.3).

Each DTU socket n (1..4) uses modem link n-1. It connects when GPRS is up
(R-NET-1), queues serial packets while it is down — up to 15 KB per socket,
the oldest dropped and counted beyond that, never reordered or duplicated
(R-NET-2) — and reconnects with back-off after a failure, asking the DTU to
restart after too many failures in a row (R-NET-3). A short link closes
after its idle time and reopens when serial data arrives (R-NET-4). The
registration packet goes out once per connection or before every packet
(R-REG-1, R-CLOUD-1); the heartbeat goes to the server when the link has
been quiet for the heartbeat time, and more than 3 failed heartbeats in a
row count as a broken connection (R-HB-1, R-HB-3).

Data leaves the queue only when the modem says ``SEND OK``; a failed send
keeps it for the next connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dtulab.dtu.contract import BUFFER_LIMIT, HEARTBEAT_FAILURES, SEND_MAX
from dtulab.dtu.modem_client import ModemError
from dtulab.dtu.ports import Online
from dtulab.dtu.settings import Settings, SocketConfig

if TYPE_CHECKING:
    from dtulab.dtu.dtu import DtuTiming

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cache:
    """What a socket buffered for its server, as it stands in RAM: a restart keeps it (RAM
    survives a reset, not a power cut; behaviour.md R-NET-3), for the same server only."""

    target: tuple[str, str, int]  # (proto, host, port)
    packets: tuple[bytes, ...]
    dropped: int


class SocketPeer(Online, Protocol):
    """What a socket needs of the firmware around it (``Dtu`` implements it)."""

    @property
    def settings(self) -> Settings:
        """The running settings: this socket's server and link style, heartbeat, registration."""
        ...

    @property
    def timing(self) -> DtuTiming:
        """Back-off, restart count, connect and send timeouts."""
        ...

    def update_leds(self) -> None:
        """A socket connected or closed: the DATA LED follows."""
        ...

    def data_moved(self) -> None:
        """Data went out: the DATA LED blinks."""
        ...

    def request_restart(self, reason: str, delay: float = 0.0) -> None:
        """Restart the DTU (too many failed connects in a row, R-NET-3)."""
        ...

    def registration_packet(self) -> bytes:
        """The registration packet's bytes (R-REG-1)."""
        ...


class DtuSocket:
    def __init__(self, dtu: SocketPeer, index: int) -> None:
        self.dtu = dtu
        self.index = index  # 0..3; the manual's socket index + 1; the modem's link id
        self.state = "CLOSED"  # CLOSED, CONNECTING, CONNECTED
        self.queue: deque[bytes] = deque()
        self.queued = 0
        self.dropped = 0  # bytes dropped on overflow (R-NET-2)
        self.failures = 0
        self.hb_failures = 0
        self.last_tx = 0.0
        self.last_data = 0.0
        self._wake = asyncio.Event()
        self._outcome: asyncio.Future[str] | None = None
        self._closed = asyncio.Event()
        self.task: asyncio.Task[object] | None = None
        self.target: tuple[str, str, int] | None = None  # (proto, host, port) the task serves

    @property
    def cfg(self) -> SocketConfig:
        return self.dtu.settings.sockets[self.index]

    @property
    def link(self) -> int:
        return self.index

    # -- the serial side hands packets over --------------------------------
    def put(self, packet: bytes) -> None:
        """Queue a serial packet for the server (buffered while the socket is down)."""
        if not packet:
            return
        self.queue.append(packet)
        self.queued += len(packet)
        while self.queued > BUFFER_LIMIT:
            oldest = self.queue.popleft()
            excess = self.queued - BUFFER_LIMIT
            if len(oldest) > excess:  # keep the newest part of the oldest packet
                self.queue.appendleft(oldest[excess:])
                self.queued -= excess
                self.dropped += excess
            else:
                self.queued -= len(oldest)
                self.dropped += len(oldest)
        self.last_data = self.dtu.clock.now()
        self._wake.set()

    def cache(self) -> Cache | None:
        """The buffered data, for the next boot after a restart (None: nothing buffered)."""
        if not self.queue:
            return None
        cfg = self.cfg  # the server the data was buffered for
        return Cache((cfg.proto, cfg.host, cfg.port), tuple(self.queue), self.dropped)

    def adopt(self, cache: Cache) -> None:
        """Take back what this socket buffered before a restart, if it still serves the same
        server (a socket pointed elsewhere, or disabled, starts empty)."""
        cfg = self.cfg
        if cfg.enabled and (cfg.proto, cfg.host, cfg.port) == cache.target:
            self.queue.extend(cache.packets)
            self.queued += sum(len(p) for p in cache.packets)
            self.dropped += cache.dropped
            log.info("socket %d: %d bytes kept over the restart", self.index + 1, self.queued)

    # -- modem events --------------------------------------------------------
    def on_urc(self, event: str) -> None:
        """``CONNECT OK``, ``CONNECT FAIL``, ``ALREADY CONNECT`` or ``CLOSED`` for this link."""
        if event in ("CONNECT OK", "CONNECT FAIL", "ALREADY CONNECT"):
            if self._outcome is not None and not self._outcome.done():
                self._outcome.set_result(event)
        elif event == "CLOSED":
            self._closed.set()
            self._wake.set()

    def network_lost(self) -> None:
        self._closed.set()
        self._wake.set()
        if self._outcome is not None and not self._outcome.done():
            self._outcome.set_result("CONNECT FAIL")

    # -- lifecycle -------------------------------------------------------------
    async def run(self) -> None:
        dtu = self.dtu
        timing = dtu.timing
        while True:
            cfg = self.cfg
            await dtu.gprs_ready.wait()
            if not cfg.long_link and not self.queue:
                self._wake.clear()
                await self._wake.wait()  # a short link opens when there is data
                continue
            if await self._connect(cfg):
                self.failures = 0
                await self._serve(cfg)
                self.state = "CLOSED"
                dtu.update_leds()
                if not dtu.gprs_ready.is_set():
                    continue
                await dtu.clock.sleep(timing.reconnect_min)
                continue
            self.state = "CLOSED"
            self.failures += 1
            if self.failures >= timing.restart_after:
                log.warning(
                    "socket %d failed %d times in a row: restart", self.index + 1, self.failures
                )
                dtu.request_restart(f"socket {self.index + 1} failed {self.failures} times")
                return
            delay = min(timing.reconnect_max, timing.reconnect_min * 2 ** (self.failures - 1))
            await dtu.clock.sleep(delay)

    async def _connect(self, cfg: SocketConfig) -> bool:
        dtu = self.dtu
        self.state = "CONNECTING"
        self._closed.clear()
        self._outcome = asyncio.get_running_loop().create_future()
        try:
            await dtu.modem.command(
                f'AT+CIPSTART={self.link},"{cfg.proto}","{cfg.host}",{cfg.port}', timeout=10
            )
            outcome = await asyncio.wait_for(self._outcome, dtu.timing.connect_timeout)
        except (ModemError, TimeoutError):
            outcome = "CONNECT FAIL"
        if outcome == "CONNECT OK" or outcome == "ALREADY CONNECT":
            self.state = "CONNECTED"
            self.hb_failures = 0
            self.last_tx = dtu.clock.now()
            dtu.update_leds()
            return True
        return False

    async def _serve(self, cfg: SocketConfig) -> None:
        """While connected: registration, then queued data, heartbeats and idle checks."""
        dtu = self.dtu
        s = dtu.settings
        if s.reg_mode == "LINK":
            await self._send(dtu.registration_packet(), counts_as_data=False)
        while not self._closed.is_set():
            if self.queue:
                if not await self._send_next():
                    break
                continue
            self._wake.clear()
            timeout = self._next_timer(cfg)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            if self._closed.is_set() or self.queue:
                continue
            now = dtu.clock.now()
            if not cfg.long_link and now - self.last_data >= cfg.idle:
                await self._close()
                return
            if s.heartbeat_s and not s.heartbeat_to_serial and now - self.last_tx >= s.heartbeat_s:
                if await self._send(bytes.fromhex(s.heartbeat_data), counts_as_data=False):
                    self.hb_failures = 0
                else:
                    self.hb_failures += 1
                    self.last_tx = now
                    if self.hb_failures > HEARTBEAT_FAILURES:
                        log.warning(
                            "socket %d: %d heartbeats failed", self.index + 1, self.hb_failures
                        )
                        await self._close()
                        return
        await self._close()

    def _next_timer(self, cfg: SocketConfig) -> float | None:
        s = self.dtu.settings
        now = self.dtu.clock.now()
        timers = []
        if not cfg.long_link:
            timers.append(self.last_data + cfg.idle - now)
        if s.heartbeat_s and not s.heartbeat_to_serial:
            timers.append(self.last_tx + s.heartbeat_s - now)
        return max(0.0, min(timers)) if timers else None

    async def _send_next(self) -> bool:
        """Send the oldest queued data; keep it queued unless the modem acknowledged it."""
        dtu = self.dtu
        prefix = dtu.registration_packet() if dtu.settings.reg_mode == "DATA" else b""
        room = SEND_MAX - len(prefix)
        packet = self.queue[0]
        if self.cfg.proto == "TCP" and not prefix:  # a stream: fill the segment
            stream = bytearray()
            for item in self.queue:
                stream += item
                if len(stream) >= room:
                    break
            chunk = bytes(stream[:room])
        else:
            chunk = bytes(packet[:room])
        if not await self._send(prefix + chunk):
            return False
        self._consume(len(chunk))
        dtu.data_moved()
        return True

    def _consume(self, size: int) -> None:
        while size:
            head = self.queue[0]
            if len(head) <= size:
                self.queue.popleft()
                size -= len(head)
                self.queued -= len(head)
            else:
                self.queue[0] = head[size:]
                self.queued -= size
                size = 0

    async def _send(self, data: bytes, counts_as_data: bool = True) -> bool:
        if not data or self._closed.is_set():
            return not data
        try:
            reply = await self.dtu.modem.send_data(
                f"AT+CIPSEND={self.link},{len(data)}",
                data,
                timeout=self.dtu.timing.send_timeout,
                finals=r"\d, SEND OK|\d, SEND FAIL",
            )
        except ModemError:
            return False
        if reply.final.endswith("SEND OK"):
            self.last_tx = self.dtu.clock.now()
            return True
        return False

    async def send_now(self, data: bytes) -> bool:
        """AT+CISEND: send at once, outside the queue (only while connected)."""
        return self.state == "CONNECTED" and await self._send(data)

    async def _close(self) -> None:
        if self.dtu.gprs_ready.is_set():  # with GPRS gone there is no link left to close
            with contextlib.suppress(ModemError):
                await self.dtu.modem.command(f"AT+CIPCLOSE={self.link}", timeout=10, check=False)
        self._closed.set()
