"""The reference DTU: the manual's behaviour (../shared/docs/behaviour.md) on the modelled board.

It talks to the world only through its board (``Board``): the RS232 link to
the host, the UART link to the SIM800 modem (real AT commands), the three
LEDs, the settings EEPROM and the clock. ``Dtu.run()`` is the firmware's
main: boot (settings from the EEPROM, the AT+CIMODID message), bring the
modem and GPRS up and keep them up, run the work mode, and return
``"restart"`` or ``"shutdown"`` when asked to; the platform turns that into a
cold start or an idle board. Power loss is the platform cancelling ``run``.

Modules: serial_port.py (RS232, +++ and command mode), sockets.py (the four
sockets), families.py (the AT dialects: usr721.py, usr_sock.py), store.py (power-safe settings),
modem_client.py (the SIM800 driver), services.py (SMS and calls through the
modem), httpd.py (HTTPD client mode), ftp_download.py (the FTP download frames).
Each of them sees the DTU only through a small protocol declared beside it
(``SerialPeer``, ``SocketPeer``, ``ServicesPeer``, ``usr721.Device``,
``HttpPeer``, ``FtpPeer``; shared pieces in ports.py), which ``Dtu`` implements.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dtulab.dtu import contract, ftp_download, httpd, services, usr721
from dtulab.dtu.families import FAMILIES, Family
from dtulab.dtu.modem_client import ModemClient, ModemError
from dtulab.dtu.serial_port import SerialPort
from dtulab.dtu.sockets import Cache, DtuSocket
from dtulab.dtu.store import Memory, SettingsStore
from dtulab.peripherals.clock import Clock
from dtulab.peripherals.eeprom import PowerLost
from dtulab.peripherals.links import Link
from dtulab.peripherals.loop_thread import cancel_and_wait

log = logging.getLogger(__name__)


class Leds(Protocol):
    """What the DTU needs of its LEDs (peripherals/leds.py LedBank)."""

    def __getitem__(self, name: str) -> _Led: ...


class _Led(Protocol):
    def set(self, on: bool) -> None: ...


@dataclass
class Board:
    """The signals a target gives the DTU firmware."""

    rs232: Link
    modem: Link
    leds: Leds
    eeprom: Memory
    clock: Clock = field(default_factory=Clock)
    modem_pwrkey: Callable[[], Awaitable[None]] | None = None  # GPIO to the modem's PWRKEY


@dataclass(frozen=True)
class DtuTiming:
    """The firmware's own delays (not settable by AT commands), in seconds; the values are
    the contract's timing profiles (dtulab/contract/usr721.toml, which says what each is)."""

    reconnect_min: float
    reconnect_max: float
    restart_after: int
    connect_timeout: float
    send_timeout: float
    network_retry: float
    registration_wait: float
    blink: float

    @classmethod
    def from_ms(cls, ms: Mapping[str, int]) -> DtuTiming:
        return cls(
            reconnect_min=ms["reconnect_min_ms"] / 1000,
            reconnect_max=ms["reconnect_max_ms"] / 1000,
            restart_after=ms["restart_after"],
            connect_timeout=ms["connect_timeout_ms"] / 1000,
            send_timeout=ms["send_timeout_ms"] / 1000,
            network_retry=ms["network_retry_ms"] / 1000,
            registration_wait=ms["registration_wait_ms"] / 1000,
            blink=ms["blink_ms"] / 1000,
        )


TIMINGS = {name: DtuTiming.from_ms(profile) for name, profile in contract.TIMINGS_MS.items()}


class Dtu:
    def __init__(
        self,
        board: Board,
        timing: DtuTiming | None = None,
        kept: Sequence[Cache | None] = (),
        family: Family = FAMILIES["usr721"],
    ) -> None:
        """``kept``: the socket caches the previous boot left in RAM (a restart, not a cold
        boot: ``Dtu.kept()`` of the run that restarted); ``family``: the AT command family
        it speaks (families.py)."""
        self.board = board
        self.clock = board.clock
        self.timing = timing or TIMINGS["realistic"]
        self.family = family
        self.store = SettingsStore(board.eeprom, family.factory)
        self.settings = family.factory()
        self.echo = True
        self.local_ip = ""
        self.modem = ModemClient(board.modem)
        self.modem.on_urc = self._on_urc
        self.modem.on_receive = self._on_receive
        self.serial = SerialPort(board.rs232, self)
        self.sockets = [DtuSocket(self, i) for i in range(contract.SOCKETS)]
        self.gprs_ready = asyncio.Event()
        self.services = services.Services(self)
        self._pdp_lost = asyncio.Event()
        self._downlink: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
        self._end: asyncio.Future[str] | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._blink_task: asyncio.Task[object] | None = None
        self._kept = list(kept)
        self.crashed = False  # an unexpected exception ended the run (no RAM is trusted)
        self.replying = 0  # remote commands whose reply is still on its way

    # -- life -------------------------------------------------------------------
    async def run(self) -> str:
        """The firmware's main; returns "restart" or "shutdown"."""
        self._end = asyncio.get_running_loop().create_future()
        self.board.leds["POW"].set(True)
        self.board.leds["NET"].set(False)
        self.board.leds["DATA"].set(False)
        self.settings = self.store.load()
        for sock, cache in zip(self.sockets, self._kept, strict=False):
            if cache is not None:
                sock.adopt(cache)
        if self.settings.boot_message:
            await self.board.rs232.write(f"\r\n{self.settings.boot_message}\r\n".encode("latin-1"))
        for job in (
            self.modem.run(),
            self.serial.pump(),
            self.serial.run(),
            self._network(),
            self._serial_heartbeat(),
            self._deliver_downlink(),
        ):
            self.spawn(job)
        self.apply_sockets()
        self.spawn(self.services.run())
        try:
            return await self._end
        finally:
            await cancel_and_wait(*self._tasks)

    def spawn(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        """Run a job for this boot of the firmware (cancelled at power-off or restart)."""
        task = asyncio.ensure_future(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: Awaitable[object]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except PowerLost:
            return  # the supply went mid-write: the platform is already stopping the firmware
        except Exception as exc:  # an exception in the firmware: restart, as a watchdog would
            log.exception("DTU task failed")
            self.crashed = True
            self.request_restart(f"exception: {exc!r}")

    def request_restart(self, reason: str, delay: float = 0.0) -> None:
        log.info("DTU restart: %s", reason)
        self._finish("restart", delay)

    def kept(self) -> list[Cache | None]:
        """What a restart keeps: each socket's buffered data (R-NET-3: the restart "for
        exception handling" must not lose the cache). Nothing after a crash: like a watchdog
        reset, it trusts no RAM."""
        return [] if self.crashed else [sock.cache() for sock in self.sockets]

    def request_shutdown(self) -> None:
        self._finish("shutdown", 0.1)

    def _finish(self, how: str, delay: float) -> None:
        async def later() -> None:
            await self.clock.sleep(delay)
            while self.replying:  # let a remote command's reply (SMS, network) go out first
                await self.clock.sleep(0.05)
            if self._end is not None and not self._end.done():
                self._end.set_result(how)

        self.spawn(later())

    # -- settings -----------------------------------------------------------------
    def save_settings(self) -> None:
        """ATW: store the running settings (power-safe, see store.py)."""
        self.store.save(self.settings)

    def restore_factory(self, reason: str) -> None:
        """AT+CIRELOAD, AT+CLEAR: the family's factory settings, saved; a restart follows
        the reply."""
        self.settings = self.family.factory()
        self.save_settings()
        self.request_restart(reason, delay=0.1)

    def apply_sockets(self) -> None:
        """Start, stop or restart socket tasks to match the running settings."""
        for sock in self.sockets:
            cfg = sock.cfg
            target = (cfg.proto, cfg.host, cfg.port) if cfg.enabled else None
            running = sock.task is not None and not sock.task.done()
            if running and target != sock.target:  # disabled, or pointed elsewhere
                assert sock.task is not None
                sock.task.cancel()
                sock.task = None
                running = False
                if sock.state != "CLOSED":
                    sock.state = "CLOSED"
                    self.spawn(self.modem.command(f"AT+CIPCLOSE={sock.link}", check=False))
            if target is not None and not running:
                sock.target = target
                sock.task = self.spawn(sock.run())
        self.update_leds()

    def leave_command_mode(self) -> None:
        self.serial.leave_command_mode()
        self.apply_sockets()

    async def _serial_heartbeat(self) -> None:
        """R-HB-2 (behaviour.md "Heartbeat"): written to the serial port once the host has
        been quiet for the heartbeat time, then every heartbeat time while it stays quiet
        (due at the later of its last byte and the last heartbeat, plus the heartbeat time);
        never in command mode."""
        last = -math.inf
        while True:
            s, now = self.settings, self.clock.now()
            if not (s.heartbeat_s and s.heartbeat_to_serial) or self.serial.command_mode:
                await self.clock.sleep(0.1)
                continue
            due = max(self.serial.heard_at, last) + s.heartbeat_s
            if now < due:
                await self.clock.sleep(min(due - now, 0.1))  # the host may speak meanwhile
                continue
            last = now
            await self.serial.to_host(bytes.fromhex(s.heartbeat_data))

    # -- the modem and GPRS ------------------------------------------------------------
    async def _network(self) -> None:
        while True:
            try:
                await self._bring_up()
            except ModemError as exc:
                log.warning("GPRS bring-up failed: %s", exc)
                await self.clock.sleep(self.timing.network_retry)
                continue
            self.gprs_ready.set()
            self.update_leds()
            await self._pdp_lost.wait()
            self._pdp_lost.clear()
            self.gprs_ready.clear()
            for sock in self.sockets:
                sock.network_lost()
            self.update_leds()
            await self.clock.sleep(self.timing.network_retry)

    async def _bring_up(self) -> None:
        m = self.modem
        try:
            await m.sync(attempts=10)
        except ModemError:
            if self.board.modem_pwrkey is None:
                raise
            log.warning("the modem does not answer: pressing its power key")
            await self.board.modem_pwrkey()
            await m.sync()
        await m.command("ATE0")
        await m.command("AT+CMEE=1")
        await self._poll("AT+CPIN?", r"\+CPIN: READY", 30)
        await self.services.setup_sms()
        await self._poll("AT+CREG?", r"\+CREG: \d,[15]", self.timing.registration_wait)
        await self._poll("AT+CGATT?", r"\+CGATT: 1", self.timing.registration_wait)
        await m.command("AT+CIPSHUT", timeout=70)
        self._pdp_lost.clear()
        await m.command("AT+CIPMUX=1")
        s = self.settings
        await m.command(f'AT+CSTT="{s.apn}","{s.apn_user}","{s.apn_password}"')
        await m.command("AT+CIICR", timeout=90)
        reply = await m.command("AT+CIFSR", finals=r"\d+\.\d+\.\d+\.\d+")
        self.local_ip = reply.final

    async def _poll(self, command: str, pattern: str, timeout: float) -> None:
        deadline = self.clock.now() + timeout
        regex = re.compile(pattern)
        while True:
            reply = await self.modem.command(command, check=False)
            if any(regex.fullmatch(line) for line in reply.lines):
                return
            if self.clock.now() > deadline:
                raise ModemError(f"{command}: no {pattern} within {timeout} s")
            await self.clock.sleep(0.5 if timeout > 10 else 0.1)

    def _on_urc(self, line: str) -> None:
        match = re.fullmatch(r"(\d), (CONNECT OK|CONNECT FAIL|ALREADY CONNECT|CLOSED)", line)
        if match:
            n = int(match.group(1))
            if n < len(self.sockets):
                self.sockets[n].on_urc(match.group(2))
                if match.group(2) == "CLOSED":
                    self.update_leds()
            return
        if line in ("+PDP: DEACT", "RDY", "SMS Ready", "NORMAL POWER DOWN") or line.startswith(
            "UNDER-VOLTAGE POWER"
        ):
            if self.gprs_ready.is_set():
                self._pdp_lost.set()
            return
        self.services.on_urc(line)

    def _on_receive(self, n: int, data: bytes) -> None:
        self.data_moved()
        self._downlink.put_nowait((n, data))

    async def _deliver_downlink(self) -> None:
        """Server data in arrival order, one block at a time (the serial port may block)."""
        while True:
            n, data = await self._downlink.get()
            await self._from_server(n, data)

    async def _from_server(self, n: int, data: bytes) -> None:
        s = self.settings
        command = self.family.command_in(data.decode("latin-1"), s.password)
        if command is not None and s.net_at:
            with self.replying_to(f"socket {n + 1}"):
                reply = await self.run_remote(command, "net")
                if n < len(self.sockets):
                    text = "\r\n".join(reply) + "\r\n"
                    await self.sockets[n].send_now(text.encode("latin-1"))
            return
        if s.mode_name == "NET":
            await self.serial.to_host(data)

    # -- commands (R-AT-1..5) ---------------------------------------------------------------
    async def run_command(self, line: str, session: usr721.Session) -> list[str]:
        """One command line of the DTU's family; the reply lines, the final result last."""
        return await self.family.execute(self, line, session)

    @contextlib.contextmanager
    def replying_to(self, who: str) -> Iterator[None]:
        """A remote command is being answered: a restart it asked for waits for the reply."""
        self.replying += 1
        try:
            yield
        finally:
            self.replying -= 1

    async def run_remote(self, command: tuple[bool, str], source: str) -> list[str]:
        """Run a password command (``Family.command_in``) from the serial port in a
        transparent mode, the network or SMS: a wrong password gets the family's error.

        Settings changed this way take effect at once (there is no AT+ENTM to wait for).
        """
        right, line = command
        if not right:
            return [self.family.refused]
        reply = await self.run_command(line, usr721.Session(source))
        if not self.serial.command_mode:
            self.apply_sockets()
        return reply

    # -- serial packets ----------------------------------------------------------------
    async def serial_packet(self, packet: bytes) -> None:
        """A packet from the host in a transparent mode."""
        if await ftp_download.handle(self, packet):
            return
        command = self.family.command_in(packet.decode("latin-1"), self.settings.password)
        if command is not None and command[0] and self.settings.com_at:  # else data (R-AT-3)
            reply = await self.run_remote(command, "serial")
            await self.board.rs232.write(b"".join(b"\r\n" + r.encode() + b"\r\n" for r in reply))
            return
        mode = self.settings.mode_name
        if mode == "NET":
            for sock in self.sockets:
                if sock.cfg.enabled:
                    sock.put(packet)
        elif mode == "SMS":
            await self.services.sms_passthrough(packet)
        elif mode == "HTTPD":
            await httpd.request(self, packet)

    def registration_packet(self) -> bytes:
        s = self.settings
        if s.reg_kind == "IMEI":
            return self.services.imei.encode()
        if s.reg_kind == "ICCID":
            return self.services.iccid.encode()
        return bytes.fromhex(s.reg_data)

    async def send_sms(self, number: str, text: str) -> None:
        await self.services.send_sms(number, text)

    # -- LEDs (R-LED-1..3) ----------------------------------------------------------------
    def update_leds(self) -> None:
        leds = self.board.leds
        leds["POW"].set(True)
        leds["NET"].set(self.gprs_ready.is_set())
        if self._blink_task is None or self._blink_task.done():
            leds["DATA"].set(any(s.state == "CONNECTED" for s in self.sockets))

    def data_moved(self) -> None:
        """Data went through a socket: the DATA LED blinks (off briefly, then on again)."""
        if self._blink_task is not None and not self._blink_task.done():
            return
        if not any(s.state == "CONNECTED" for s in self.sockets):
            return

        async def blink() -> None:
            self.board.leds["DATA"].set(False)
            await self.clock.sleep(self.timing.blink)
            self.board.leds["DATA"].set(True)
            await self.clock.sleep(self.timing.blink)

        self._blink_task = task = self.spawn(blink())
        task.add_done_callback(lambda _: self.update_leds())
